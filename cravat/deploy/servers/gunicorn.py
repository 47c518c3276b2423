"""Serving on gunicorn, with its threaded worker (``gthread``): ``--server gunicorn``.

The worker is :class:`cravat.deploy.servers.gunicorn_worker.CravatThreadWorker`:
gthread, except that each request is read whole (within ``header_timeout``
and ``body_timeout``) before a thread takes it, and faults are in the app's
style.

Embedded through ``gunicorn.app.base.BaseApplication``: no config file and no
gunicorn command line are read, only :class:`ServeOptions`. Signals, handled
by gunicorn's arbiter:

- SIGTERM: each worker refuses new connections (queued ones are still
  served), answers with ``Connection: close``, finishes the requests it has
  and exits, running the app's shutdown hooks; a worker still busy after
  ``graceful_timeout`` is killed.
- SIGHUP: the app is checked first (:func:`check_source`); if it does not
  load, the error is logged and the workers go on serving. Otherwise new
  workers start (each building the app from its source again), then the old
  ones stop gracefully.
- SIGINT, SIGQUIT: quick shutdown, as gunicorn does.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from gunicorn.app.base import BaseApplication
from gunicorn.arbiter import Arbiter

from cravat.deploy.loading import LoadError
from cravat.deploy.server import ServeOptions, check_source, load_guarded
from cravat.deploy.servers.gunicorn_worker import configure, refuse_listeners
from cravat.types import WSGIApp


class CravatApplication(BaseApplication):
    """gunicorn's application: settings from ``options``, the app built in each worker."""

    def __init__(self, options: ServeOptions) -> None:
        self.options = options
        super().__init__(prog="cravat serve")

    def settings(self) -> dict[str, Any]:
        """The gunicorn settings ``options`` stands for."""
        options = self.options
        return {
            "bind": [options.address],
            "workers": options.workers,
            "worker_class": configure((options.header_timeout, options.body_timeout, options.max_head_size,
                                       options.max_body_size)),
            "threads": options.threads,
            "keepalive": max(1, round(options.keepalive_timeout)),
            # Connections a worker holds (slow ones included, until their deadline); gunicorn's default is 1000.
            "worker_connections": 16384,
            "graceful_timeout": options.graceful_timeout,
            "proc_name": f"cravat {options.source.describe()}",
            "loglevel": logging.getLevelName(logging.getLogger().getEffectiveLevel()).lower(),
            # Not preloaded: each worker builds the app, so SIGHUP serves the paste file as it is now.
            "preload_app": False,
        }

    def load_config(self) -> None:
        for key, value in self.settings().items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApp:
        return load_guarded(self.options.source, self.options.guard_options(connection_close=True))

    def run(self) -> None:
        # BaseApplication.run, with the arbiter below.
        try:
            _Arbiter(self).run()
        except RuntimeError as exc:
            print(f"\nError: {exc}\n", file=sys.stderr, flush=True)
            sys.exit(1)


class _Arbiter(Arbiter):
    """gunicorn's arbiter, checking the app before it acts on SIGHUP."""

    def handle_hup(self) -> None:
        try:
            check_source(self.app.options.source)
        except LoadError as exc:
            self.log.error("SIGHUP: not reloading, the workers go on serving the app they have: %s", exc)
            return
        super().handle_hup()

    def stop(self, graceful: bool = True) -> None:
        if graceful:
            refuse_listeners(self.LISTENERS)
        super().stop(graceful)


def run(options: ServeOptions, app: WSGIApp | None = None) -> int:
    CravatApplication(options).run()
    return 0
