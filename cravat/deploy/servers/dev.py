"""Serving on the standard-library development server: ``--server dev``.

One process and a thread per connection, HTTP/1.0; nothing to install. Each
read of a request waits at most ``header_timeout`` (the guard bounds the
whole body). It ignores ``workers``, ``threads`` and ``graceful_timeout``: SIGTERM stops it
without waiting for requests in flight, and it has no reload. For examples
and tests, not for production.
"""

from __future__ import annotations

import signal
import threading

from cravat.api.lifecycle import stop_all
from cravat.deploy.devserver import make_server
from cravat.deploy.server import ServeOptions
from cravat.types import WSGIApp


def run(options: ServeOptions, app: WSGIApp | None = None) -> int:
    assert app is not None, "the dev server serves the app cravat serve loaded"
    server = make_server(app, options.host, options.port, timeout=options.header_timeout)
    # shutdown() waits for serve_forever to return, so it must not run on the serving thread.
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown, daemon=True).start())
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
        stop_all(getattr(app, "lifecycles", []))
    return 0
