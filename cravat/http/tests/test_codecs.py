import pytest

from cravat.http import codecs
from cravat.http.codecs import dumps, loads
from cravat.http.errors import BadRequest


def test_a_json_object_is_decoded():
    assert loads(b'{"server": {"name": "web"}}', max_depth=8) == {"server": {"name": "web"}}


def test_encoding_is_compact_utf8():
    assert dumps({"name": "café", "n": [1, 2]}) == '{"name":"café","n":[1,2]}'.encode()


def test_malformed_json_says_where():
    with pytest.raises(BadRequest) as info:
        loads(b'{"a": 1,}', max_depth=8)
    assert info.value.message.startswith("Malformed JSON in request body")
    assert "line 1 column 9" in info.value.message


def test_bytes_that_are_not_utf8_are_refused():
    with pytest.raises(BadRequest, match="not valid UTF-8: byte 7"):
        loads(b'{"a": "\xff"}', max_depth=8)


def test_nesting_at_the_limit_is_accepted():
    assert loads(b"[" * 8 + b"]" * 8, max_depth=8) == [[[[[[[[]]]]]]]]


def test_nesting_past_the_limit_is_refused():
    with pytest.raises(BadRequest, match="nested more than 8 levels"):
        loads(b'{"a":' * 9 + b"1" + b"}" * 9, max_depth=8)


def test_many_brackets_side_by_side_are_not_depth():
    body = b"[" + b",".join([b"[]"] * 100) + b"]"
    assert len(loads(body, max_depth=4)) == 100


def test_nesting_deep_enough_to_exhaust_the_parser_is_a_bad_request():
    with pytest.raises(BadRequest, match="nested more than 32 levels"):
        loads(b"[" * 100_000 + b"]" * 100_000, max_depth=32)


def test_brackets_inside_strings_do_not_count_as_depth():
    assert loads(b'{"a": "' + b"[" * 100 + b'"}', max_depth=2) == {"a": "[" * 100}


@pytest.mark.parametrize("body", [b'{"a": NaN}', b'{"a": Infinity}', b'[-Infinity]', b'{"a": 1e999}'])
def test_numbers_json_cannot_carry_are_refused(body):
    with pytest.raises(BadRequest, match="Malformed JSON in request body: .*(not a JSON number|too large)"):
        loads(body, max_depth=8)


def test_an_answer_holding_infinity_is_not_encoded():
    with pytest.raises(ValueError):
        dumps({"a": float("inf")})


@pytest.mark.parametrize("value", [
    {"a": 1, "b": [1.5, None, True, False, "é\u2028\"\\"], "c": {"d": -0.0, "e": 10**30}},
    [], {}, "text", 3, 1e300, {"nested": [[[{"x": "y"}]]]},
])
def test_the_fast_encoder_writes_what_json_writes(value):
    import json

    expected = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode("utf-8")
    assert codecs.dumps(value) == expected


@pytest.mark.parametrize("value", [float("nan"), float("inf"), {"a": object()}, {1j: 1}])
def test_the_fast_encoder_refuses_what_json_refuses(value):
    import json

    with pytest.raises((ValueError, TypeError)) as ours:
        codecs.dumps(value)
    with pytest.raises((ValueError, TypeError)) as theirs:
        json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    assert type(ours.value) is type(theirs.value)
