"""The URL map (``egg:cravat#urlmap``) loaded from a paste file and served over HTTP.

The Nova spec's user story first: a debugging filter in front of one
controller (``/servers``) of an API, and no other.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any

import pytest

from examples.compute import build_app

HERE = "tests.functional.test_urlmap_http"

#: One compute API, mounted both directly and behind the debugging filter.
compute = build_app()

#: What the debugging filter saw: (method, SCRIPT_NAME, PATH_INFO) per request.
debugged: list[tuple[str, str, str]] = []

PASTE = f"""
[composite:main]
use = egg:cravat#urlmap
/v2.1 = compute
/v2.1/servers mount /v2.1 = compute_debug
~^/v(?P<version>[0-9]+)/(?P<project_id>[0-9a-f]{{8}}) = echo
domain admin.example.test /v2.1 = admin_echo
/readonly methods GET = echo

[pipeline:compute_debug]
pipeline = debug compute

[filter:debug]
paste.filter_factory = {HERE}:debug_filter_factory

[app:compute]
use = egg:cravat#api
api = {HERE}:compute

[app:echo]
paste.app_factory = {HERE}:echo_factory
tag = echo

[app:admin_echo]
paste.app_factory = {HERE}:echo_factory
tag = admin
"""


def debug_filter_factory(global_conf: dict[str, str]) -> Any:
    """A debugging filter: records each request and marks its response with ``X-Debug``."""

    def wrap(app: Any) -> Any:
        def debug(environ: dict[str, Any], start_response: Any) -> Any:
            debugged.append((environ["REQUEST_METHOD"], environ["SCRIPT_NAME"], environ["PATH_INFO"]))
            return app(environ, lambda status, headers, *exc: start_response(
                status, [*headers, ("X-Debug", "seen")], *exc))

        return debug

    return wrap


def echo_factory(global_conf: dict[str, str], tag: str) -> Any:
    def echo(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        args = environ.get("wsgiorg.routing_args")
        body = {"app": tag, "script_name": environ["SCRIPT_NAME"], "path_info": environ["PATH_INFO"],
                "routing_args": args[1] if args else None}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return echo


@pytest.fixture(scope="module")
def client(serve, tmp_path_factory):
    from cravat.deploy.pasteload import load_paste_app

    path = tmp_path_factory.mktemp("urlmap") / "api-paste.ini"
    path.write_text(textwrap.dedent(PASTE))
    return serve(load_paste_app(str(path)))


# --- the user story: a filter in front of one controller ---------------------------------------


def test_the_debugging_filter_sees_requests_for_servers(client):
    debugged.clear()
    response = client.get("/v2.1/servers")
    assert response.status == 200
    assert response.headers["X-Debug"] == "seen"
    assert debugged == [("GET", "/v2.1", "/servers")]


def test_the_debugging_filter_does_not_see_other_controllers(client):
    debugged.clear()
    response = client.get("/v2.1/ping")
    assert (response.status, response.json()) == (200, {"ping": "pong"})
    assert "X-Debug" not in response.headers
    assert debugged == []


def test_behind_the_filter_the_api_still_sees_its_own_mount_point(client):
    created = client.post("/v2.1/servers", json={"server": {"name": "web-1"}})
    assert created.status == 202
    location = created.headers["Location"]
    assert location.startswith(f"{client.base_url}/v2.1/servers/")
    shown = client.get(location.removeprefix(client.base_url))
    assert (shown.status, shown.json()["server"]["name"], shown.headers["X-Debug"]) == (200, "web-1", "seen")


def test_server_actions_go_through_the_filter_too(client):
    server_id = client.post("/v2.1/servers", json={"server": {"name": "db-1"}}).json()["server"]["id"]
    debugged.clear()
    response = client.post(f"/v2.1/servers/{server_id}/action", json={"os-stop": None})
    assert response.status == 202
    assert debugged == [("POST", "/v2.1", f"/servers/{server_id}/action")]


# --- paths, patterns and hosts ----------------------------------------------------------------------


def test_a_prefix_entry_hands_the_api_the_path_below_it(client):
    response = client.get("/v2.1/flavors")  # compute's own 404: the map passed it on without /v2.1
    assert response.status == 404
    assert response.json()["itemNotFound"]["message"].startswith("No resource matches the path /flavors:")


def test_a_patterns_named_groups_reach_the_app_as_routing_args(client):
    body = client.get("/v3/0123abcd/volumes").json()
    assert body == {"app": "echo", "script_name": "/v3/0123abcd", "path_info": "/volumes",
                    "routing_args": {"version": "3", "project_id": "0123abcd"}}


def test_a_host_entry_takes_that_hosts_requests(client):
    body = client.get("/v2.1/servers", headers={"Host": "admin.example.test"}).json()
    assert (body["app"], body["script_name"], body["path_info"]) == ("admin", "/v2.1", "/servers")


def test_other_hosts_get_the_hostless_entries(client):
    assert client.get("/v2.1/ping", headers={"Host": "public.example.test"}).json() == {"ping": "pong"}


# --- verbs and faults --------------------------------------------------------------------------------


def test_a_verb_the_entry_accepts_reaches_the_app(client):
    assert client.get("/readonly/x").json()["app"] == "echo"


def test_a_verb_the_entry_refuses_is_a_json_405_with_allow(client):
    response = client.delete("/readonly/x")
    assert response.status == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"
    assert response.json()["badMethod"]["code"] == 405
    assert response.request_id.startswith("req-")


def test_options_at_a_verb_restricted_entry_answers_allow(client):
    response = client.options("/readonly")
    assert (response.status, response.headers["Allow"]) == (200, "GET, HEAD, OPTIONS")


def test_no_match_is_a_json_404_not_a_page_listing_the_mounts(client):
    response = client.get("/v9/nothing")
    assert response.status == 404
    assert response.content_type == "application/json"
    assert response.json() == {"itemNotFound": {"code": 404, "message": "No API is mounted at /v9/nothing."}}
    assert b"readonly" not in response.body and b"v2.1" not in response.body


def test_a_404_to_head_sends_no_body(client):
    raw = client.raw(b"HEAD /v9/nothing HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n")
    head, _, body = raw.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.0 404") and body == b""


def test_a_path_that_is_not_utf8_is_no_server_error(client):
    response = client.get("/v3/0123abcd/%ff%fe")
    assert response.status == 200
    assert response.json()["routing_args"] == {"version": "3", "project_id": "0123abcd"}
