"""The serving guard as a WSGI app: what reaches the app, and the faults in the app's style."""

from __future__ import annotations

import io
import json

import pytest

import cravat
from cravat.deploy.filters import CORSFilter, SizeLimitFilter
from cravat.deploy.guard import GuardOptions, ServingGuard, error_style_of
from cravat.deploy.urlmap import URLMap


def echo(environ, start_response):
    body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
    payload = json.dumps({"body": body.decode("latin-1"), "scheme": environ["wsgi.url_scheme"],
                          "host": environ.get("HTTP_HOST"), "script": environ.get("SCRIPT_NAME", ""),
                          "forwarded": environ.get("HTTP_X_FORWARDED_PROTO")}).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(payload)))])
    return [payload]


def call(app, body: bytes = b"", **environ):
    env = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1",
           "wsgi.url_scheme": "http", "REMOTE_ADDR": "127.0.0.1", "wsgi.input": io.BytesIO(body),
           "CONTENT_LENGTH": str(len(body)), **environ}
    answer = {}

    def start_response(status, headers, exc_info=None):
        answer["status"], answer["headers"] = int(status[:3]), dict(headers)

    data = b"".join(app(env, start_response))
    return answer["status"], answer["headers"], json.loads(data) if data else None


def test_a_whole_body_reaches_the_app_as_a_buffer_with_its_length():
    status, _, data = call(ServingGuard(echo), b'{"a": 1}')
    assert status == 200 and data["body"] == '{"a": 1}'


def test_a_short_body_is_400_and_the_app_is_not_called():
    status, _, data = call(ServingGuard(echo, GuardOptions(error_style="barbican")), b"abc", CONTENT_LENGTH="10")
    assert status == 400
    assert data["description"] == "The request body ended after 3 of the 10 bytes its Content-Length announced."


def test_a_server_error_reading_the_body_is_400_naming_it():
    class Broken:
        def read(self, size):
            raise OSError("error during read(10) on wsgi.input")

    status, _, data = call(ServingGuard(echo), CONTENT_LENGTH="10", **{"wsgi.input": Broken()})
    assert status == 400 and "OSError" in data["badRequest"]["message"]


def test_a_server_timeout_reading_the_body_is_408():
    class Slow:
        def read(self, size):
            raise TimeoutError("timed out")

    status, _, data = call(ServingGuard(echo), CONTENT_LENGTH="10", **{"wsgi.input": Slow()})
    assert status == 408 and data["computeFault"]["code"] == 408


def test_a_body_over_the_limit_is_413_unread():
    status, _, _ = call(ServingGuard(echo, GuardOptions(max_body_size=4)), b"12345")
    assert status == 413


def test_chunked_is_411_where_the_server_cannot_frame_it_and_read_where_it_can():
    chunked = {"CONTENT_LENGTH": "", "HTTP_TRANSFER_ENCODING": "chunked"}
    assert call(ServingGuard(echo, GuardOptions(chunked_input=False)), b"abc", **chunked)[0] == 411
    status, _, data = call(ServingGuard(echo), b"abc", **chunked)
    assert status == 200 and data["body"] == "abc"


def test_no_method_is_400():
    assert call(ServingGuard(echo), REQUEST_METHOD="")[0] == 400


@pytest.mark.parametrize("host", ["x/y", "a b", "a,b", ""])
def test_a_bad_host_is_400(host):
    assert call(ServingGuard(echo), HTTP_HOST=host)[0] == 400


def test_an_http_1_0_request_may_omit_the_host():
    assert call(ServingGuard(echo), HTTP_HOST="", SERVER_PROTOCOL="HTTP/1.0")[0] == 200


def test_forwarded_headers_from_an_untrusted_peer_are_removed_and_the_scheme_restored():
    guard = ServingGuard(echo, GuardOptions(server_scheme="http"))
    _, _, data = call(guard, HTTP_X_FORWARDED_PROTO="javascript", **{"wsgi.url_scheme": "javascript"})
    assert data["forwarded"] is None and data["scheme"] == "http"


def test_forwarded_headers_from_a_trusted_proxy_pass_when_valid():
    guard = ServingGuard(echo, GuardOptions(trusted_proxies=("127.0.0.0/8",)))
    assert call(guard, HTTP_X_FORWARDED_PROTO="https")[2]["forwarded"] == "https"
    assert call(guard, HTTP_X_FORWARDED_PROTO="javascript")[0] == 400


def test_a_public_endpoint_replaces_scheme_host_and_prefix():
    guard = ServingGuard(echo, GuardOptions(public_endpoint="https://kms.example.com/key-manager/"))
    _, _, data = call(guard, HTTP_HOST="evil.example", HTTP_X_FORWARDED_PROTO="http", SCRIPT_NAME="/v1")
    assert (data["scheme"], data["host"], data["script"], data["forwarded"]) == (
        "https", "kms.example.com", "/key-manager/v1", None)


def test_a_bad_public_endpoint_is_an_error_at_start_up():
    with pytest.raises(ValueError, match="public_endpoint"):
        GuardOptions(public_endpoint="javascript://x")


def test_an_empty_meaningful_header_is_400_only_where_the_server_empties_invalid_values():
    assert call(ServingGuard(echo, GuardOptions(empty_is_invalid=True)), HTTP_OPENSTACK_API_VERSION="")[0] == 400
    assert call(ServingGuard(echo), HTTP_OPENSTACK_API_VERSION="")[0] == 200


def test_an_exception_in_a_filter_is_a_500_in_the_apps_style():
    def broken(environ, start_response):
        raise KeyError("REQUEST_METHOD")

    broken.error_style = "problem"
    status, headers, data = call(ServingGuard(broken))
    assert status == 500 and headers["Content-Type"] == "application/problem+json" and data["status"] == 500


def test_connection_close_is_said_only_where_the_server_allows_it():
    assert "Connection" not in call(ServingGuard(echo), REQUEST_METHOD="")[1]
    guard = ServingGuard(echo, GuardOptions(connection_close=True))
    assert call(guard, REQUEST_METHOD="")[1]["Connection"] == "close"
    guard.draining.set()
    assert call(guard)[1]["Connection"] == "close"


def test_the_error_style_is_found_down_the_pipeline():
    api = cravat.API(error_style="barbican")
    assert error_style_of(SizeLimitFilter(URLMap([("/", api)], error_style="problem"), 10)) == "problem"
    assert error_style_of(SizeLimitFilter(api, 10)) == "barbican"
    assert error_style_of(echo) is None


def test_the_size_limit_filter_answers_413_in_the_apps_style():
    app = SizeLimitFilter(cravat.API(error_style="barbican"), 4)
    status, _, data = call(app, b"12345")
    assert status == 413 and data["code"] == 413 and "limit is 4" in data["description"]


def test_the_cors_filter_leaves_a_404_for_options_on_a_path_the_app_has_not():
    api = cravat.API(error_style="barbican")
    cors = CORSFilter(api, {"allowed_origin": "https://a.example"})
    status, _, data = call(cors, REQUEST_METHOD="OPTIONS", PATH_INFO="/nope", HTTP_ORIGIN="https://a.example",
                           HTTP_ACCESS_CONTROL_REQUEST_METHOD="GET", CONTENT_LENGTH="")
    assert status == 404 and data["code"] == 404


def test_granians_internals_cravat_replaces_in_its_workers_are_still_there():
    # cravat.deploy.servers.granian swaps these two module attributes in each worker process.
    import granian._signals
    import granian.server.mp
    from granian import Granian

    assert callable(granian._signals.set_sync_signals) and callable(granian.server.mp._wsgi_call_wrap)
    assert callable(Granian._spawn_wsgi_worker.__wrapped__)
