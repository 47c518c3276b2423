from webob.multidict import MultiDict

from cravat.validation.query import query_coercer
from cravat.validation.schemas import open_objects


def test_an_object_without_additional_properties_is_found_by_pointer():
    schema = {"type": "object", "additionalProperties": False,
              "properties": {"server": {"type": "object", "properties": {"metadata": {"type": "object"}},
                                        "additionalProperties": False}}}
    assert list(open_objects(schema)) == ["/properties/server/properties/metadata"]


def test_objects_inside_arrays_and_combinators_are_checked():
    schema = {"type": "array", "items": {"oneOf": [{"type": "object"}, {"type": "string"}]}}
    assert list(open_objects(schema)) == ["/items/oneOf/0"]


def test_a_schema_that_declares_every_object_is_clean():
    schema = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": True}
    assert list(open_objects(schema)) == []


def test_the_root_object_is_reported_as_slash():
    assert list(open_objects({"type": "object"})) == ["/"]


QUERY = {"type": "object", "additionalProperties": False, "properties": {
    "limit": {"type": "integer"}, "ratio": {"type": "number"}, "all_tenants": {"type": "boolean"},
    "tag": {"type": "array", "items": {"type": "string"}}, "name": {"type": "string"}}}


def test_query_strings_are_coerced_to_the_schema_types():
    params = MultiDict([("limit", "10"), ("ratio", "0.5"), ("all_tenants", "True"), ("name", "web")])
    assert query_coercer(QUERY)(params) == {"limit": 10, "ratio": 0.5, "all_tenants": True, "name": "web"}


def test_repeated_parameters_are_lists_where_the_schema_says_array():
    params = MultiDict([("tag", "a"), ("tag", "b"), ("name", "x"), ("name", "y")])
    assert query_coercer(QUERY)(params) == {"tag": ["a", "b"], "name": "y"}


def test_values_that_do_not_coerce_stay_strings_for_the_validator_to_refuse():
    assert query_coercer(QUERY)(MultiDict([("limit", "ten"), ("all_tenants", "maybe")])) == \
        {"limit": "ten", "all_tenants": "maybe"}


def test_unknown_parameters_are_kept_for_the_validator_to_judge():
    assert query_coercer(QUERY)(MultiDict([("colour", "red")])) == {"colour": "red"}


def test_only_ascii_decimal_digits_make_an_integer():
    coerce = query_coercer(QUERY)
    assert coerce(MultiDict([("limit", "1_000")])) == {"limit": "1_000"}
    assert coerce(MultiDict([("limit", "\u0665")])) == {"limit": "\u0665"}
    assert coerce(MultiDict([("limit", " 5")])) == {"limit": " 5"}
    assert coerce(MultiDict([("limit", "-5")])) == {"limit": -5}


def test_a_number_too_large_for_json_stays_a_string():
    assert query_coercer(QUERY)(MultiDict([("ratio", "1e999")])) == {"ratio": "1e999"}
