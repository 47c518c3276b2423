"""Faults, through HTTP: one error in each of the three styles, 500s, webob errors, request ids."""

from __future__ import annotations

import logging
import re
import uuid

import pytest
import webob.exc

import cravat
from cravat import errors

SECRET = "db password is hunter2"
REQUEST_ID = re.compile(r"req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")
UPSTREAM_ID = "req-" + str(uuid.UUID("0b1e8c3e-2f4a-4c6d-9e8f-1a2b3c4d5e6f"))

NOVA_NAMES = {400: "badRequest", 404: "itemNotFound", 405: "badMethod", 409: "conflictingRequest",
              500: "computeFault"}
TITLES = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed", 409: "Conflict",
          500: "Internal Server Error"}


class Things:
    def create(self, req, body):
        return {"thing": body}

    def show(self, req, id):
        if id == "boom":
            raise RuntimeError(SECRET)
        if id == "gone":
            raise webob.exc.HTTPNotFound(explanation="Thing gone was deleted.")
        if id == "busy":
            raise errors.Conflict("Thing busy is locked by another task.")
        return {"thing": {"id": id}}


def build_api(style):
    api = cravat.API(error_style=style)
    api.resource("/things", Things())
    return api


def with_upstream_request_id(app):
    """Set ``openstack.request_id`` as oslo.middleware's request_id filter does."""
    def middleware(environ, start_response):
        environ["openstack.request_id"] = UPSTREAM_ID
        return app(environ, start_response)
    return middleware


@pytest.fixture(scope="module", params=["nova", "barbican", "problem"])
def styled(request, serve):
    """A client of the API in each error style; ``styled.style`` names it."""
    client = serve(build_api(request.param))
    client.style = request.param
    return client


@pytest.fixture(scope="module")
def client(serve):
    return serve(build_api("nova"))


@pytest.fixture(scope="module")
def upstream(serve):
    return serve(with_upstream_request_id(build_api("problem")))


def fault_message(style, response, status):
    """Check ``response`` is a fault of ``status`` in exactly ``style``'s shape; return its message."""
    assert response.status == status
    body = response.json()
    if style == "nova":
        assert response.content_type == "application/json"
        name = NOVA_NAMES[status]
        assert list(body) == [name]
        assert sorted(body[name]) == ["code", "message"]
        assert body[name]["code"] == status
        return body[name]["message"]
    if style == "barbican":
        assert response.content_type == "application/json"
        assert sorted(body) == ["code", "description", "title"]
        assert body["code"] == status
        assert body["title"] == TITLES[status]
        return body["description"]
    assert response.content_type == "application/problem+json"
    assert sorted(body) == ["detail", "request_id", "status", "title", "type"]
    assert body["type"] == "about:blank"
    assert body["status"] == status
    assert body["title"] == TITLES[status]
    assert body["request_id"] == response.request_id
    return body["detail"]


# One error in three styles


def test_no_route_is_a_404_fault_naming_the_path(styled):
    message = fault_message(styled.style, styled.get("/things/1/parts"), 404)
    assert "/things/1/parts" in message


def test_wrong_verb_is_a_405_fault_naming_the_verb(styled):
    response = styled.delete("/things/1")
    message = fault_message(styled.style, response, 405)
    assert "DELETE" in message
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_malformed_json_is_a_400_fault(styled):
    response = styled.post("/things", body=b"{nope", headers={"Content-Type": "application/json"})
    assert "Malformed JSON" in fault_message(styled.style, response, 400)


def test_errors_conflict_is_a_409_fault_with_its_message(styled):
    message = fault_message(styled.style, styled.get("/things/busy"), 409)
    assert message == "Thing busy is locked by another task."


def test_webob_http_not_found_is_rendered_in_the_api_style(styled):
    message = fault_message(styled.style, styled.get("/things/gone"), 404)
    assert message == "Thing gone was deleted."


def test_unexpected_exception_is_a_500_fault_quoting_the_request_id(styled):
    response = styled.get("/things/boom")
    message = fault_message(styled.style, response, 500)
    assert response.request_id in message


def test_unexpected_exception_text_and_traceback_are_not_sent(styled):
    response = styled.get("/things/boom")
    assert response.status == 500
    assert SECRET.encode() not in response.body
    assert b"Traceback" not in response.body
    assert b"RuntimeError" not in response.body


def test_unexpected_exception_traceback_is_logged_with_the_request_id(client, caplog):
    caplog.set_level(logging.ERROR)
    response = client.get("/things/boom")
    assert response.status == 500
    records = [r for r in caplog.records if r.exc_info and r.exc_info[0] is RuntimeError]
    assert len(records) == 1
    record = records[0]
    assert record.levelno == logging.ERROR
    assert str(record.exc_info[1]) == SECRET
    assert response.request_id in record.getMessage()
    assert "Traceback" in caplog.text and SECRET in caplog.text


# Request ids


@pytest.mark.parametrize(("method", "path", "status"), [
    ("GET", "/things/1", 200),
    ("POST", "/things", 201),
    ("GET", "/nowhere", 404),
    ("DELETE", "/things/1", 405),
    ("GET", "/things/gone", 404),
    ("GET", "/things/busy", 409),
    ("GET", "/things/boom", 500),
    ("OPTIONS", "/things/1", 200),
    ("HEAD", "/things/1", 200),
    ("HEAD", "/nowhere", 404),
])
def test_every_response_carries_a_request_id(client, method, path, status):
    body = {"json": {}} if method == "POST" else {}
    response = client.request(method, path, **body)
    assert response.status == status
    assert REQUEST_ID.match(response.request_id), response.request_id


def test_request_ids_differ_between_requests(client):
    ids = {client.get("/things/1").request_id for _ in range(5)}
    assert len(ids) == 5


def test_request_id_set_by_upstream_middleware_is_used(upstream):
    assert upstream.get("/things/1").request_id == UPSTREAM_ID


def test_request_id_set_by_upstream_middleware_is_in_faults(upstream):
    response = upstream.get("/nowhere")
    assert response.request_id == UPSTREAM_ID
    assert response.json()["request_id"] == UPSTREAM_ID
