"""Fixtures for the functional tests: a real HTTP server and a standard-library client.

Each test module builds its own small API and serves it once for the module:

    @pytest.fixture(scope="module")
    def client(serve):
        return serve(build_api())

    def test_ping(client):
        assert client.get("/ping").json() == {"ping": "pong"}

The client is ``http.client`` on a fresh connection per request (the
development server speaks HTTP/1.0, one request per connection), so a test
controls the method, the raw body, every header and the Content-Type exactly.
"""

from __future__ import annotations

import http.client
import json as jsonlib
import os
import socket
import tempfile
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from cravat.deploy.devserver import BackgroundServer
from cravat.types import WSGIApp

#: Every wait on the network is bounded by this many seconds.
TIMEOUT = 5.0

# Specs that passed openapi-spec-validator are remembered there: a cache of this run's own, for its processes too.
os.environ["CRAVAT_CACHE_DIR"] = tempfile.mkdtemp(prefix="cravat-test-cache-")

_NO_JSON = object()


@dataclass
class Response:
    """What came back: status, headers (case-insensitive lookups) and the raw body."""

    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    @property
    def request_id(self) -> str | None:
        return self.headers.get("x-openstack-request-id")


class Client:
    """An HTTP client for one server, built on ``http.client``.

    ``json=`` encodes a body and sets ``Content-Type: application/json``;
    ``body=`` sends bytes exactly as given, with only the headers passed (an
    iterable of bytes is sent chunked).
    """

    def __init__(self, base_url: str) -> None:
        parts = urlsplit(base_url)
        assert parts.hostname == "127.0.0.1", base_url
        self.base_url = base_url
        self.host = parts.hostname
        self.port = parts.port

    def request(self, method: str, path: str, *, body: bytes | str | Iterable[bytes] | None = None,
                json: Any = _NO_JSON, headers: dict[str, str] | None = None) -> Response:
        headers = dict(headers or {})
        if json is not _NO_JSON:
            body = jsonlib.dumps(json).encode("utf-8")
            headers.setdefault("Content-Type", "application/json")
        conn = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            return Response(response.status, response.reason, response.headers, response.read())
        finally:
            conn.close()

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def head(self, path: str, **kw: Any) -> Response:
        return self.request("HEAD", path, **kw)

    def options(self, path: str, **kw: Any) -> Response:
        return self.request("OPTIONS", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        return self.request("DELETE", path, **kw)

    def raw(self, request: bytes) -> bytes:
        """Send ``request`` as bytes and return every byte the server sends until it closes.

        For what ``http.client`` hides: it never reads a body after HEAD, so
        only the raw stream shows whether the server sent one.
        """
        with socket.create_connection((self.host, self.port), timeout=TIMEOUT) as sock:
            sock.sendall(request)
            chunks = []
            while chunk := sock.recv(65536):
                chunks.append(chunk)
        return b"".join(chunks)


class ServerPool:
    """Real servers on 127.0.0.1, started on demand and all stopped at the end of the session.

    They stop together: each takes up to its poll interval (half a second) to
    notice a shutdown, which one at a time would be most of the suite's time.
    """

    def __init__(self) -> None:
        self._servers: list[BackgroundServer] = []

    def __call__(self, app: WSGIApp) -> Client:
        server = BackgroundServer(app, host="127.0.0.1")
        url = server.__enter__()
        self._servers.append(server)
        return Client(url)

    def close(self) -> None:
        stoppers = [threading.Thread(target=server.__exit__, args=(None, None, None))
                    for server in self._servers]
        for stopper in stoppers:
            stopper.start()
        for stopper in stoppers:
            stopper.join(timeout=TIMEOUT)


@pytest.fixture(scope="session")
def serve() -> Iterator[ServerPool]:
    """``serve(app)`` runs ``app`` on a real server on 127.0.0.1 and returns a ``Client`` for it."""
    pool = ServerPool()
    yield pool
    pool.close()
