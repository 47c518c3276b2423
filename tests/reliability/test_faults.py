"""Every fault in the API's style: the body-size limit, OPTIONS on an unmapped path, the healthcheck's verbs.

Found: oslo.middleware's sizelimit answered with an HTML page holding a
literal ``%s``; the CORS filter answered OPTIONS on any path, even ``/nope``,
with an empty 200 and no Allow; the healthcheck answered every verb.
"""

from __future__ import annotations

from tests.reliability.support import exchange, is_html, request

CALLER = {"X-Project-Id": "p1", "X-User-Id": "u1", "Content-Type": "application/json"}


def test_a_body_over_the_paste_files_limit_is_413_in_the_apps_style(keymanager):
    body = b'{"name": "' + b"x" * 120_000 + b'"}'  # etc/api-paste.ini: max_request_body_size = 114688
    answer = exchange(keymanager.port, request("POST", "/v1/secrets", body, headers=CALLER))
    assert answer.status == 413, answer
    assert not is_html(answer) and b"%s" not in answer.body
    assert answer.json()["code"] == 413
    assert "114688" in answer.json()["description"]


def test_a_body_over_the_servers_limit_is_413_before_it_is_read(compute):
    head = request("POST", "/servers", headers={"Content-Type": "application/json",
                                                "Content-Length": str(64 * 1024 * 1024)})
    answer = exchange(compute.port, head + b"{")
    assert answer.status == 413, answer
    assert answer.json()["overLimit"]["code"] == 413


def test_options_on_an_unmapped_path_is_404_not_an_empty_200(keymanager):
    answer = exchange(keymanager.port, request("OPTIONS", "/nope", headers={
        "Origin": "https://dashboard.example.com", "Access-Control-Request-Method": "GET"}))
    assert answer.status == 404, answer
    assert answer.json()["code"] == 404


def test_a_cors_preflight_on_a_real_resource_still_answers_with_allow(keymanager):
    answer = exchange(keymanager.port, request("OPTIONS", "/v1/secrets", headers={
        "Origin": "https://dashboard.example.com", "Access-Control-Request-Method": "POST"}))
    assert answer.status == 200, answer
    assert answer.headers["access-control-allow-origin"] == "https://dashboard.example.com"
    assert "POST" in answer.headers["allow"]


def test_the_healthcheck_answers_get_and_head(keymanager):
    assert exchange(keymanager.port, request("GET", "/healthcheck")).status == 200
    assert exchange(keymanager.port, request("HEAD", "/healthcheck")).status in (200, 204)  # oslo: 204 for HEAD


def test_the_healthcheck_refuses_other_verbs_with_405_and_allow(keymanager):
    answer = exchange(keymanager.port, request("POST", "/healthcheck", b"", headers={"Content-Type": "text/plain"}))
    assert answer.status == 405, answer
    assert answer.json()["code"] == 405
    assert answer.headers["allow"].startswith("GET, HEAD")
