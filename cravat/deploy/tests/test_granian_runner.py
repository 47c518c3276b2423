"""cravat's granian runner, driven as granian drives it (a protocol object and the request's environ)."""

from __future__ import annotations

import gc
import io
import threading
import time
import weakref

from cravat.deploy.admission import Admission
from cravat.deploy.guard import GuardOptions, ServingGuard
from cravat.deploy.servers.granian import _Runner


class Proto:
    """granian's protocol object: the answer it was given."""

    def __init__(self) -> None:
        self.answers: list[tuple[int, bytes]] = []

    def response_bytes(self, status, headers, body):
        self.answers.append((status, body))


def echo(environ, start_response):
    body = environ["wsgi.input"].read()
    start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", str(len(body)))])
    return [body]


def post(runner: _Runner, body: bytes) -> Proto:
    proto = Proto()
    scope = {"REQUEST_METHOD": "POST", "PATH_INFO": "/", "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1",
             "HTTP_HOST": "127.0.0.1:9311", "CONTENT_LENGTH": str(len(body)), "CONTENT_TYPE": "text/plain",
             "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "REMOTE_ADDR": "127.0.0.1"}
    runner(proto, scope)
    return proto


def test_a_served_body_is_not_kept_until_its_deadline():
    # Each request with a body waits in the deadline heap until its body deadline (30 s), answered or not.
    # It held the request's environ, and so its body, all that time: the memory of 30 s of POSTs.
    guard = ServingGuard(echo, GuardOptions())
    guard.body_threads = 4
    runner = _Runner(guard, None, {})
    body = b"x" * 4096
    watched = weakref.ref(proto := post(runner, body))
    assert proto.answers == [(200, body)]
    del proto, body
    gc.collect()
    assert len(runner.deadlines._heap) == 1  # its deadline is still to come
    assert watched() is None
    assert runner.deadlines._heap[0].environ is None


def test_a_request_whose_body_is_whole_no_longer_counts_against_the_body_threads():
    # A request was counted as reading its body until it was answered, its wait for an admission slot and
    # the app's work included: with one slot and one body thread, a second POST while the first ran was a
    # 503 "Too many request bodies", though neither client was slow (8 clients storing secrets on a
    # `--threads 1` key manager: 10,735 of them refused in 5 s).
    running, leave = threading.Event(), threading.Event()

    def held(environ, start_response):
        running.set()
        leave.wait(10)
        return echo(environ, start_response)

    guard = ServingGuard(held, GuardOptions(), admission=Admission(1))
    guard.body_threads = 1
    runner = _Runner(guard, None, {})
    first = threading.Thread(target=post, args=(runner, b"first"))
    first.start()
    assert running.wait(5)
    answers = []
    second = threading.Thread(target=lambda: answers.append(post(runner, b"second").answers))
    second.start()
    deadline = time.monotonic() + 5
    while not answers and not guard.admission._waiting:  # refused at once, or waiting for the slot
        assert time.monotonic() < deadline
        time.sleep(0.001)
    leave.set()
    first.join(10)
    second.join(10)
    assert answers == [[(200, b"second")]]
