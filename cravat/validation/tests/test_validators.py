import pytest

from cravat.http.errors import BadRequest
from cravat.validation.validators import SchemaCompiler, SchemaError

COMPILER = SchemaCompiler()
compile_schema = COMPILER.compile
request_validator = COMPILER.request_validator

SERVER = {
    "type": "object",
    "properties": {"server": {
        "type": "object",
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 8},
            "imageRef": {"type": "string", "format": "uuid"},
            "count": {"type": "integer", "minimum": 1},
            "networks": {"type": "array", "items": {
                "type": "object", "properties": {"uuid": {"type": "string", "format": "uuid"}},
                "required": ["uuid"], "additionalProperties": False}},
        },
        "required": ["name"],
        "additionalProperties": False,
    }},
    "required": ["server"],
    "additionalProperties": False,
}
validate = request_validator(SERVER, "servers:create", "body")


def message(value):
    with pytest.raises(BadRequest) as info:
        validate(value)
    return info.value.message


def test_a_valid_body_passes_unchanged():
    body = {"server": {"name": "a", "imageRef": "70a599e0-31e7-49b7-b260-868f441e862b"}}
    assert validate(body) is body


def test_a_wrong_type_names_the_field_the_value_and_the_type():
    assert message({"server": {"name": 7}}) == "Invalid input for body field 'server.name': 7 is not of type 'string'."


def test_a_missing_field_is_named_by_its_full_path():
    assert message({"server": {}}) == "Invalid input for body field 'server.name': the field is required but missing."


def test_an_unexpected_field_is_named():
    assert message({"server": {"name": "a", "colour": "red"}}) == \
        "Invalid input for body field 'server.colour': the field is not allowed."


def test_several_unexpected_fields_are_listed():
    assert "the fields 'a', 'b' are not allowed" in message({"server": {"name": "x"}, "a": 1, "b": 2})


def test_a_bad_format_names_the_format():
    assert message({"server": {"name": "a", "imageRef": "nope"}}) == \
        "Invalid input for body field 'server.imageRef': 'nope' is not a valid 'uuid'."


def test_a_path_through_a_list_shows_the_index():
    assert "'server.networks[1].uuid'" in message(
        {"server": {"name": "a", "networks": [{"uuid": "70a599e0-31e7-49b7-b260-868f441e862b"}, {"uuid": "x"}]}})


def test_long_values_are_truncated():
    text = message({"server": {"name": "x" * 500}})
    assert "is longer than 8 characters" in text
    assert "..." in text and len(text) < 160


def test_a_body_that_is_not_an_object_names_its_type():
    assert message([1, 2]) == "Invalid input for request body: [1, 2] is not of type 'object'."


def test_bounds_are_named():
    assert "0 is less than the minimum of 1" in message({"server": {"name": "a", "count": 0}})


def test_messages_never_leak_the_validator_internals():
    text = message({"server": {"name": 7}})
    assert "data." not in text and "JsonSchema" not in text


def test_equal_schemas_compile_once():
    assert compile_schema(dict(SERVER), "a") is compile_schema(dict(SERVER), "b")


def test_each_compiler_has_its_own_cache_and_formats():
    schema = {"type": "string", "format": "flavor"}
    strict = SchemaCompiler({"flavor": r"^m1\.[a-z]+\Z"})
    assert strict.compile(schema, "a") is not SchemaCompiler().compile(schema, "a")
    strict.request_validator(schema, "x", "body")("m1.tiny")
    with pytest.raises(BadRequest, match="is not a valid 'flavor'"):
        strict.request_validator(schema, "x", "body")("large")
    SchemaCompiler().request_validator(schema, "x", "body")("large")  # an unknown format is not checked there


def test_an_invalid_schema_is_an_error_naming_where_it_was_declared():
    with pytest.raises(SchemaError, match="servers:create: the schema is invalid"):
        compile_schema({"type": "object", "properties": {"a": {"type": "strung"}}}, "servers:create")


def test_an_object_key_made_of_digits_is_not_shown_as_an_index():
    schema = {"type": "object", "additionalProperties": {"type": "string"}}
    with pytest.raises(BadRequest) as info:
        request_validator({"type": "object", "properties": {"metadata": schema}, "additionalProperties": False},
                          "x", "body")({"metadata": {"2024": 1}})
    assert "'metadata.2024'" in info.value.message


def test_a_rule_without_its_own_wording_names_the_field_and_the_rule():
    schema = {"type": "object", "properties": {"labels": {"type": "object", "propertyNames": {"maxLength": 2}}},
              "additionalProperties": False}
    with pytest.raises(BadRequest) as info:
        request_validator(schema, "x", "body")({"labels": {"long": "x"}})
    assert info.value.message.startswith("Invalid input for body field 'labels': ")
    assert "breaks the rule 'propertyNames'" in info.value.message
