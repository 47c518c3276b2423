"""What handlers return, through HTTP: Result, bytes, str, None, and absolute links from url_for."""

from __future__ import annotations

import pytest

import cravat
from cravat import Result

PREFIX = "/compute/v2.1"
PROJECT = "0a1b2c3d4e5f"
HOST = "api.example.test:8774"


class Things:
    def index(self, req):
        return Result({"things": []}, status=203, headers={"X-Things-Total": "0"})

    def create(self, req, body):
        return Result({"thing": {"id": "42"}}, status=202,
                      headers={"Location": req.url_for("things:show", id="42")})

    def show(self, req, id):
        return {"thing": {"id": id}, "self": req.url_for("things:show", id=id)}

    def delete(self, req, id):
        return None


class Blob:
    def on_get(self, req):
        return b"\x00\x01\xffbinary"


class Greeting:
    def on_get(self, req):
        return "héllo"


class Feed:
    def on_get(self, req):
        return Result("<feed/>", content_type="application/atom+xml")


class Nothing:
    def on_get(self, req):
        return None


def mount(prefix, app):
    """Serve ``app`` under ``prefix``, moving it from PATH_INFO to SCRIPT_NAME as paste.urlmap does."""
    def mounted(environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path != prefix and not path.startswith(prefix + "/"):
            start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "0")])
            return []
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + prefix
        environ["PATH_INFO"] = path[len(prefix):] or "/"
        return app(environ, start_response)
    return mounted


def build_api():
    api = cravat.API(error_style="nova", project_id="optional")
    api.resource("/things", Things())
    api.route("/blob", Blob())
    api.route("/greeting", Greeting())
    api.route("/feed", Feed())
    api.route("/nothing", Nothing())
    return api


@pytest.fixture(scope="module")
def client(serve):
    return serve(build_api())


@pytest.fixture(scope="module")
def mounted(serve):
    return serve(mount(PREFIX, build_api()))


def test_result_sets_status_and_headers(client):
    response = client.get("/things")
    assert response.status == 203
    assert response.headers["X-Things-Total"] == "0"
    assert response.json() == {"things": []}


def test_returned_bytes_are_sent_as_is_as_octet_stream(client):
    response = client.get("/blob")
    assert response.status == 200
    assert response.content_type == "application/octet-stream"
    assert response.body == b"\x00\x01\xffbinary"
    assert response.headers["Content-Length"] == str(len(b"\x00\x01\xffbinary"))


def test_returned_str_is_sent_as_utf8_text(client):
    response = client.get("/greeting")
    assert response.status == 200
    assert response.content_type == "text/plain; charset=UTF-8"
    assert response.body == "héllo".encode()
    assert response.headers["Content-Length"] == str(len("héllo".encode()))


def test_result_content_type_is_sent(client):
    response = client.get("/feed")
    assert response.content_type == "application/atom+xml"
    assert response.body == b"<feed/>"


def test_none_with_204_has_no_body_and_no_content_type(client):
    response = client.delete("/things/42")
    assert response.status == 204
    assert response.body == b""
    assert response.content_type is None


def test_204_has_no_content_length(client):
    # RFC 9110 section 8.6: a server MUST NOT send Content-Length in a 204.
    response = client.delete("/things/42")
    assert response.status == 204
    assert "Content-Length" not in response.headers


def test_none_with_200_has_content_length_0_and_no_content_type(client):
    response = client.get("/nothing")
    assert response.status == 200
    assert response.headers["Content-Length"] == "0"
    assert response.body == b""
    assert response.content_type is None


def test_url_for_is_absolute_with_the_server_address(client):
    response = client.post("/things", json={})
    assert response.status == 202
    assert response.headers["Location"] == f"{client.base_url}/things/42"


def test_url_for_uses_the_host_header_the_client_sent(client):
    response = client.post("/things", json={}, headers={"Host": HOST})
    assert response.headers["Location"] == f"http://{HOST}/things/42"


def test_url_for_quotes_parameter_values(client):
    assert client.get("/things/a%20b").json()["self"] == f"{client.base_url}/things/a%20b"


def test_url_for_keeps_the_project_id_prefix_of_the_request(client):
    response = client.post(f"/{PROJECT}/things", json={}, headers={"Host": HOST})
    assert response.headers["Location"] == f"http://{HOST}/{PROJECT}/things/42"


def test_mounted_api_answers_under_its_prefix(mounted):
    assert mounted.get(f"{PREFIX}/things/7").json()["thing"] == {"id": "7"}


def test_url_for_honours_script_name(mounted):
    response = mounted.post(f"{PREFIX}/things", json={}, headers={"Host": HOST})
    assert response.status == 202
    assert response.headers["Location"] == f"http://{HOST}{PREFIX}/things/42"


def test_url_for_honours_script_name_and_the_project_id_prefix(mounted):
    response = mounted.post(f"{PREFIX}/{PROJECT}/things", json={}, headers={"Host": HOST})
    assert response.headers["Location"] == f"http://{HOST}{PREFIX}/{PROJECT}/things/42"
