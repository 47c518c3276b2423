"""The dispatcher's behaviour, in-process (tests/functional repeats the contract over real HTTP)."""

import logging
import re

import pytest
import webob.exc

import cravat
from cravat import Result, errors
from cravat.testing import Client

REQUEST_ID = re.compile(r"req-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}\Z")


class Servers:
    def index(self, req):
        return {"servers": [], "project": req.path_params.get("project_id")}

    def create(self, req, body):
        return Result({"server": body["server"]},
                      headers={"Location": req.url_for("servers:show", id="new")})

    def show(self, req, id):
        if id == "boom":
            raise RuntimeError("secret database password in this message")
        if id == "gone":
            raise webob.exc.HTTPNotFound(explanation="Server gone was deleted.")
        if id == "busy":
            raise errors.Conflict("Server busy is resizing.")
        return {"id": id}

    @cravat.response(202)
    def update(self, req, id, body):
        return body

    def delete(self, req, id):
        return None

    @cravat.action("os-start", status=202)
    def start(self, req, id, body):
        return {"started": id, "body": body}

    @cravat.action("os-stop")
    def stop(self, req, id, body):
        return None


class Payload:
    @cravat.accepts("text/plain", "application/octet-stream")
    def on_put(self, req, body):
        return Result(body, content_type="application/octet-stream")

    def on_get(self, req):
        return "plain text"

    def on_post(self, req, body=None):
        return {"got": body}


def make_client(**settings):
    api = cravat.API(**settings)
    api.resource("/servers", Servers())
    api.route("/payload", Payload())
    return Client(api)


@pytest.fixture
def client():
    return make_client(max_body_size=1024, max_json_depth=4)


def test_show_passes_the_path_parameter(client):
    response = client.get("/servers/42")
    assert response.status_code == 200
    assert response.json == {"id": "42"}
    assert response.content_type == "application/json"


def test_create_answers_201_with_the_result_headers(client):
    response = client.post("/servers", json={"server": {"name": "a"}})
    assert response.status_code == 201
    assert response.json == {"server": {"name": "a"}}
    assert response.headers["Location"] == "http://127.0.0.1/servers/new"


def test_declared_status_overrides_the_default(client):
    assert client.put("/servers/1", json={"x": 1}).status_code == 202


def test_delete_answers_204_without_a_body_or_content_type(client):
    response = client.delete("/servers/1")
    assert response.status_code == 204
    assert response.body == b""
    assert "Content-Type" not in response.headers
    assert "Content-Length" not in response.headers


def test_a_wrong_verb_is_405_with_the_complete_allow_header(client):
    response = client.patch("/servers/1")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, PUT, DELETE, OPTIONS"
    assert "PATCH is not allowed for /servers/1" in response.json["badMethod"]["message"]


def test_an_unknown_verb_is_405_too(client):
    response = client.request("BREW", "/servers")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"


def test_options_answers_allow_with_no_body(client):
    response = client.request("OPTIONS", "/servers/1/action")
    assert response.status_code == 200
    assert response.headers["Allow"] == "POST, OPTIONS"
    assert response.body == b""


def test_head_answers_get_headers_without_the_body(client):
    get = client.get("/servers/42")
    head = client.request("HEAD", "/servers/42")
    assert head.status_code == 200
    assert head.body == b""
    assert head.headers["Content-Length"] == get.headers["Content-Length"] == str(len(get.body))


def test_head_where_there_is_no_get_is_405(client):
    assert client.request("HEAD", "/servers/1/action").status_code == 405


def test_no_route_is_404_in_the_error_style(client):
    response = client.get("/flavors")
    assert response.status_code == 404
    assert response.json == {"itemNotFound": {"code": 404, "message": "No resource matches the path /flavors."}}


def test_an_action_body_selects_the_action_and_its_status(client):
    response = client.post("/servers/7/action", json={"os-start": None})
    assert response.status_code == 202
    assert response.json == {"started": "7", "body": {"os-start": None}}
    assert client.post("/servers/7/action", json={"os-stop": {}}).status_code == 200


@pytest.mark.parametrize(("body", "complaint"), [
    ({}, "exactly one key naming the action (os-start, os-stop); got 0: none"),
    ({"os-start": None, "os-stop": None}, "got 2: os-start, os-stop"),
    ({"reboot": None}, "There is no action 'reboot' at /servers/{id}/action; actions: os-start, os-stop"),
    ([1], "must be a JSON object with one key naming the action (os-start, os-stop); got list"),
])
def test_a_bad_action_body_is_400_naming_the_problem(client, body, complaint):
    response = client.post("/servers/7/action", json=body)
    assert response.status_code == 400
    assert complaint in response.json["badRequest"]["message"]


def test_an_action_without_a_body_is_400(client):
    response = client.post("/servers/7/action")
    assert response.status_code == 400
    assert response.json["badRequest"]["message"] \
        == "An action body must be a JSON object with one key naming the action (os-start, os-stop); got no body."


def test_malformed_json_is_400_saying_so(client):
    response = client.post("/servers", body=b'{"server": ', content_type="application/json")
    assert response.status_code == 400
    assert response.json["badRequest"]["message"].startswith("Malformed JSON in request body")


def test_json_nested_past_the_limit_is_400(client):
    response = client.post("/servers", json={"a": {"b": {"c": {"d": {"e": 1}}}}})
    assert response.status_code == 400
    assert "nested more than 4 levels" in response.json["badRequest"]["message"]


def test_a_body_over_the_limit_is_413(client):
    response = client.post("/servers", json={"server": {"name": "x" * 2000}})
    assert response.status_code == 413
    assert response.json["overLimit"]["message"].endswith("the limit is 1024.")


def test_a_content_type_the_operation_does_not_accept_is_415(client):
    response = client.post("/servers", body=b"name=a", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert "'application/x-www-form-urlencoded' is not accepted by servers:create" in \
        response.json["badMediaType"]["message"]


def test_a_body_without_content_type_is_taken_as_json(client):
    response = client.post("/servers", body=b'{"server": {"name": "a"}}')
    assert response.status_code == 201


def test_a_charset_parameter_does_not_change_the_media_type(client):
    response = client.post("/servers", body=b'{"server": {}}', content_type="application/json; charset=utf-8")
    assert response.status_code == 201


def test_a_content_length_that_is_not_a_number_is_400(client):
    response = client.post("/servers", body=b"{}", headers={"Content-Length": "ten"})
    assert response.status_code == 400
    assert "Content-Length 'ten' is not a length: it must be digits 0-9 only." in \
        response.json["badRequest"]["message"]


def test_accepted_non_json_bodies_arrive_as_bytes_and_can_go_back(client):
    response = client.put("/payload", body=b"\x00\x01secret", content_type="application/octet-stream")
    assert response.status_code == 200
    assert response.body == b"\x00\x01secret"
    assert response.content_type == "application/octet-stream"


def test_a_string_result_is_plain_text(client):
    response = client.get("/payload")
    assert response.body == b"plain text"
    assert response.headers["Content-Type"] == "text/plain; charset=UTF-8"


def test_an_optional_body_may_be_left_out(client):
    assert client.post("/payload").json == {"got": None}
    assert client.post("/payload", json=[1]).json == {"got": [1]}


def test_every_response_carries_a_fresh_request_id(client):
    ids = [client.get("/servers/1").headers["x-openstack-request-id"],
           client.get("/nowhere").headers["x-openstack-request-id"],
           client.request("OPTIONS", "/servers").headers["x-openstack-request-id"],
           client.delete("/servers/1").headers["x-openstack-request-id"]]
    assert all(REQUEST_ID.match(i) for i in ids)
    assert len(set(ids)) == 4


def test_the_request_id_of_oslo_middleware_is_kept(client):
    response = client.get("/servers/1", environ={"openstack.request_id": "req-from-oslo"})
    assert response.headers["x-openstack-request-id"] == "req-from-oslo"


def test_an_unexpected_exception_is_a_safe_500_and_a_logged_traceback(client, caplog):
    with caplog.at_level(logging.ERROR, logger="cravat"):
        response = client.get("/servers/boom")
    assert response.status_code == 500
    request_id = response.headers["x-openstack-request-id"]
    message = response.json["computeFault"]["message"]
    assert request_id in message
    assert "password" not in response.text and "Traceback" not in response.text
    record = next(r for r in caplog.records if request_id in r.getMessage())
    assert record.exc_info and "secret database password" in str(record.exc_info[1])


def test_a_webob_http_exception_is_rendered_in_the_api_style(client):
    response = client.get("/servers/gone")
    assert response.status_code == 404
    assert response.json == {"itemNotFound": {"code": 404, "message": "Server gone was deleted."}}


def test_a_raised_cravat_error_keeps_its_status_and_message(client):
    response = client.get("/servers/busy")
    assert response.status_code == 409
    assert response.json == {"conflictingRequest": {"code": 409, "message": "Server busy is resizing."}}


@pytest.mark.parametrize(("style", "body"), [
    ("nova", {"itemNotFound": {"code": 404, "message": "No resource matches the path /x."}}),
    ("barbican", {"code": 404, "title": "Not Found", "description": "No resource matches the path /x."}),
])
def test_the_error_style_is_chosen_per_api(style, body):
    assert make_client(error_style=style).get("/x").json == body


def test_problem_style_is_problem_json():
    response = make_client(error_style="problem").get("/x")
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 404
    assert response.json["request_id"] == response.headers["x-openstack-request-id"]


def test_url_for_honours_script_name_host_and_scheme(client):
    response = client.post("/servers", json={"server": {}},
                           environ={"SCRIPT_NAME": "/compute/v2.1", "wsgi.url_scheme": "https",
                                    "HTTP_HOST": "api.example.test"})
    assert response.headers["Location"] == "https://api.example.test/compute/v2.1/servers/new"


def test_url_for_keeps_the_project_id_prefix_of_the_request():
    client = make_client(project_id="optional")
    assert client.post("/0af3/servers", json={"server": {}}).headers["Location"] == \
        "http://127.0.0.1/0af3/servers/new"
    assert client.post("/servers", json={"server": {}}).headers["Location"] == "http://127.0.0.1/servers/new"


def test_handlers_can_read_the_project_id_they_do_not_name():
    assert make_client(project_id="optional").get("/0af3/servers").json["project"] == "0af3"


def test_a_percent_encoded_utf8_path_parameter_arrives_decoded(client):
    assert client.get("/servers/caf%C3%A9").json == {"id": "café"}


def test_a_path_that_is_not_utf8_is_400(client):
    response = client.get("/servers/%FF")
    assert response.status_code == 400
    assert "not valid UTF-8" in response.json["badRequest"]["message"]


def test_a_chunked_body_is_read_where_the_server_terminates_the_input(client):
    response = client.post("/servers", body=b'{"server": {"name": "c"}}', content_type="application/json",
                           environ={"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True,
                                    "CONTENT_LENGTH": ""})
    assert response.status_code == 201
    assert response.json == {"server": {"name": "c"}}


def test_a_chunked_body_over_the_limit_is_413(client):
    response = client.post("/servers", body=b'{"a": "' + b"x" * 2000 + b'"}', content_type="application/json",
                           environ={"HTTP_TRANSFER_ENCODING": "chunked", "wsgi.input_terminated": True,
                                    "CONTENT_LENGTH": ""})
    assert response.status_code == 413


def test_a_chunked_body_the_server_cannot_terminate_is_411(client):
    response = client.post("/servers", body=b"{}", content_type="application/json",
                           environ={"HTTP_TRANSFER_ENCODING": "chunked", "CONTENT_LENGTH": ""})
    assert response.status_code == 411
    assert "send Content-Length" in response.json["lengthRequired"]["message"]


def test_named_groups_of_a_url_map_in_front_join_the_path_parameters():
    api = cravat.API()

    class Where:
        def on_get(self, req, id):
            return req.path_params

    api.route("/things/{id}", Where())
    response = Client(api).get("/things/7", environ={"wsgiorg.routing_args": ((), {"region": "east", "id": "x"})})
    assert response.json == {"region": "east", "id": "7"}
