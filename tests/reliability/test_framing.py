"""Exact framing on every server: a body that is not whole never reaches a handler, and nothing is stored.

Found: with ``Content-Length: 123``, 23 bytes of JSON and a half-close,
granian and gunicorn answered 202 and created the server; granian read
malformed chunk sizes as an empty body; gunicorn's InvalidChunkSize and
NoMoreData and uWSGI's OSError escaped as 500s; uWSGI passed ``GARBAGE`` to
the app with no REQUEST_METHOD.
"""

from __future__ import annotations

import json

import pytest

from tests.reliability.support import exchange, is_html, request

SERVER = json.dumps({"server": {"name": "framing-probe"}}).encode()
JSON = {"Content-Type": "application/json"}
# Where a server's wsgi.input cannot tell a truncated chunked body from a whole one, chunked is refused (411).
CHUNKED_STATUS = {"granian": 411, "gunicorn": 400, "uwsgi": 411}


def servers_named(port: int, name: str) -> int:
    answer = exchange(port, request("GET", "/servers"))
    assert answer.status == 200, answer
    return sum(1 for s in answer.json()["servers"] if s["name"] == name)


def assert_fault(answer, status: int) -> None:
    assert answer.status == status, answer
    assert not is_html(answer), answer
    body = answer.json()
    assert body[next(iter(body))]["code"] == status  # the compute API's nova style: {"badRequest": {...}}


def test_a_body_shorter_than_its_content_length_is_400_naming_it_and_nothing_is_created(compute):
    head = request("POST", "/servers", headers={**JSON, "Content-Length": str(len(SERVER) + 100)})
    answer = exchange(compute.port, head + SERVER, half_close=True)
    assert_fault(answer, 400)
    assert "Content-Length" in answer.json()["badRequest"]["message"]
    assert servers_named(compute.port, "framing-probe") == 0


def test_a_whole_body_is_still_served(compute):
    answer = exchange(compute.port, request("POST", "/servers", SERVER, headers=JSON))
    assert answer.status == 202, answer
    assert answer.json()["server"]["name"] == "framing-probe"


@pytest.mark.parametrize("size_line", [b"zz", b"-5", b"5 5", b""])
def test_a_malformed_chunk_size_never_reaches_the_handler(compute, size_line):
    head = request("POST", "/servers", headers={**JSON, "Transfer-Encoding": "chunked"}, host="127.0.0.1")
    answer = exchange(compute.port, head + size_line + b"\r\n" + SERVER + b"\r\n0\r\n\r\n", half_close=True)
    assert_fault(answer, CHUNKED_STATUS[compute.server])


def test_a_chunked_body_cut_short_never_reaches_the_handler_and_nothing_is_created(compute):
    before = servers_named(compute.port, "chunk-probe")
    body = json.dumps({"server": {"name": "chunk-probe"}}).encode()
    head = request("POST", "/servers", headers={**JSON, "Transfer-Encoding": "chunked"})
    answer = exchange(compute.port, head + b"%x\r\n" % (len(body) + 10) + body, half_close=True)
    assert_fault(answer, CHUNKED_STATUS[compute.server])
    assert servers_named(compute.port, "chunk-probe") == before


def test_a_chunked_body_without_its_last_chunk_never_reaches_the_handler(compute):
    body = json.dumps({"server": {"name": "chunk-probe"}}).encode()
    head = request("POST", "/servers", headers={**JSON, "Transfer-Encoding": "chunked"})
    answer = exchange(compute.port, head + b"%x\r\n" % len(body) + body + b"\r\n", half_close=True)
    assert_fault(answer, CHUNKED_STATUS[compute.server])
    assert servers_named(compute.port, "chunk-probe") == 0


def test_a_whole_chunked_body_is_served_where_the_server_can_frame_it(compute):
    if CHUNKED_STATUS[compute.server] != 400:
        pytest.skip(f"{compute.server} refuses chunked bodies (411): docs/serving.md")
    body = json.dumps({"server": {"name": "chunked-ok"}}).encode()
    head = request("POST", "/servers", headers={**JSON, "Transfer-Encoding": "chunked"})
    answer = exchange(compute.port, head + b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n")
    assert answer.status == 202, answer


def test_content_length_and_transfer_encoding_together_are_400(compute):
    head = request("POST", "/servers", headers={**JSON, "Transfer-Encoding": "chunked",
                                                 "Content-Length": str(len(SERVER))})
    answer = exchange(compute.port, head + SERVER)
    # granian's parser keeps Transfer-Encoding alone (RFC 9112 6.3), which it refuses as chunked (411).
    assert answer.status in (400, CHUNKED_STATUS[compute.server]), answer
    assert not is_html(answer)


def test_a_request_line_without_a_method_is_400_not_a_server_error(compute):
    answer = exchange(compute.port, b"GARBAGE\r\n\r\n")
    assert answer.status == 400, answer
    assert not is_html(answer)


def test_a_content_length_that_is_not_a_number_is_400(compute):
    head = request("POST", "/servers", headers={**JSON, "Content-Length": "12abc"})
    answer = exchange(compute.port, head + SERVER)
    assert answer.status == 400, answer
    assert not is_html(answer)
