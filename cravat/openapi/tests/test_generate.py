"""Generated OpenAPI 3.1 documents: any app, one per microversion, actions as operations, faults, examples."""

import json
from pathlib import Path

import pytest
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV31SpecValidator

import cravat
from cravat.openapi import add_docs, generate, generate_all
from cravat.testing import Client
from examples import compute

SAMPLES = Path(compute.__file__).parent / "compute_samples"


def findings(document):
    return [e.message for e in OpenAPIV31SpecValidator(SchemaPath.from_dict(document)).iter_errors()]


@pytest.fixture(scope="module")
def compute_api():
    return compute.build_app()


@pytest.fixture(scope="module")
def documents(compute_api):
    return generate_all(compute_api, samples=str(SAMPLES), title="Compute")


def test_a_versioned_app_has_one_valid_document_per_microversion(documents):
    assert list(documents) == [f"2.{n}" for n in range(1, 11)]
    for version, document in documents.items():
        assert document["openapi"] == "3.1.0" and document["info"]["version"] == version
        assert findings(document) == [], version


def test_each_version_documents_the_implementation_that_serves_it(documents, compute_api):
    old = documents["2.1"]["paths"]["/servers"]["post"]
    new = documents["2.5"]["paths"]["/servers"]["post"]
    assert list(old["responses"]) == ["202", "default"] and list(new["responses"]) == ["201", "default"]
    old_schema = old["requestBody"]["content"]["application/json"]["schema"]
    new_schema = new["requestBody"]["content"]["application/json"]["schema"]
    # What is served is what is published: the schemas as the loaded extensions extended them.
    served = {str(i.version_range): i.schemas["body"] for i in compute_api.implementations("servers:create")}
    assert old_schema == served["2.1-2.4"] and new_schema == served["2.5-latest"]
    assert "tags" in new_schema["properties"]["server"]["properties"]  # os-server-tags adds it
    assert set(compute.CREATE_V25["properties"]["server"]["properties"]) < \
        set(new_schema["properties"]["server"]["properties"])
    assert old["x-cravat-versions"] == "2.1-2.4" and new["x-cravat-versions"] == "2.5-latest"
    header = next(p for p in new["parameters"] if p["in"] == "header")
    assert header["name"] == "OpenStack-API-Version" and header["schema"]["enum"] == ["compute 2.5"]


def test_body_keyed_actions_are_distinct_operations_with_their_own_schema(documents):
    paths = documents["2.1"]["paths"]
    stop, start = paths["/servers/{id}/action#os-stop"]["post"], paths["/servers/{id}/action#os-start"]["post"]
    assert (stop["operationId"], start["operationId"]) == ("servers:stop", "servers:start")
    assert stop["x-cravat-action"] == "os-stop" and list(stop["responses"]) == ["202", "default"]
    schema = stop["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == ["os-stop"] and schema["additionalProperties"] is False
    assert "/servers/{id}/action" not in paths


def test_parameters_come_from_the_template_and_the_query_schema(documents):
    index = documents["2.1"]["paths"]["/servers"]["get"]
    assert {p["name"]: p["in"] for p in index["parameters"]} == \
        {"name": "query", "limit": "query", "OpenStack-API-Version": "header"}
    show = documents["2.1"]["paths"]["/servers/{server_id}/ips/{id}"]["get"]
    assert [p["name"] for p in show["parameters"] if p["in"] == "path"] == ["server_id", "id"]


def test_errors_are_documented_in_the_apis_fault_style(documents):
    nova = documents["2.1"]["components"]["schemas"]["Fault"]
    assert nova["maxProperties"] == 1 and "message" in nova["additionalProperties"]["properties"]
    api = cravat.API(error_style="problem")
    api.route("/ping", compute.Ping())
    document = generate(api)
    assert "application/problem+json" in document["components"]["responses"]["Fault"]["content"]
    assert findings(document) == []


def test_examples_come_from_the_api_samples(documents):
    create = documents["2.5"]["paths"]["/servers"]["post"]
    request = create["requestBody"]["content"]["application/json"]["examples"]["servers-create-v2.5"]["value"]
    assert request["server"]["imageRef"] == "70a599e0-31e7-49b7-b260-868f441e862b"
    response = create["responses"]["201"]["content"]["application/json"]["examples"]["servers-create-v2.5"]["value"]
    assert response["server"]["name"] == "db-1" and "%(" not in json.dumps(response)
    assert "servers-create-v2.5" not in json.dumps(documents["2.1"]["paths"]["/servers"]["post"])


def test_an_unversioned_app_has_one_document_and_no_version_header():
    api = cravat.API()
    api.resource("/servers/{server_id}/ips", compute.ServerIPsController(compute.ServerStore()), name="ips")
    (document,) = generate_all(api).values()
    assert document["info"]["version"] == "1.0"
    assert all(p["in"] == "path" for p in document["paths"]["/servers/{server_id}/ips"]["get"]["parameters"])


def test_rules_summaries_tags_and_bound_headers_appear():
    class Things:
        @cravat.rule("things:list", "@", "List the things.")
        @cravat.document(summary="List the things", tags=["inventory"])
        @cravat.bind(token=cravat.Header("X-Auth-Token", required=True))
        def index(self, req, token):
            return {"things": []}

    api = cravat.API()
    api.resource("/things", Things())
    operation = generate(api)["paths"]["/things"]["get"]
    assert operation["x-cravat-policy-rule"] == "things:list"
    assert operation["summary"] == "List the things" and operation["tags"] == ["inventory"]
    assert {"name": "X-Auth-Token", "in": "header", "required": True, "schema": {"type": "string"}} \
        in operation["parameters"]


def test_a_version_outside_the_range_is_an_error_naming_the_range():
    with pytest.raises(ValueError, match=r"version 2.11 is outside the API's 2.1-2.10"):
        generate(compute.build_app(), version="2.11")


def test_add_docs_serves_the_document_per_version_and_the_docs_page():
    api = compute.build_app()
    add_docs(api, title="Compute")
    client = Client(api)
    latest = client.get("/openapi.json").json
    assert latest["info"]["version"] == "2.10" and "/openapi.json" not in latest["paths"]
    assert client.get("/openapi.json?version=2.3").json["info"]["version"] == "2.3"
    assert client.get("/openapi.json?version=9.9").status_code == 400
    assert b"swagger-ui-bundle.js" in client.get("/ui/").body
