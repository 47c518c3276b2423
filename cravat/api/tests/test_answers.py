"""What an implementation produces (Accept), and exceptions mapped to faults by class."""

import logging

import pytest

import cravat
from cravat import Result, errors
from cravat.testing import Client


class Payload:
    @cravat.produces("text/plain", "application/octet-stream")
    def on_get(self, req):
        if req.media_type == "text/plain":
            return "secret text"
        return b"\x00\x01"


class Metadata:
    def on_get(self, req):
        return {"name": "s"}


def api_with(**responders):
    api = cravat.API(error_style="barbican")
    for path, responder in responders.items():
        api.route(f"/{path}", responder)
    return Client(api)


def test_accept_picks_among_what_the_operation_produces():
    client = api_with(payload=Payload())
    text = client.get("/payload", headers={"Accept": "text/plain"})
    raw = client.get("/payload", headers={"Accept": "application/octet-stream"})
    assert (text.body, text.headers["Content-Type"]) == (b"secret text", "text/plain; charset=UTF-8")
    assert (raw.body, raw.headers["Content-Type"]) == (b"\x00\x01", "application/octet-stream")


def test_no_accept_takes_the_preferred_type():
    assert api_with(payload=Payload()).get("/payload").headers["Content-Type"] == "text/plain; charset=UTF-8"


def test_nothing_acceptable_is_406_naming_the_offers_in_the_apis_style():
    response = api_with(payload=Payload()).get("/payload", headers={"Accept": "application/json"})
    assert response.status_code == 406
    assert response.json["title"] == "Not Acceptable"
    assert "answers text/plain, application/octet-stream" in response.json["description"]


def test_a_json_operation_refuses_an_accept_that_excludes_json():
    client = api_with(meta=Metadata())
    assert client.get("/meta", headers={"Accept": "text/html"}).status_code == 406
    assert client.get("/meta", headers={"Accept": "text/html, */*;q=0.1"}).json == {"name": "s"}
    assert client.get("/meta", headers={"Accept": "application/*"}).json == {"name": "s"}


def test_a_handler_returning_data_for_a_non_json_type_is_a_500_not_json_labelled_text(caplog):
    class Wrong:
        @cravat.produces("text/plain")
        def on_get(self, req):
            return {"not": "text"}

    with caplog.at_level(logging.ERROR):
        response = api_with(wrong=Wrong()).get("/wrong")
    assert response.status_code == 500
    assert "return bytes or str" in caplog.text


class NoSuchThing(LookupError):
    pass


class NoSuchServer(NoSuchThing):
    pass


def test_an_error_handler_is_found_along_the_exception_mro():
    class Servers:
        def show(self, req, id):
            raise NoSuchServer(id)

    api = cravat.API()
    api.add_error_handler(NoSuchThing, lambda req, exc: errors.NotFound(f"Nothing called {exc} in {req.path}."))
    api.resource("/servers", Servers())
    response = Client(api).get("/servers/7")
    assert response.status_code == 404
    assert response.json == {"itemNotFound": {"code": 404, "message": "Nothing called 7 in /servers/7."}}


def test_the_nearest_handler_wins():
    class Servers:
        def show(self, req, id):
            raise NoSuchServer(id)

    api = cravat.API()
    api.add_error_handler(LookupError, lambda req, exc: errors.BadRequest("lookup"))
    api.add_error_handler(NoSuchThing, lambda req, exc: errors.Conflict("thing"))
    api.resource("/servers", Servers())
    assert Client(api).get("/servers/7").status_code == 409


def test_a_failing_error_handler_is_a_safe_500(caplog):
    class Servers:
        def show(self, req, id):
            raise NoSuchServer(id)

    def broken(req, exc):
        raise RuntimeError("handler bug")

    api = cravat.API()
    api.add_error_handler(NoSuchServer, broken)
    api.resource("/servers", Servers())
    with caplog.at_level(logging.ERROR):
        response = Client(api).get("/servers/7")
    assert response.status_code == 500
    assert "handler bug" not in response.text
    assert "The error handler for NoSuchServer failed" in caplog.text


def test_an_http_error_class_needs_no_handler():
    with pytest.raises(cravat.DeclarationError, match="already its own answer"):
        cravat.API().add_error_handler(errors.NotFound, lambda req, exc: exc)


def test_duplicate_json_keys_are_400_unless_the_api_allows_them():
    class Echo:
        def on_post(self, req, body):
            return Result(body)

    strict, lenient = cravat.API(), cravat.API(allow_duplicate_json_keys=True)
    for api in (strict, lenient):
        api.route("/echo", Echo())
    body = b'{"name": "a", "name": "b"}'
    response = Client(strict).post("/echo", body=body, content_type="application/json")
    assert response.status_code == 400
    assert 'names the key "name" more than once' in response.json["badRequest"]["message"]
    assert Client(lenient).post("/echo", body=body, content_type="application/json").json == {"name": "b"}


def test_links_start_at_the_public_endpoint_when_one_is_set():
    class Servers:
        def show(self, req, id):
            return {"self": req.url_for("servers:show", id=id)}

    api = cravat.API(public_endpoint="https://compute.example.com/")
    api.resource("/servers", Servers())
    response = Client(api).get("/servers/1", headers={"Host": "evil.example.net"},
                               environ={"SCRIPT_NAME": "/v2.1", "wsgi.url_scheme": "http"})
    assert response.json == {"self": "https://compute.example.com/v2.1/servers/1"}


@pytest.mark.parametrize("endpoint", ["javascript://x", "compute.example.com", "https://x/?q=1", "https://"])
def test_a_public_endpoint_must_be_an_http_url(endpoint):
    with pytest.raises(ValueError, match="public_endpoint"):
        cravat.APIOptions(public_endpoint=endpoint)
