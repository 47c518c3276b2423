"""A small threaded HTTP server from the standard library, for examples and tests.

It is a real HTTP server on a real socket (wsgiref: HTTP/1.0, one request per
connection, a thread each). It is not a production server; it runs any WSGI
app with nothing to install, which is what examples and functional tests need.
"""

from __future__ import annotations

import logging
import socket
import socketserver
import threading
from typing import Any
from wsgiref.simple_server import ServerHandler, WSGIRequestHandler, WSGIServer

from cravat.types import WSGIApp

LOG = logging.getLogger(__name__)


class _ServerHandler(ServerHandler):
    def cleanup_headers(self) -> None:
        super().cleanup_headers()
        # wsgiref adds "Content-Length: 0" to every empty answer; RFC 9110 forbids it on 204 and 304.
        if self.status[:3] in ("204", "304"):
            del self.headers["Content-Length"]


class _Handler(WSGIRequestHandler):
    def get_environ(self) -> dict[str, Any]:
        environ = super().get_environ()
        # wsgiref fills in "text/plain" for a request without Content-Type; the app must see none.
        if self.headers.get("Content-Type") is None:
            environ.pop("CONTENT_TYPE", None)
        return environ

    def handle(self) -> None:
        # wsgiref's own handle(), with the ServerHandler above.
        self.raw_requestline = self.rfile.readline(65537)
        if len(self.raw_requestline) > 65536:
            self.requestline = self.request_version = self.command = ""
            self.send_error(414)
            return
        if not self.parse_request():
            return
        handler = _ServerHandler(self.rfile, self.wfile, self.get_stderr(), self.get_environ(), multithread=False)
        handler.request_handler = self
        handler.run(self.server.get_app())

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        LOG.info("%s %s", self.address_string(), format % args)


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        """Close with a linger: answering before reading a whole body (411, 413) must not lose the answer.

        Closing a socket with unread input makes the kernel reset the
        connection, and the client may lose the answer it had not read yet.
        So stop writing, drain what the client still sends (bounded in bytes
        and time), then close, as Apache's lingering close does.
        """
        try:
            request.shutdown(socket.SHUT_WR)
            request.settimeout(_LINGER_SECONDS)
            drained = 0
            while drained < _LINGER_BYTES:
                chunk = request.recv(65536)
                if not chunk:
                    break
                drained += len(chunk)
        except OSError:
            pass
        self.close_request(request)


_LINGER_SECONDS = 1.0
_LINGER_BYTES = 1 << 20


def make_server(app: WSGIApp, host: str = "127.0.0.1", port: int = 0, timeout: float | None = None
                ) -> ThreadingWSGIServer:
    """A server bound to ``host:port`` (port 0 picks a free one: read ``server.server_port``).

    With ``timeout``, each read from a client waits at most that many seconds.
    """
    handler = _Handler if timeout is None else type("_TimedHandler", (_Handler,), {"timeout": timeout})
    server = ThreadingWSGIServer((host, port), handler)
    server.set_app(app)
    return server


class BackgroundServer:
    """A server on a thread, for tests: ``with BackgroundServer(app) as url: ...``."""

    def __init__(self, app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> None:
        self.server = make_server(app, host, port)
        self.url = f"http://{host}:{self.server.server_port}"
        self._thread = threading.Thread(target=self.server.serve_forever, name="cravat-devserver", daemon=True)

    def __enter__(self) -> str:
        self._thread.start()
        return self.url

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()
        self._thread.join(timeout=5)
