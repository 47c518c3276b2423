"""Request bodies, through HTTP: JSON decoding, media types, size and depth limits."""

from __future__ import annotations

import json

import pytest

import cravat

MAX_BODY = 1024
MAX_DEPTH = 5


class Echo:
    def create(self, req, body):
        return {"got": body}

    def update(self, req, id, body=None):
        return {"got": body, "id": id}


class Notes:
    @cravat.accepts("text/plain")
    def on_post(self, req, body):
        return {"type": type(body).__name__, "text": body.decode("utf-8")}


@pytest.fixture(scope="module")
def client(serve):
    api = cravat.API(error_style="nova", max_body_size=MAX_BODY, max_json_depth=MAX_DEPTH)
    api.resource("/echo", Echo())
    api.route("/notes", Notes())
    return serve(api)


def bad_request_message(response, name="badRequest", code=400):
    assert response.status == code
    body = response.json()
    assert list(body) == [name]
    assert body[name]["code"] == code
    return body[name]["message"]


def nested(depth: int) -> bytes:
    """A JSON list ``depth`` levels deep: nested(2) == b"[[1]]"."""
    return b"[" * depth + b"1" + b"]" * depth


def test_json_body_is_decoded_for_the_handler(client):
    response = client.post("/echo", json={"a": [1, 2, {"b": "ç"}]})
    assert response.status == 201
    assert response.json() == {"got": {"a": [1, 2, {"b": "ç"}]}}


def test_json_content_type_with_charset_is_accepted(client):
    response = client.post("/echo", body=b'{"a": 1}', headers={"Content-Type": "application/json; charset=UTF-8"})
    assert response.status == 201
    assert response.json() == {"got": {"a": 1}}


def test_malformed_json_is_400_saying_so(client):
    message = bad_request_message(client.post("/echo", body=b'{"a": ', headers={"Content-Type": "application/json"}))
    assert "Malformed JSON" in message


def test_body_that_is_not_utf8_is_400(client):
    message = bad_request_message(client.post("/echo", body=b'"\xff"', headers={"Content-Type": "application/json"}))
    assert "UTF-8" in message


def test_wrong_content_type_is_415_naming_the_type(client):
    response = client.post("/echo", body=b'{"a": 1}', headers={"Content-Type": "text/plain"})
    message = bad_request_message(response, name="badMediaType", code=415)
    assert "'text/plain'" in message
    assert "application/json" in message


def test_body_over_max_body_size_is_413(client):
    body = json.dumps({"pad": "x" * (2 * MAX_BODY)}).encode()
    response = client.post("/echo", body=body, headers={"Content-Type": "application/json"})
    message = bad_request_message(response, name="overLimit", code=413)
    assert str(MAX_BODY) in message


def test_body_at_max_body_size_is_accepted(client):
    body = b'"' + b"x" * (MAX_BODY - 2) + b'"'
    assert len(body) == MAX_BODY
    response = client.post("/echo", body=body, headers={"Content-Type": "application/json"})
    assert response.status == 201
    assert response.json() == {"got": "x" * (MAX_BODY - 2)}


def test_chunked_body_the_server_cannot_terminate_is_411_asking_for_content_length(client):
    # The development server (wsgiref) hands a chunked body over undecoded and unterminated.
    response = client.post("/echo", body=iter([b'{"a": 1}']), headers={"Content-Type": "application/json"})
    message = bad_request_message(response, name="lengthRequired", code=411)
    assert "Content-Length" in message


def test_json_nested_deeper_than_max_json_depth_is_400(client):
    response = client.post("/echo", body=nested(MAX_DEPTH + 1), headers={"Content-Type": "application/json"})
    message = bad_request_message(response)
    assert f"nested more than {MAX_DEPTH} levels" in message


def test_json_nested_to_max_json_depth_is_accepted(client):
    response = client.post("/echo", body=nested(MAX_DEPTH), headers={"Content-Type": "application/json"})
    assert response.status == 201
    assert response.json() == {"got": json.loads(nested(MAX_DEPTH))}


def test_body_without_content_type_is_taken_as_json(client):
    response = client.post("/echo", body=b'{"a": 1}')
    assert response.status == 201
    assert response.json() == {"got": {"a": 1}}


def test_body_without_content_type_must_still_be_json(client):
    message = bad_request_message(client.post("/echo", body=b"a=1"))
    assert "Malformed JSON" in message


def test_accepts_text_plain_gives_the_handler_raw_bytes(client):
    response = client.post("/notes", body="café\n".encode(), headers={"Content-Type": "text/plain; charset=utf-8"})
    assert response.status == 200
    assert response.json() == {"type": "bytes", "text": "café\n"}


def test_accepts_text_plain_refuses_json_with_415(client):
    response = client.post("/notes", json={"a": 1})
    message = bad_request_message(response, name="badMediaType", code=415)
    assert "'application/json'" in message
    assert "text/plain" in message


def test_missing_body_for_a_handler_requiring_one_is_400(client):
    message = bad_request_message(client.post("/echo"))
    assert "echo:create" in message
    assert "body" in message


def test_missing_body_for_a_handler_with_an_optional_one_passes_its_default(client):
    response = client.put("/echo/e1")
    assert response.status == 200
    assert response.json() == {"got": None, "id": "e1"}
