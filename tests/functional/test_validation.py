"""Request and response validation, through HTTP: JSON Schema for bodies, query strings and answers."""

from __future__ import annotations

import logging
import re

import pytest

import cravat
from cravat import Result

UUID = "70a599e0-31e7-49b7-b260-868f441e862b"
LONG = "x" * 500

CREATE = {
    "type": "object",
    "properties": {"server": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 255},
            "min_count": {"type": "integer", "minimum": 1},
            "metadata": {"type": "object", "additionalProperties": {"type": "string"}},
            "networks": {"type": "array", "items": {
                "type": "object", "properties": {"uuid": {"type": "string", "format": "uuid"}},
                "required": ["uuid"], "additionalProperties": False}},
            "labels": {"type": "object", "propertyNames": {"pattern": "^[a-z]+$"},
                       "additionalProperties": {"type": "string"}},
        },
        "required": ["name"],
        "additionalProperties": False,
    }},
    "required": ["server"],
    "additionalProperties": False,
}
LIST_QUERY = {
    "type": "object",
    "properties": {
        "limit": {"type": "integer", "minimum": 1},
        "all_tenants": {"type": "boolean"},
        "ratio": {"type": "number"},
        "name": {"type": "string"},
        "tag": {"type": "array", "items": {"type": "string"}},
    },
    "additionalProperties": False,
}
OPEN_QUERY = {"type": "object", "properties": {"limit": {"type": "integer"}}, "additionalProperties": True}
THING = {
    "type": "object",
    "properties": {"thing": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}},
    "required": ["thing"],
}


class Servers:
    def __init__(self):
        self.created = []

    @cravat.validate(body=CREATE)
    def create(self, req, body):
        self.created.append(body)
        return body

    @cravat.validate(query=LIST_QUERY)
    def index(self, req, query):
        return {"query": query}

    def update(self, req, id, body):
        return body


class Search:
    @cravat.validate(query=OPEN_QUERY)
    def on_get(self, req, query):
        return {"query": query}


class Things:
    """``show`` answers ``{"thing": {"id": <str>}}`` as its schema says, except for ``bad`` and ``bad-result``."""

    @cravat.validate(response=THING)
    def show(self, req, id):
        if id == "bad":
            return {"thing": {"id": 42}}
        if id == "bad-result":
            return Result({"thing": {}}, status=203)
        return {"thing": {"id": id}}


def build_api(**options):
    api = cravat.API(**options)
    api.resource("/servers", Servers())
    api.route("/search", Search())
    api.resource("/things", Things())
    return api


@pytest.fixture(scope="module")
def servers():
    return Servers()


@pytest.fixture(scope="module")
def client(serve, servers):
    api = cravat.API(error_style="nova")
    api.resource("/servers", servers)
    api.route("/search", Search())
    return serve(api)


@pytest.fixture(scope="module")
def barbican(serve):
    return serve(build_api(error_style="barbican"))


@pytest.fixture(scope="module")
def responses_error(serve):
    return serve(build_api(error_style="nova", response_validation="error"))


@pytest.fixture(scope="module")
def responses_warn(serve):
    return serve(build_api(error_style="nova", response_validation="warn"))


@pytest.fixture(scope="module")
def responses_ignore(serve):
    return serve(build_api(error_style="nova", response_validation="ignore"))


def message(response):
    """The message of a nova-style 400, after checking it is one and shows nothing of the validator."""
    assert response.status == 400, response.body
    text = response.body.decode()
    assert "JsonSchemaValueException" not in text and "fastjsonschema" not in text
    body = response.json()
    assert list(body) == ["badRequest"], body
    assert body["badRequest"]["code"] == 400
    found = body["badRequest"]["message"]
    assert not re.search(r"(?<![\w-])data[.\[]", found), found
    return found


def post(client, server, **kw):
    return client.post("/servers", json={"server": server}, **kw)


# Bodies.

def test_a_valid_body_reaches_the_handler_unchanged(client):
    server = {"name": "web-1", "min_count": 2, "networks": [{"uuid": UUID}], "metadata": {"a": "b"}}
    response = post(client, server)
    assert response.status == 201
    assert response.json() == {"server": server}


def test_a_refused_body_never_reaches_the_handler(client, servers):
    before = len(servers.created)
    assert post(client, {"name": 7}).status == 400
    assert len(servers.created) == before


def test_a_missing_required_field_is_400_naming_it(client):
    text = message(post(client, {}))
    assert "server.name" in text and "required" in text


def test_a_missing_top_level_field_is_400_naming_it(client):
    text = message(client.post("/servers", json={}))
    assert "'server'" in text and "required" in text


def test_a_wrong_type_is_400_naming_the_field_the_value_and_the_type(client):
    text = message(post(client, {"name": 7}))
    assert "'server.name'" in text and "7" in text and "'string'" in text


def test_a_nested_failure_names_the_path_through_arrays(client):
    text = message(post(client, {"name": "a", "networks": [{"uuid": UUID}, {"uuid": "not-a-uuid"}]}))
    assert "'server.networks[1].uuid'" in text and "'not-a-uuid'" in text and "'uuid'" in text


def test_a_missing_field_inside_an_array_item_names_its_index(client):
    text = message(post(client, {"name": "a", "networks": [{}]}))
    assert "'server.networks[0].uuid'" in text and "required" in text


def test_a_value_below_the_minimum_names_the_minimum(client):
    text = message(post(client, {"name": "a", "min_count": 0}))
    assert "'server.min_count'" in text and "minimum of 1" in text


def test_a_long_offending_value_is_truncated_in_the_message(client):
    text = message(post(client, {"name": LONG}))
    assert "'server.name'" in text and "255" in text
    assert "..." in text
    assert "x" * 100 not in text
    assert len(text) < 200


def test_an_unknown_body_property_is_400_naming_it(client):
    text = message(post(client, {"name": "a", "colour": "red"}))
    assert "server.colour" in text and "not allowed" in text


def test_several_unknown_top_level_properties_are_all_named(client):
    text = message(client.post("/servers", json={"server": {"name": "a"}, "x": 1, "y": 2}))
    assert "'x'" in text and "'y'" in text and "not allowed" in text


@pytest.mark.parametrize("body", [[], "x", 7, None], ids=["array", "string", "number", "null"])
def test_a_body_that_is_not_an_object_is_400_naming_the_type(client, body):
    text = message(client.post("/servers", json=body))
    assert "'object'" in text


def test_an_object_key_made_of_digits_is_not_named_as_an_array_index(client):
    text = message(post(client, {"name": "a", "metadata": {"2024": 5}}))
    assert "2024" in text
    assert "metadata[2024]" not in text


def test_a_rule_without_its_own_wording_still_names_the_field_without_validator_internals(client):
    text = message(post(client, {"name": "a", "labels": {"UPPER": "x"}}))
    assert "'server.labels'" in text
    assert "value.server" not in text and "definition" not in text


def test_an_operation_without_a_schema_takes_any_body(client):
    response = client.put("/servers/1", json={"anything": [1, 2]})
    assert response.status == 200
    assert response.json() == {"anything": [1, 2]}


def test_a_barbican_api_words_the_failure_in_its_description(barbican):
    response = post(barbican, {"name": "a", "networks": [{"uuid": "zz"}]})
    assert response.status == 400
    body = response.json()
    assert body["code"] == 400 and body["title"] == "Bad Request"
    assert "'server.networks[0].uuid'" in body["description"]


# Query strings.

def query(client, text):
    response = client.get(f"/servers?{text}")
    assert response.status == 200, response.body
    return response.json()["query"]


def test_an_integer_query_value_is_coerced(client):
    assert query(client, "limit=10") == {"limit": 10}


def test_a_boolean_query_value_is_coerced(client):
    assert query(client, "all_tenants=true") == {"all_tenants": True}
    assert query(client, "all_tenants=0") == {"all_tenants": False}


def test_a_number_query_value_is_coerced(client):
    assert query(client, "ratio=1.5") == {"ratio": 1.5}


def test_a_string_query_value_stays_a_string(client):
    assert query(client, "name=10") == {"name": "10"}


def test_a_repeated_array_query_parameter_is_a_list(client):
    assert query(client, "tag=a&tag=b") == {"tag": ["a", "b"]}


def test_a_repeated_scalar_query_parameter_takes_the_last_value(client):
    assert query(client, "limit=1&limit=2") == {"limit": 2}


def test_a_query_value_of_the_wrong_type_is_400_naming_the_parameter_and_type(client):
    text = message(client.get("/servers?limit=abc"))
    assert "'limit'" in text and "'abc'" in text and "'integer'" in text


def test_a_query_boolean_that_is_no_boolean_is_400(client):
    text = message(client.get("/servers?all_tenants=maybe"))
    assert "'all_tenants'" in text and "'boolean'" in text


@pytest.mark.parametrize("value", ["1_000", "%D9%A5"], ids=["underscores", "arabic-indic-digit"])
def test_a_query_integer_must_be_ascii_decimal_digits(client, value):
    assert "'limit'" in message(client.get(f"/servers?limit={value}"))


def test_a_query_number_too_large_for_json_is_400(client):
    response = client.get("/servers?ratio=1e999")
    assert b"Infinity" not in response.body
    assert "'ratio'" in message(response)


def test_a_query_value_breaking_a_rule_is_400_naming_it(client):
    text = message(client.get("/servers?limit=0"))
    assert "'limit'" in text and "minimum of 1" in text


def test_an_unknown_query_parameter_is_400_naming_it(client):
    text = message(client.get("/servers?colour=red"))
    assert "'colour'" in text and "not allowed" in text


def test_an_open_query_schema_passes_unknown_parameters_as_strings(client):
    response = client.get("/search?limit=5&colour=red")
    assert response.status == 200
    assert response.json() == {"query": {"limit": 5, "colour": "red"}}


# Response validation.

@pytest.mark.parametrize("mode", ["error", "warn", "ignore"])
def test_a_response_matching_its_schema_goes_out_in_every_mode(request, mode):
    response = request.getfixturevalue(f"responses_{mode}").get("/things/t1")
    assert response.status == 200
    assert response.json() == {"thing": {"id": "t1"}}


def test_a_response_breaking_its_schema_in_error_mode_is_a_500_saying_so(responses_error):
    response = responses_error.get("/things/bad")
    assert response.status == 500
    fault = response.json()["computeFault"]
    assert fault["code"] == 500
    assert "does not match its schema" in fault["message"]


def test_a_result_breaking_its_schema_in_error_mode_is_a_500(responses_error):
    assert responses_error.get("/things/bad-result").status == 500


def test_a_response_breaking_its_schema_in_warn_mode_goes_out_unchanged_and_is_logged(responses_warn, caplog):
    with caplog.at_level(logging.WARNING):
        response = responses_warn.get("/things/bad")
    assert response.status == 200
    assert response.json() == {"thing": {"id": 42}}
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING and "schema" in r.getMessage()]
    assert warnings, caplog.text
    assert "thing.id" in warnings[0].getMessage()


def test_a_result_breaking_its_schema_in_warn_mode_keeps_its_status(responses_warn):
    response = responses_warn.get("/things/bad-result")
    assert response.status == 203
    assert response.json() == {"thing": {}}


def test_a_response_breaking_its_schema_in_ignore_mode_goes_out_silently(responses_ignore, caplog):
    with caplog.at_level(logging.DEBUG):
        response = responses_ignore.get("/things/bad")
    assert response.status == 200
    assert response.json() == {"thing": {"id": 42}}
    assert not [r for r in caplog.records if "schema" in r.getMessage()], caplog.text


# Strict schemas: every object says whether it takes unknown properties.

OPEN_BODY = {"type": "object", "properties": {"thing": {"type": "object", "properties": {"id": {"type": "string"}}}},
             "additionalProperties": False}


class Loose:
    @cravat.validate(body=OPEN_BODY)
    def create(self, req, body):
        return body


def test_strict_validation_refuses_an_open_object_at_start_up_naming_the_operation_and_place():
    api = cravat.API(error_style="nova")
    with pytest.raises(cravat.DeclarationError) as raised:
        api.resource("/loose", Loose())
    assert "loose:create" in str(raised.value)
    assert "/properties/thing" in str(raised.value)


def test_lenient_validation_warns_of_an_open_object_and_serves_it(serve, caplog):
    api = cravat.API(error_style="nova", strict_validation=False)
    with caplog.at_level(logging.WARNING):
        api.resource("/loose", Loose())
    assert any("/properties/thing" in r.getMessage() for r in caplog.records), caplog.text
    client = serve(api)
    response = client.post("/loose", json={"thing": {"id": "1", "extra": True}})
    assert response.status == 201
    assert response.json() == {"thing": {"id": "1", "extra": True}}
    assert message(client.post("/loose", json={"thing": {"id": "1"}, "extra": True}))
