"""Slow and stalled clients at ten times the thread count do not stop a server from answering others.

Found: 8 connections sending a body slowly (or never finishing it) stopped
granian, gunicorn and uWSGI (1 worker x 8 threads) from answering anyone,
and no server had a body-read deadline; 8 slowloris sockets blocked gunicorn
and uWSGI. No timing is asserted: a normal request must be answered at all,
within a generous deadline, while the slow clients still hold their sockets.

uWSGI reads heads and bodies on its app threads and has no way not to
(docs/serving.md): there the suite checks only the deadlines it has.
"""

from __future__ import annotations

import json
import time

import pytest

from tests.reliability.support import THREADS, Served, close_all, exchange, read_answer, request, slow_senders

SLOW = 10 * THREADS
BODY_HEAD = request("POST", "/servers", headers={"Content-Type": "application/json", "Content-Length": "200"})
PARTIAL_BODY = BODY_HEAD + b'{"server": {"na'
PARTIAL_HEAD = b"GET /ping HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "
ISOLATING = ["granian", "gunicorn"]  # the servers that keep slow clients off the app's threads


@pytest.fixture(scope="module", params=ISOLATING)
def patient(request):
    """A server with deadlines far longer than the test, so the slow clients are still there when it asks."""
    # granian: enough body threads for them (--body-threads, docs/serving.md); gunicorn ignores it.
    with Served(request.param, "--header-timeout", "60", "--body-timeout", "60",
                "--body-threads", str(SLOW + THREADS)) as served:
        yield served


def test_stalled_bodies_at_ten_times_the_threads_leave_others_answered(patient):
    socks = slow_senders(patient.port, SLOW, PARTIAL_BODY)
    try:
        time.sleep(0.5)
        assert exchange(patient.port, request("GET", "/ping"), timeout=10).status == 200
        create = request("POST", "/servers", json.dumps({"server": {"name": "while-slow"}}).encode(),
                         headers={"Content-Type": "application/json"})
        assert exchange(patient.port, create, timeout=10).status == 202
    finally:
        close_all(socks)


def test_slow_heads_at_ten_times_the_threads_leave_others_answered(patient):
    socks = slow_senders(patient.port, SLOW, PARTIAL_HEAD)
    try:
        time.sleep(0.5)
        assert exchange(patient.port, request("GET", "/ping"), timeout=10).status == 200
    finally:
        close_all(socks)


def test_a_body_trickling_a_byte_at_a_time_is_cut_at_the_deadline_with_408(compute):
    if compute.server == "uwsgi":
        pytest.skip("uWSGI's read of wsgi.input cannot be cut short: each byte renews its --socket-timeout")
    # Each byte resets a per-read timeout; only a deadline on the whole body ends this.
    sock = slow_senders(compute.port, 1, BODY_HEAD)[0]
    try:
        answer = None
        for _ in range(60):  # bounded: at most ~15 s of trickling
            try:
                sock.sendall(b" ")
            except OSError:
                break
            sock.settimeout(0.25)
            try:
                if sock.recv(1, 2):  # MSG_PEEK: an answer is waiting
                    break
            except TimeoutError:
                continue
            except OSError:
                break
        answer = read_answer(sock, timeout=10)
        assert answer.status == 408, answer
        assert answer.json()["computeFault"]["code"] == 408
    finally:
        close_all([sock])


def test_a_stalled_body_is_answered_408_in_the_apps_style(compute):
    sock = slow_senders(compute.port, 1, PARTIAL_BODY)[0]
    try:
        answer = read_answer(sock, timeout=15)  # the fixture's --body-timeout is 3 s
    finally:
        close_all([sock])
    assert answer.status == 408, answer
    assert answer.json() == {"computeFault": {"code": 408, "message": answer.json()["computeFault"]["message"]}}
    assert answer.closes


def test_a_stalled_head_is_closed_after_the_header_timeout(compute):
    sock = slow_senders(compute.port, 1, PARTIAL_HEAD)[0]
    try:
        answer = read_answer(sock, timeout=15)  # the fixture's --header-timeout is 3 s
    finally:
        close_all([sock])
    # granian closes without an answer (hyper's header timeout); gunicorn answers 408; uWSGI closes.
    assert answer.status in (None, 408), answer
    assert answer.error != "timeout", "the connection was still open after the header timeout"


def test_the_stalled_body_is_not_acted_on(compute):
    before = exchange(compute.port, request("GET", "/servers")).json()["servers"]
    sock = slow_senders(compute.port, 1, BODY_HEAD + json.dumps({"server": {"name": "stalled"}}).encode())[0]
    try:
        read_answer(sock, timeout=15)
    finally:
        close_all([sock])
    after = exchange(compute.port, request("GET", "/servers")).json()["servers"]
    assert [s for s in after if s["name"] == "stalled"] == [] and len(after) == len(before)
