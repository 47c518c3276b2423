"""cravat's granian runner, driven as granian drives it (a protocol object and the request's environ)."""

from __future__ import annotations

import gc
import io
import weakref

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
