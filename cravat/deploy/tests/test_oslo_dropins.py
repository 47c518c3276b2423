"""cravat's request_id, http_proxy_to_wsgi and CORS filters against oslo.middleware's, request by request.

Each case sends the same request through oslo.middleware's filter and through cravat's around an app
that records the environ it was called with and answers with fixed headers: the environ the app saw
(what the filter changed) and the answer (status, headers, body) must be the same, request ids aside,
which are fresh per request and checked for their form.
"""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from oslo_middleware import cors as oslo_cors
from oslo_middleware import http_proxy_to_wsgi as oslo_proxy
from oslo_middleware import request_id as oslo_request_id

from cravat.deploy.filters import (
    CORSFilter,
    HTTPProxyToWSGIFilter,
    RequestIdFilter,
    http_proxy_to_wsgi_filter_factory,
    request_id_filter_factory,
)

REQUEST_ID = re.compile(r"^req-[a-f0-9]{8}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{4}-[a-f0-9]{12}$")
WATCHED = ("wsgi.url_scheme", "HTTP_HOST", "REMOTE_ADDR", "SCRIPT_NAME", "PATH_INFO",
           "openstack.global_request_id")


def recording_app(seen: list[dict[str, Any]], status: str = "200 OK",
                  headers: tuple[tuple[str, str], ...] = (("Content-Type", "application/json"),)) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(dict(environ))
        start_response(status, list(headers))
        return [b'{"ok": true}']

    return app


def request(method: str = "GET", path: str = "/v1/things", **headers: str) -> dict[str, Any]:
    environ = {"REQUEST_METHOD": method, "PATH_INFO": path, "SCRIPT_NAME": "", "QUERY_STRING": "",
               "SERVER_NAME": "127.0.0.1", "SERVER_PORT": "9311", "SERVER_PROTOCOL": "HTTP/1.1",
               "HTTP_HOST": "127.0.0.1:9311", "REMOTE_ADDR": "10.0.0.1", "wsgi.url_scheme": "http",
               "wsgi.input": io.BytesIO(b""), "wsgi.errors": io.StringIO(), "wsgi.version": (1, 0),
               "wsgi.multithread": True, "wsgi.multiprocess": False, "wsgi.run_once": False}
    for name, value in headers.items():
        environ["HTTP_" + name.upper()] = value
    return environ


def run(middleware: Any, environ: dict[str, Any]) -> tuple[str, list[tuple[str, str]], bytes]:
    answer: dict[str, Any] = {}

    def start_response(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        answer["status"], answer["headers"] = status, headers

    body = b"".join(middleware(environ, start_response))
    return answer["status"], answer["headers"], body


def both(oslo: Any, ours: Any, environ: dict[str, Any], **app: Any) -> tuple[Any, Any]:
    """((environ seen, status, headers, body) through oslo's, the same through ours)."""
    results = []
    for make in (oslo, ours):
        seen: list[dict[str, Any]] = []
        status, headers, body = run(make(recording_app(seen, **app)), dict(environ, **{"wsgi.input": io.BytesIO()}))
        watched = {k: seen[0].get(k) for k in WATCHED} if seen else None
        results.append((watched, status, sorted((k.lower(), v) for k, v in headers), body,
                        seen[0].get("openstack.request_id") if seen else None))
    return results[0], results[1]


# --- request_id --------------------------------------------------------------------------------------


def without_ids(result: Any) -> Any:
    watched, status, headers, body, request_id = result
    assert request_id is not None and REQUEST_ID.match(request_id)
    # The id the app saw is the one answered.
    assert ("x-openstack-request-id", request_id) in headers
    return watched, status, [(k, v) for k, v in headers if v != request_id], body


@pytest.mark.parametrize("headers", [
    {},
    {"X_OPENSTACK_REQUEST_ID": "req-0d1e2f3a-4b5c-4d6e-8f70-8192a3b4c5d6"},  # a valid global id: kept
    {"X_OPENSTACK_REQUEST_ID": "not-a-request-id"},                        # not of the form: ignored
], ids=["none", "global", "malformed-global"])
def test_request_id_matches_oslo(headers):
    oslo, ours = both(lambda app: oslo_request_id.RequestId(app), lambda app: RequestIdFilter(app),
                      request(**headers))
    assert without_ids(ours) == without_ids(oslo)


def test_request_id_keeps_the_apps_own_header():
    app_headers = (("Content-Type", "text/plain"), ("X-OpenStack-Request-Id", "req-set-by-the-app"))
    oslo, ours = both(lambda app: oslo_request_id.RequestId(app), lambda app: RequestIdFilter(app), request(),
                      headers=app_headers)
    assert ours[1:4] == oslo[1:4]
    assert [v for k, v in ours[2] if k == "x-openstack-request-id"] == ["req-set-by-the-app"]


def test_request_id_adds_the_compat_headers_of_a_subclass():
    class WithCompat(RequestIdFilter):
        compat_headers = ["x-compute-request-id"]

    seen: list[dict[str, Any]] = []
    _, headers, _ = run(WithCompat(recording_app(seen)), request())
    values = dict((k.lower(), v) for k, v in headers)
    assert values["x-compute-request-id"] == values["x-openstack-request-id"] == seen[0]["openstack.request_id"]


def test_request_ids_are_fresh_per_request():
    seen: list[dict[str, Any]] = []
    filter_ = request_id_filter_factory({})(recording_app(seen))
    for _ in range(3):
        run(filter_, request())
    assert len({environ["openstack.request_id"] for environ in seen}) == 3


# --- http_proxy_to_wsgi ------------------------------------------------------------------------------


PROXIED = [
    {},
    {"X_FORWARDED_PROTO": "https", "X_FORWARDED_HOST": "km.example:443", "X_FORWARDED_FOR": "192.0.2.7"},
    {"FORWARDED": "for=192.0.2.60;proto=https;host=km.example, for=198.51.100.1"},
    {"X_FORWARDED_PREFIX": "/key-manager"},
    {"X_FORWARDED_PROTO": "https", "FORWARDED": "proto=http;host=other.example"},  # RFC 7239 wins
]


@pytest.mark.parametrize("enabled", ["true", "false"])
@pytest.mark.parametrize("headers", PROXIED, ids=["none", "x-forwarded", "forwarded", "prefix", "both"])
def test_http_proxy_to_wsgi_matches_oslo(headers, enabled):
    conf = {"enable_proxy_headers_parsing": enabled}
    oslo, ours = both(lambda app: oslo_proxy.HTTPProxyToWSGI(app, conf), lambda app: HTTPProxyToWSGIFilter(app, conf),
                      request(**headers))
    assert ours[:4] == oslo[:4]


def test_http_proxy_to_wsgi_rewrites_what_the_proxy_says():
    seen: list[dict[str, Any]] = []
    filter_ = http_proxy_to_wsgi_filter_factory({}, enable_proxy_headers_parsing="true")(recording_app(seen))
    run(filter_, request(X_FORWARDED_PROTO="https", X_FORWARDED_HOST="km.example", X_FORWARDED_PREFIX="/km"))
    assert (seen[0]["wsgi.url_scheme"], seen[0]["HTTP_HOST"], seen[0]["SCRIPT_NAME"]) == ("https", "km.example",
                                                                                         "/km")
    run(filter_, request())
    assert (seen[1]["wsgi.url_scheme"], seen[1]["HTTP_HOST"]) == ("http", "127.0.0.1:9311")


# --- CORS --------------------------------------------------------------------------------------------


CORS_CONF = {"allowed_origin": "https://dash.example", "allow_methods": "GET,POST", "expose_headers": "X-Thing",
             "allow_headers": "Content-Type"}


@pytest.mark.parametrize(("method", "headers", "status"), [
    ("GET", {}, "200 OK"),
    ("GET", {"ORIGIN": "https://dash.example"}, "200 OK"),
    ("GET", {"ORIGIN": "https://evil.example"}, "200 OK"),
    ("OPTIONS", {}, "200 OK"),
    ("OPTIONS", {"ORIGIN": "https://dash.example", "ACCESS_CONTROL_REQUEST_METHOD": "GET"}, "200 OK"),
    ("POST", {}, "201 Created"),
], ids=["no-origin", "allowed", "unknown-origin", "options-no-origin", "preflight", "post"])
def test_cors_matches_oslo_where_cravat_does_not_differ(method, headers, status):
    oslo, ours = both(lambda app: oslo_cors.CORS(app, dict(CORS_CONF)), lambda app: CORSFilter(app, dict(CORS_CONF)),
                      request(method, **headers), status=status)
    assert ours[:4] == oslo[:4]


def test_cors_without_origin_leaves_a_failed_preflight_alone():
    # oslo turns it into an empty 200; cravat keeps the app's answer, Origin or not.
    seen: list[dict[str, Any]] = []
    status, _, body = run(CORSFilter(recording_app(seen, status="404 Not Found"), dict(CORS_CONF)),
                          request("OPTIONS", "/nope"))
    assert status == "404 Not Found" and body == b'{"ok": true}'


def test_cors_answers_an_allowed_origin():
    seen: list[dict[str, Any]] = []
    _, headers, _ = run(CORSFilter(recording_app(seen), dict(CORS_CONF)), request(ORIGIN="https://dash.example"))
    values = {k.lower(): v for k, v in headers}
    assert values["access-control-allow-origin"] == "https://dash.example"
    assert values["vary"] == "Origin" and values["access-control-expose-headers"] == "X-Thing"
