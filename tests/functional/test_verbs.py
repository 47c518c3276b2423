"""Verb maps, through HTTP: 405 with a complete Allow, OPTIONS, HEAD."""

from __future__ import annotations

import pytest

import cravat


class Servers:
    def index(self, req):
        return {"servers": [{"id": "1", "name": "héllo"}]}

    def show(self, req, id):
        return {"server": {"id": id, "name": "web-" + id}}

    def update(self, req, id, body):
        return {"server": {"id": id}}

    def delete(self, req, id):
        return None


class Jobs:
    def on_post(self, req):
        return {"job": "queued"}


@pytest.fixture(scope="module")
def client(serve):
    api = cravat.API(error_style="nova")
    api.resource("/servers", Servers())
    api.route("/jobs", Jobs())
    return serve(api)


def split_head(raw: bytes) -> tuple[bytes, bytes]:
    head, sep, rest = raw.partition(b"\r\n\r\n")
    assert sep, raw
    return head, rest


def test_wrong_verb_on_an_existing_path_is_405_with_complete_allow(client):
    response = client.post("/servers/42", json={"server": {}})
    assert response.status == 405
    assert response.headers["Allow"] == "GET, HEAD, PUT, DELETE, OPTIONS"


def test_wrong_verb_fault_names_the_verb_and_the_path(client):
    body = client.request("PATCH", "/servers/42", json={}).json()
    assert body["badMethod"]["code"] == 405
    assert "PATCH" in body["badMethod"]["message"]
    assert "/servers/42" in body["badMethod"]["message"]


def test_wrong_verb_on_a_collection_lists_only_its_verbs(client):
    response = client.delete("/servers")
    assert response.status == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_unknown_verb_on_an_existing_path_is_405_with_allow(client):
    response = client.request("BREW", "/servers/42")
    assert response.status == 405
    assert response.headers["Allow"] == "GET, HEAD, PUT, DELETE, OPTIONS"
    assert "BREW" in response.json()["badMethod"]["message"]


def test_unknown_verb_on_a_missing_path_is_404(client):
    assert client.request("BREW", "/nowhere").status == 404


def test_options_answers_200_with_allow(client):
    response = client.options("/servers/42")
    assert response.status == 200
    assert response.headers["Allow"] == "GET, HEAD, PUT, DELETE, OPTIONS"


def test_options_answers_an_empty_body(client):
    response = client.options("/servers")
    assert response.headers["Content-Length"] == "0"
    assert response.body == b""
    assert response.content_type is None


def test_options_on_a_missing_path_is_404(client):
    assert client.options("/nowhere").status == 404


def comparable_headers(response):
    """The headers that should not differ between two requests: not the date or the request id."""
    varying = {"date", "x-openstack-request-id"}
    return sorted((k.lower(), v) for k, v in response.headers.items() if k.lower() not in varying)


def test_head_answers_gets_status_and_headers(client):
    got = client.get("/servers/42")
    head = client.head("/servers/42")
    assert head.status == got.status == 200
    assert comparable_headers(head) == comparable_headers(got)
    assert head.content_type == "application/json"
    assert int(head.headers["Content-Length"]) == len(got.body) > 0


def test_head_counts_utf8_body_bytes_in_content_length(client):
    got = client.get("/servers")
    head = client.head("/servers")
    assert int(head.headers["Content-Length"]) == len(got.body)
    assert len(got.body) > len(got.body.decode("utf-8"))  # the body has a non-ASCII character


def test_head_sends_no_body(client):
    raw = client.raw(b"HEAD /servers/42 HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    head, rest = split_head(raw)
    assert head.startswith(b"HTTP/1.0 200 ")
    assert rest == b""


def test_head_on_a_missing_member_path_is_404_without_a_body(client):
    raw = client.raw(b"HEAD /servers/42/nothing HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    head, rest = split_head(raw)
    assert head.split(b" ", 2)[1] == b"404"
    assert rest == b""


def test_head_is_405_where_get_is_not_allowed(client):
    response = client.head("/jobs")
    assert response.status == 405
    assert response.headers["Allow"] == "POST, OPTIONS"
