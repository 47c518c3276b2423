"""Inputs and answers that once escaped as 500s, leaked, or grew without bound (found in review)."""

import logging

import pytest
import webob

import cravat
from cravat import Result, errors
from cravat.testing import Client

SHARED = webob.Response(json_body={"shared": True})


class Things:
    def show(self, req, id):
        if id == "int-message":
            raise errors.NotFound(42)
        if id == "bad-status":
            raise cravat.HTTPError("odd", status=99)
        if id == "int-header":
            raise errors.ServiceUnavailable("later", headers={"Retry-After": 30})
        if id == "shared":
            return SHARED
        if id == "csv":
            return Result("a,b\n", headers={"Content-Type": "text/csv", "Content-Length": "999", "X-Rows": 1})
        return {"id": id, "self": req.url_for("things:show", id=id)}

    @cravat.validate(query={"type": "object", "properties": {"limit": {"type": "integer"}},
                            "additionalProperties": False})
    def index(self, req, query):
        return query

    def create(self, req, body):
        return body

    def delete(self, req, id):
        return {"deleted": id}


@pytest.fixture
def client():
    api = cravat.API()
    api.resource("/things", Things())
    return Client(api)


def test_a_fault_message_that_is_not_a_string_is_rendered(client):
    response = client.get("/things/int-message")
    assert response.status_code == 404
    assert response.json["itemNotFound"]["message"] == "42"


def test_a_fault_status_outside_http_is_a_500(client):
    assert client.get("/things/bad-status").status_code == 500


def test_fault_header_values_become_strings(client):
    response = client.get("/things/int-header")
    assert (response.status_code, response.headers["Retry-After"]) == (503, "30")


def test_a_query_string_that_is_not_utf8_is_400(client):
    response = client.get("/things?limit=%ff")
    assert response.status_code == 400
    assert response.json["badRequest"]["message"] == "The query string is not valid UTF-8."


def test_an_integer_past_the_digit_limit_is_400(client):
    response = client.post("/things", body=b'{"n": ' + b"1" * 5000 + b"}", content_type="application/json")
    assert response.status_code == 400
    assert response.json["badRequest"]["message"].startswith("Malformed JSON in request body: Exceeds the limit")


def test_a_lone_surrogate_is_400_and_never_stored(client):
    response = client.post("/things", body=b'{"name": "\\ud800"}', content_type="application/json")
    assert response.status_code == 400
    assert "lone surrogate" in response.json["badRequest"]["message"]


def test_a_surrogate_pair_is_a_character(client):
    response = client.post("/things", body=b'{"name": "\\ud83d\\ude00"}', content_type="application/json")
    assert response.json == {"name": "\U0001F600"}


def test_a_204_with_a_body_sends_none_and_warns(client, caplog):
    with caplog.at_level(logging.WARNING, logger="cravat"):
        response = client.delete("/things/1")
    assert response.status_code == 204
    assert response.body == b""
    assert "Content-Type" not in response.headers and "Content-Length" not in response.headers
    assert "a 204 has none" in caplog.text


def test_a_shared_webob_response_is_not_changed_by_answering(client):
    ids = [client.get("/things/shared").headers["x-openstack-request-id"] for _ in range(3)]
    assert len(set(ids)) == 3
    assert [k for k, _ in SHARED.headerlist].count("x-openstack-request-id") == 0


def test_result_headers_set_the_media_type_without_duplicates(client):
    response = client.get("/things/csv")
    assert response.headers.getall("Content-Type") == ["text/csv"]
    assert response.headers.getall("Content-Length") == ["4"]
    assert response.headers["X-Rows"] == "1"


def test_url_for_does_not_repeat_what_a_url_map_put_in_script_name(client):
    response = client.get("/things/1", environ={"SCRIPT_NAME": "/v2/abc",
                                                "wsgiorg.routing_args": ((), {"project_id": "abc"})})
    assert response.json["self"] == "http://127.0.0.1/v2/abc/things/1"


def test_caches_keyed_by_client_versions_stay_bounded():
    micro = cravat.Microversions("key-manager", "1.0", "2.1")

    class Versioned:
        @cravat.versioned(cravat.Variant("1.0"))
        def index(self, req):
            return {}

    api = cravat.API(microversions=micro)
    api.resource("/v", Versioned())
    client = Client(api)
    for minor in range(1100):
        assert client.get("/v", headers={"OpenStack-API-Version": f"key-manager 1.{minor}"}).status_code == 200
    # Nothing grows per request: versions are chosen from tables built at compile, headers of a
    # range that cannot be listed (1.0 to 2.1) are built per answer, and only the parse cache is kept, bounded.
    assert api._negotiator._headers == ()
    assert len(api._negotiator._cache) <= 1024
