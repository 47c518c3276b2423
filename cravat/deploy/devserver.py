"""A small threaded HTTP server from the standard library, for examples and tests.

It is a real HTTP server on a real socket (wsgiref: HTTP/1.0, one request per
connection, a thread each). It is not a production server; it runs any WSGI
app with nothing to install, which is what examples and functional tests need.
"""

from __future__ import annotations

import logging
import socketserver
import threading
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer

from cravat.types import WSGIApp

LOG = logging.getLogger(__name__)


class _Handler(WSGIRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the base class's name
        LOG.info("%s %s", self.address_string(), format % args)


class ThreadingWSGIServer(socketserver.ThreadingMixIn, WSGIServer):
    daemon_threads = True
    allow_reuse_address = True


def make_server(app: WSGIApp, host: str = "127.0.0.1", port: int = 0) -> ThreadingWSGIServer:
    """A server bound to ``host:port`` (port 0 picks a free one: read ``server.server_port``)."""
    server = ThreadingWSGIServer((host, port), _Handler)
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
