"""The QTIP catalog (examples/qtip), spec-first from its Swagger 2.0 file, through a real HTTP server."""

from __future__ import annotations

import pytest

from examples.qtip.api import get_app


@pytest.fixture(scope="module")
def client(serve):
    return serve(get_app())


def test_plans_are_listed_from_the_definitions_folder(client):
    response = client.get("/v1.0/plans")
    assert response.status == 200
    assert [p["name"] for p in response.json()] == ["compute", "full"]


def test_a_plan_is_its_definition(client):
    plan = client.get("/v1.0/plans/compute").json()
    assert plan["name"] == "compute" and plan["QPIs"] == ["compute"] and plan["info"]["facility"] == "opnfv-lab"


@pytest.mark.parametrize("path,title", [("/v1.0/plans/nope", "Plan"), ("/v1.0/qpis/nope", "QPI"),
                                        ("/v1.0/metrics/nope", "Metric")])
def test_a_missing_name_is_a_404_problem_naming_it(client, path, title):
    response = client.get(path)
    assert response.status == 404
    assert response.content_type == "application/problem+json"
    problem = response.json()
    assert problem["title"] == "Not Found" and problem["status"] == 404
    assert problem["detail"] == f"{title} 'nope' not found."


def test_a_metric_a_qpi_names_but_nobody_defined_is_a_501(client):
    response = client.get("/v1.0/metrics/netperf")
    assert response.status == 501 and "not implemented" in response.json()["detail"]


def test_query_parameters_default_convert_and_filter(client):
    assert len(client.get("/v1.0/metrics").json()) == 7  # limit defaults to 100
    assert [m["name"] for m in client.get("/v1.0/metrics?qpi=storage").json()] == ["fio"]
    assert len(client.get("/v1.0/metrics?limit=2").json()) == 2


def test_a_request_breaking_the_spec_is_a_400_listing_every_violation(client):
    response = client.get("/v1.0/metrics?limit=0&qpi=disk&colour=red")
    assert response.status == 400
    errors = {(e["in"], e["pointer"], e["rule"]) for e in response.json()["errors"]}
    assert errors == {("query", "/limit", "minimum"), ("query", "/qpi", "enum"),
                      ("query", "/colour", "additionalProperties")}  # strict validation: colour is unknown


def test_a_name_breaking_the_path_pattern_is_a_400_not_a_lookup(client):
    response = client.get("/v1.0/plans/..%2F..%2Fetc")
    assert response.status in (400, 404)
    assert response.content_type == "application/problem+json"
    assert client.get("/v1.0/plans/Bad-Name").status == 400


def test_the_spec_is_served_as_swagger_json_at_the_base_path(client):
    spec = client.get("/v1.0/swagger.json").json()
    assert spec["swagger"] == "2.0" and spec["basePath"] == "/v1.0" and "host" not in spec
    assert sorted(spec["paths"]) == ["/metrics", "/metrics/{name}", "/plans", "/plans/{name}", "/qpis",
                                     "/qpis/{name}"]


def test_the_wrong_verb_is_a_405_with_allow(client):
    response = client.post("/v1.0/plans", json={})
    assert response.status == 405 and "GET" in response.headers["Allow"]
