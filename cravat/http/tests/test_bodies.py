import io

import pytest

from cravat.http.bodies import NO_BODY, BodyReader, content_length, read_raw
from cravat.http.codecs import loads
from cravat.http.errors import BadRequest, HTTPError, LengthRequired, RequestEntityTooLarge, UnsupportedMediaType

READER = BodyReader(("application/json",), max_size=100, max_depth=8, where="servers:create")


def environ(body=b"", **extra):
    return {"CONTENT_LENGTH": str(len(body)) if body else "", "wsgi.input": io.BytesIO(body), **extra}


def test_content_length_is_ascii_digits_only():
    assert content_length({"CONTENT_LENGTH": "42"}) == 42
    assert content_length({}) is None
    for bad in ("1_0", " 1", "١٠", "-1", "1e3", "9" * 19):
        with pytest.raises(BadRequest, match="is not a length"):
            content_length({"CONTENT_LENGTH": bad})


def test_a_body_shorter_than_its_content_length_is_400():
    with pytest.raises(BadRequest, match="ended after 2 of the 10 bytes"):
        read_raw({"CONTENT_LENGTH": "10", "wsgi.input": io.BytesIO(b"{}")}, 100)


def test_over_the_limit_is_413_before_reading():
    with pytest.raises(RequestEntityTooLarge, match="101 bytes; the limit is 100"):
        read_raw({"CONTENT_LENGTH": "101", "wsgi.input": None}, 100)


def test_chunked_needs_a_server_that_ends_the_input():
    with pytest.raises(LengthRequired):
        read_raw({"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input": io.BytesIO(b"{}")}, 100)
    assert read_raw({"HTTP_TRANSFER_ENCODING": "Chunked", "wsgi.input_terminated": True,
                     "wsgi.input": io.BytesIO(b"{}")}, 100) == b"{}"


def test_another_transfer_coding_is_501():
    with pytest.raises(HTTPError) as info:
        read_raw({"HTTP_TRANSFER_ENCODING": "gzip, chunked", "wsgi.input": io.BytesIO(b"")}, 100)
    assert info.value.status == 501


def test_no_body_is_no_body():
    assert READER.read(environ()) is NO_BODY


def test_a_body_without_content_type_is_the_first_accepted_type():
    assert READER.read(environ(b'{"a": 1}')) == {"a": 1}


def test_an_unaccepted_content_type_is_415():
    with pytest.raises(UnsupportedMediaType, match="'text/plain' is not accepted by servers:create"):
        READER.read(environ(b"x", CONTENT_TYPE="text/plain"))


def test_a_duplicate_key_is_refused_by_default_naming_it():
    with pytest.raises(BadRequest, match='names the key "name" more than once'):
        loads(b'{"server": {"name": "a", "name": "b"}}', 32)


def test_a_duplicate_key_is_allowed_when_asked_and_the_last_wins():
    assert loads(b'{"a": 1, "a": 2}', 32, allow_duplicate_keys=True) == {"a": 2}


def test_the_same_key_in_two_objects_is_no_duplicate():
    assert loads(b'[{"a": 1}, {"a": 2}]', 32) == [{"a": 1}, {"a": 2}]
