"""Microversions, through HTTP: negotiation, the version headers of every answer, versioned operations."""

from __future__ import annotations

import pytest

import cravat
from cravat import Variant
from examples.compute import build_app

LEGACY = "X-OpenStack-Nova-API-Version"
COMPUTE = cravat.Microversions("compute", "2.1", "2.10", legacy_header=LEGACY)
KEY_MANAGER = cravat.Microversions("key-manager", "1.0", "1.1")
IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b"

NAME_ONLY = {
    "type": "object",
    "properties": {"server": {"type": "object", "properties": {"name": {"type": "string"}},
                              "required": ["name"], "additionalProperties": False}},
    "required": ["server"],
    "additionalProperties": False,
}
NAME_AND_IMAGE = {
    "type": "object",
    "properties": {"server": {"type": "object",
                              "properties": {"name": {"type": "string"},
                                             "imageRef": {"type": "string", "format": "uuid"}},
                              "required": ["name", "imageRef"], "additionalProperties": False}},
    "required": ["server"],
    "additionalProperties": False,
}
QUERY_V21 = {"type": "object", "properties": {"name": {"type": "string"}}, "additionalProperties": False}
QUERY_V25 = {"type": "object", "properties": {"name": {"type": "string"}, "limit": {"type": "integer"}},
             "additionalProperties": False}


def std(version):
    return {"OpenStack-API-Version": f"compute {version}"}


class Version:
    """``GET /version``: the version the handler saw; ``POST`` is not routed (405)."""

    def on_get(self, req):
        return {"version": str(req.version)}


class Boom:
    def on_get(self, req):
        raise RuntimeError("the handler broke")


class Servers:
    """A controller whose operations change with the version."""

    @cravat.versioned(
        Variant("2.1", "2.4", body=NAME_ONLY, status=202),
        Variant("2.5", body=NAME_AND_IMAGE, status=201, handler="create_with_image"),
    )
    def create(self, req, body):
        return {"server": {"name": body["server"]["name"]}, "handler": "create"}

    def create_with_image(self, req, body):
        server = body["server"]
        return {"server": {"name": server["name"], "image": {"id": server["imageRef"]}},
                "handler": "create_with_image"}

    @cravat.versioned(Variant("2.1", "2.4", query=QUERY_V21), Variant("2.5", query=QUERY_V25))
    def index(self, req, query):
        return {"query": query}

    def show(self, req, id):
        server = {"id": id, "name": "web-1"}
        if req.version >= "2.3":  # description arrived in 2.3
            server["description"] = "a web server"
        return {"server": server}

    @cravat.versioned(Variant("2.3", "2.6"))
    @cravat.collection_action("GET", "tags")
    def tags(self, req):
        return {"tags": ["a", "b"]}

    @cravat.versioned(Variant("2.5", status=202))
    @cravat.action("os-lock")
    def lock(self, req, id, body):
        return None

    @cravat.action("os-unlock", status=202)
    def unlock(self, req, id, body):
        return None


class Flavors:
    """A responder with a versioned verb: the old shape to 2.6, the new from 2.7."""

    @cravat.versioned(Variant("2.1", "2.6"), Variant("2.7", handler="on_get_v27"))
    def on_get(self, req):
        return {"flavors": ["m1.small"]}

    def on_get_v27(self, req):
        return {"flavors": [{"name": "m1.small"}]}


class Secrets:
    def on_get(self, req):
        return {"version": str(req.version)}


def compute_api(**microversions):
    settings = {"service_type": "compute", "min_version": "2.1", "max_version": "2.10",
                "legacy_header": LEGACY, **microversions}
    api = cravat.API(error_style="nova", microversions=cravat.Microversions(**settings))
    api.route("/version", Version())
    api.route("/boom", Boom())
    api.route("/flavors", Flavors())
    api.resource("/servers", Servers())
    return api


def key_manager_api():
    api = cravat.API(error_style="barbican", microversions=KEY_MANAGER)
    api.route("/secrets", Secrets())
    return api


@pytest.fixture(scope="module")
def client(serve):
    return serve(compute_api())


@pytest.fixture(scope="module")
def client_406(serve):
    return serve(compute_api(unavailable_status=406))


@pytest.fixture(scope="module")
def client_default_25(serve):
    return serve(compute_api(default_version="2.5"))


@pytest.fixture(scope="module")
def barbican(serve):
    return serve(key_manager_api())


@pytest.fixture(scope="module")
def example(serve):
    return serve(build_app())


def seen(response):
    assert response.status == 200, response.body
    return response.json()["version"]


def vary(response):
    return {name.strip().lower() for value in response.headers.get_all("Vary") or () for name in value.split(",")}


def nova_fault(response, name, code):
    assert response.status == code, response.body
    body = response.json()
    assert list(body) == [name], body
    assert body[name]["code"] == code
    return body[name]["message"]


def barbican_fault(response, code, title):
    assert response.status == code, response.body
    body = response.json()
    assert body["code"] == code
    assert body["title"] == title
    return body["description"]


# Negotiation: which version a request gets.

def test_no_version_header_means_the_minimum(client):
    assert seen(client.get("/version")) == "2.1"


def test_no_version_header_means_the_configured_default(client_default_25):
    assert seen(client_default_25.get("/version")) == "2.5"


def test_the_standard_header_picks_the_version(client):
    assert seen(client.get("/version", headers=std("2.7"))) == "2.7"


def test_latest_means_the_maximum(client):
    assert seen(client.get("/version", headers=std("latest"))) == "2.10"


def test_the_service_type_is_case_insensitive(client):
    assert seen(client.get("/version", headers={"OpenStack-API-Version": "Compute 2.4"})) == "2.4"


def test_the_legacy_header_picks_the_version(client):
    assert seen(client.get("/version", headers={LEGACY: "2.6"})) == "2.6"


def test_the_legacy_header_takes_latest(client):
    assert seen(client.get("/version", headers={LEGACY: "latest"})) == "2.10"


def test_the_standard_header_wins_over_the_legacy_one(client):
    assert seen(client.get("/version", headers={**std("2.8"), LEGACY: "2.2"})) == "2.8"


def test_a_header_naming_several_services_picks_ours(client):
    header = {"OpenStack-API-Version": "identity 3.0, compute 2.9, key-manager 1.1"}
    assert seen(client.get("/version", headers=header)) == "2.9"


def test_latest_with_whitespace_around_and_between_is_accepted(client):
    assert seen(client.get("/version", headers={"OpenStack-API-Version": " compute  latest "})) == "2.10"


def test_versions_compare_as_numbers_not_strings(client):
    assert seen(client.get("/version", headers=std("2.10"))) == "2.10"
    assert "description" in client.get("/servers/1", headers=std("2.10")).json()["server"]


# Bad version headers: each a 4xx in the API's error style naming the problem.

def test_a_version_above_the_maximum_is_406_naming_the_range(client):
    message = nova_fault(client.get("/version", headers=std("2.11")), "notAcceptable", 406)
    assert "2.11" in message and "2.1" in message and "2.10" in message


def test_a_version_below_the_minimum_is_406(client):
    message = nova_fault(client.get("/version", headers=std("2.0")), "notAcceptable", 406)
    assert "2.0" in message


def test_a_legacy_version_out_of_range_is_406(client):
    nova_fault(client.get("/version", headers={LEGACY: "3.0"}), "notAcceptable", 406)


def test_a_malformed_version_is_400_quoting_it(client):
    message = nova_fault(client.get("/version", headers=std("two.one")), "badRequest", 400)
    assert "two.one" in message


def test_a_version_without_a_minor_number_is_400(client):
    nova_fault(client.get("/version", headers=std("2")), "badRequest", 400)


def test_a_malformed_legacy_version_is_400(client):
    message = nova_fault(client.get("/version", headers={LEGACY: "2.x"}), "badRequest", 400)
    assert LEGACY in message


def test_a_header_naming_another_service_only_is_400_naming_ours(client):
    response = client.get("/version", headers={"OpenStack-API-Version": "key-manager 1.1"})
    message = nova_fault(response, "badRequest", 400)
    assert "'compute'" in message


def test_two_versions_for_our_service_in_one_header_is_400(client):
    response = client.get("/version", headers={"OpenStack-API-Version": "compute 2.1, compute 2.2"})
    message = nova_fault(response, "badRequest", 400)
    assert "compute 2.1, compute 2.2" in message


def test_two_versions_in_the_legacy_header_is_400(client):
    nova_fault(client.get("/version", headers={LEGACY: "2.1, 2.2"}), "badRequest", 400)


def test_latest_with_a_space_inside_is_400(client):
    message = nova_fault(client.get("/version", headers=std("la test")), "badRequest", 400)
    assert "la test" in message


def test_a_header_entry_without_a_version_is_400(client):
    message = nova_fault(client.get("/version", headers={"OpenStack-API-Version": "compute"}), "badRequest", 400)
    assert "'compute'" in message


def test_a_barbican_api_answers_an_out_of_range_version_406_in_its_style(barbican):
    response = barbican.get("/secrets", headers={"OpenStack-API-Version": "key-manager 1.2"})
    assert "1.2" in barbican_fault(response, 406, "Not Acceptable")


def test_a_barbican_api_answers_a_malformed_version_400_in_its_style(barbican):
    response = barbican.get("/secrets", headers={"OpenStack-API-Version": "key-manager one"})
    assert "one" in barbican_fault(response, 400, "Bad Request")


# The version headers: on every answer, faults included.

def test_an_answer_names_its_version_in_both_headers(client):
    response = client.get("/version", headers=std("2.7"))
    assert response.headers["OpenStack-API-Version"] == "compute 2.7"
    assert response.headers[LEGACY] == "2.7"


def test_an_answer_varies_on_both_version_headers(client):
    assert {"openstack-api-version", LEGACY.lower()} <= vary(client.get("/version"))


def test_an_answer_to_latest_names_the_maximum(client):
    assert client.get("/version", headers=std("latest")).headers["OpenStack-API-Version"] == "compute 2.10"


def test_an_answer_without_a_legacy_header_configured_sends_only_the_standard_one(barbican):
    response = barbican.get("/secrets", headers={"OpenStack-API-Version": "key-manager 1.1"})
    assert response.headers["OpenStack-API-Version"] == "key-manager 1.1"
    assert vary(response) == {"openstack-api-version"}
    assert LEGACY not in response.headers


FAULTS = {
    "404-no-route": ("GET", "/nowhere", None, 404),
    "405-wrong-verb": ("POST", "/version", None, 405),
    "400-bad-body": ("POST", "/servers", b'{"server": {}}', 400),
    "404-version-unavailable": ("GET", "/servers/tags", None, 404),
    "500-handler-broke": ("GET", "/boom", None, 500),
    "options": ("OPTIONS", "/version", None, 200),
    "head": ("HEAD", "/version", None, 200),
}


@pytest.mark.parametrize("method, path, body, status", list(FAULTS.values()), ids=list(FAULTS))
def test_every_answer_carries_the_version_headers_and_vary(client, method, path, body, status):
    headers = {**std("2.8"), "Content-Type": "application/json"} if body else std("2.8")
    response = client.request(method, path, body=body, headers=headers)
    assert response.status == status, response.body
    assert response.headers["OpenStack-API-Version"] == "compute 2.8"
    assert response.headers[LEGACY] == "2.8"
    assert {"openstack-api-version", LEGACY.lower()} <= vary(response)


@pytest.mark.parametrize("header", ["compute 2.11", "compute 2.x", "compute 2.1, compute 2.2"])
def test_a_refused_version_answer_names_the_default_version(client, header):
    response = client.get("/version", headers={"OpenStack-API-Version": header})
    assert response.status in (400, 406)
    assert response.headers["OpenStack-API-Version"] == "compute 2.1"
    assert response.headers[LEGACY] == "2.1"
    assert {"openstack-api-version", LEGACY.lower()} <= vary(response)


def test_a_refused_version_answer_names_the_configured_default(client_default_25):
    response = client_default_25.get("/version", headers=std("9.9"))
    assert response.status == 406
    assert response.headers["OpenStack-API-Version"] == "compute 2.5"


# Versioned operations: one operation, an implementation per range.

def test_create_before_2_5_answers_202_from_the_first_implementation(client):
    response = client.post("/servers", json={"server": {"name": "a"}}, headers=std("2.4"))
    assert response.status == 202
    assert response.json() == {"server": {"name": "a"}, "handler": "create"}


def test_create_from_2_5_answers_201_from_the_named_handler(client):
    response = client.post("/servers", json={"server": {"name": "a", "imageRef": IMAGE}}, headers=std("2.5"))
    assert response.status == 201
    assert response.json() == {"server": {"name": "a", "image": {"id": IMAGE}}, "handler": "create_with_image"}


def test_create_at_latest_runs_the_open_ended_implementation(client):
    response = client.post("/servers", json={"server": {"name": "a", "imageRef": IMAGE}}, headers=std("latest"))
    assert response.status == 201


def test_a_field_added_in_2_5_is_refused_before_it(client):
    response = client.post("/servers", json={"server": {"name": "a", "imageRef": IMAGE}}, headers=std("2.4"))
    assert "server.imageRef" in nova_fault(response, "badRequest", 400)


def test_a_field_required_from_2_5_is_required_there(client):
    response = client.post("/servers", json={"server": {"name": "a"}}, headers=std("2.5"))
    message = nova_fault(response, "badRequest", 400)
    assert "server.imageRef" in message and "required" in message


def test_a_query_parameter_added_in_2_5_is_refused_before_it(client):
    message = nova_fault(client.get("/servers?limit=3", headers=std("2.4")), "badRequest", 400)
    assert "limit" in message


def test_a_query_parameter_added_in_2_5_is_coerced_from_it(client):
    response = client.get("/servers?limit=3", headers=std("2.5"))
    assert response.status == 200
    assert response.json() == {"query": {"limit": 3}}


def test_a_handler_comparing_req_version_changes_the_answer(client):
    assert "description" not in client.get("/servers/1", headers=std("2.2")).json()["server"]
    assert client.get("/servers/1", headers=std("2.3")).json()["server"]["description"] == "a web server"


def test_an_operation_answers_at_both_ends_of_its_range(client):
    assert client.get("/servers/tags", headers=std("2.3")).status == 200
    assert client.get("/servers/tags", headers=std("2.6")).status == 200


def test_an_operation_before_its_range_is_404_naming_the_range(client):
    message = nova_fault(client.get("/servers/tags", headers=std("2.2")), "itemNotFound", 404)
    assert "2.2" in message and "2.3-2.6" in message


def test_an_operation_after_its_range_is_404(client):
    nova_fault(client.get("/servers/tags", headers=std("2.7")), "itemNotFound", 404)


def test_an_operation_outside_its_range_is_406_when_configured(client_406):
    nova_fault(client_406.get("/servers/tags", headers=std("2.7")), "notAcceptable", 406)


def test_a_versioned_action_is_unavailable_before_its_range(client):
    response = client.post("/servers/1/action", json={"os-lock": None}, headers=std("2.4"))
    nova_fault(response, "itemNotFound", 404)


def test_a_versioned_action_runs_within_its_range(client):
    assert client.post("/servers/1/action", json={"os-lock": None}, headers=std("2.5")).status == 202


def test_an_unversioned_action_beside_a_versioned_one_runs_in_every_version(client):
    assert client.post("/servers/1/action", json={"os-unlock": None}, headers=std("2.1")).status == 202


def test_a_versioned_responder_answers_each_range_in_its_shape(client):
    assert client.get("/flavors", headers=std("2.6")).json() == {"flavors": ["m1.small"]}
    assert client.get("/flavors", headers=std("2.7")).json() == {"flavors": [{"name": "m1.small"}]}


def test_head_on_a_versioned_get_runs_the_implementation_of_its_version(client):
    assert client.head("/servers/tags", headers=std("2.3")).status == 200
    assert client.head("/servers/tags", headers=std("2.2")).status == 404


# The example compute API: two versions of create, show's description from 2.3.

def test_example_create_at_2_1_takes_a_name_and_answers_202(example):
    response = example.post("/servers", json={"server": {"name": "web-1"}})
    assert response.status == 202
    assert response.json()["server"]["name"] == "web-1"
    assert response.headers["OpenStack-API-Version"] == "compute 2.1"


def test_example_create_at_2_5_takes_image_and_flavor_and_answers_201(example):
    server = {"name": "web-2", "imageRef": IMAGE, "flavorRef": "1"}
    response = example.post("/servers", json={"server": server}, headers=std("2.5"))
    assert response.status == 201
    created = response.json()["server"]
    assert created["image"] == {"id": IMAGE}
    assert created["flavor"] == {"id": "1"}
    assert response.headers["Location"] == f"{example.base_url}/servers/{created['id']}"


def test_example_create_at_2_5_without_a_flavor_is_400_naming_it(example):
    response = example.post("/servers", json={"server": {"name": "x", "imageRef": IMAGE}}, headers=std("2.5"))
    assert "server.flavorRef" in nova_fault(response, "badRequest", 400)


def test_example_create_at_2_5_with_an_image_that_is_no_uuid_is_400(example):
    server = {"name": "x", "imageRef": "not-a-uuid", "flavorRef": "1"}
    message = nova_fault(example.post("/servers", json={"server": server}, headers=std("2.5")), "badRequest", 400)
    assert "server.imageRef" in message and "not-a-uuid" in message and "uuid" in message


def test_example_create_at_2_4_refuses_an_image(example):
    server = {"name": "x", "imageRef": IMAGE, "flavorRef": "1"}
    response = example.post("/servers", json={"server": server}, headers={LEGACY: "2.4"})
    message = nova_fault(response, "badRequest", 400)
    assert "'imageRef'" in message and "not allowed" in message


def test_example_show_has_a_description_from_2_3_only(example):
    server_id = example.post("/servers", json={"server": {"name": "described"}}).json()["server"]["id"]
    assert "description" not in example.get(f"/servers/{server_id}", headers=std("2.2")).json()["server"]
    assert "description" in example.get(f"/servers/{server_id}", headers=std("2.3")).json()["server"]


def test_example_under_a_project_id_negotiates_versions_too(example):
    project = "6f1e2d3c4b5a69788796a5b4c3d2e1f0"
    server = {"name": "p", "imageRef": IMAGE, "flavorRef": "1"}
    response = example.post(f"/{project}/servers", json={"server": server}, headers=std("2.5"))
    assert response.status == 201
    assert response.headers["OpenStack-API-Version"] == "compute 2.5"


def test_example_out_of_range_version_is_406(example):
    nova_fault(example.get("/servers", headers=std("2.11")), "notAcceptable", 406)

