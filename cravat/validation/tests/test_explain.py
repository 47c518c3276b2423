"""A rejection lists every violation (pointer, value, rule), and 2020-12 schemas fall back to jsonschema."""

import json

import pytest

import cravat
from cravat.http.errors import InvalidInput
from cravat.testing import Client
from cravat.validation.validators import SchemaCompiler, SchemaError, needs_2020

SCHEMA = {
    "type": "object",
    "properties": {"server": {
        "type": "object",
        "properties": {"name": {"type": "string"}, "imageRef": {"type": "string", "format": "uuid"},
                       "flavorRef": {"type": "string"}, "count": {"type": "integer", "minimum": 1}},
        "required": ["name", "flavorRef"],
        "additionalProperties": False,
    }},
    "required": ["server"],
    "additionalProperties": False,
}


def rejected(schema, value, part="body", compiler=None):
    with pytest.raises(InvalidInput) as info:
        (compiler or SchemaCompiler()).request_validator(schema, "servers:create", part)(value)
    return info.value


def test_every_violation_is_listed_with_its_pointer_value_and_rule():
    error = rejected(SCHEMA, {"server": {"name": 7, "imageRef": "nope", "count": 0, "colour": "red"}})
    listed = {(e["pointer"], e["rule"]): e["value"] for e in error.errors}
    assert listed == {
        ("/server/name", "type"): 7,
        ("/server/imageRef", "format"): "nope",
        ("/server/count", "minimum"): 0,
        ("/server/colour", "additionalProperties"): "red",
        ("/server/flavorRef", "required"): None,
    }
    assert all(e["in"] == "body" and e["detail"].startswith("Invalid input") for e in error.errors)


def test_the_message_spells_out_each_violation_in_the_usual_words():
    error = rejected(SCHEMA, {"server": {"name": 7, "flavorRef": "1", "count": 0}})
    assert error.message == ("Invalid input for body field 'server.count': 0 is less than the minimum of 1. "
                             "Invalid input for body field 'server.name': 7 is not of type 'string'.")


def test_a_single_violation_keeps_the_compiled_validators_message():
    error = rejected(SCHEMA, {"server": {"name": "a", "flavorRef": "1", "count": 0}})
    assert error.message == "Invalid input for body field 'server.count': 0 is less than the minimum of 1."
    assert len(error.errors) == 1


def test_the_listing_is_bounded():
    schema = {"type": "object", "additionalProperties": {"type": "integer"}}
    error = rejected(schema, {f"k{i}": "x" for i in range(100)})
    assert len(error.errors) == 20
    assert error.message.endswith("And 15 more.")


def test_a_2020_12_schema_is_checked_by_jsonschema_and_explained_the_same_way():
    schema = {"type": "array", "prefixItems": [{"type": "integer"}, {"type": "string"}], "items": False}
    assert needs_2020(schema)
    validate = SchemaCompiler().request_validator(schema, "x", "body")
    assert validate([1, "a"]) == [1, "a"]
    error = rejected(schema, ["a", 1])
    assert {(e["pointer"], e["rule"]) for e in error.errors} == {("/0", "type"), ("/1", "type")}


def test_dependent_required_and_unevaluated_properties_are_enforced():
    schema = {"type": "object", "properties": {"card": {"type": "string"}, "cvc": {"type": "string"}},
              "dependentRequired": {"card": ["cvc"]}, "unevaluatedProperties": False}
    SchemaCompiler().request_validator(schema, "x", "body")({"card": "4", "cvc": "1"})
    error = rejected(schema, {"card": "4", "other": 1})
    assert {e["rule"] for e in error.errors} == {"dependentRequired", "unevaluatedProperties"}


def test_an_invalid_2020_12_schema_is_an_error_naming_where():
    with pytest.raises(SchemaError, match="pets:add: the schema is invalid"):
        SchemaCompiler().compile({"prefixItems": [{"type": "strung"}]}, "pets:add")


def test_the_explainer_returns_nothing_for_a_good_value_and_every_violation_for_a_bad_one():
    explain = SchemaCompiler().explainer(SCHEMA, "x", "query")
    assert explain({"server": {"name": "a", "flavorRef": "1"}}) == []
    assert [v.pointer for v in explain({"server": {}})] == ["/server/flavorRef", "/server/name"]


def servers_api(style):
    class Servers:
        @cravat.validate(body=SCHEMA)
        def create(self, req, body):
            return body

    api = cravat.API(error_style=style)
    api.resource("/servers", Servers())
    return api


def test_the_problem_style_lists_the_violations_in_an_errors_member():
    response = Client(servers_api("problem")).post("/servers", json={"server": {"name": 7, "count": 0}})
    assert response.status_code == 400 and response.content_type == "application/problem+json"
    body = json.loads(response.body)
    assert body["title"] == "Bad Request" and body["status"] == 400
    assert [e["pointer"] for e in body["errors"]] == ["/server/count", "/server/flavorRef", "/server/name"]


def test_the_nova_style_spells_every_violation_in_its_message():
    response = Client(servers_api("nova")).post("/servers", json={"server": {"name": 7, "count": 0}})
    message = response.json["badRequest"]["message"]
    assert "'server.count'" in message and "'server.flavorRef'" in message and "'server.name'" in message
