"""Serving on granian (Rust HTTP, WSGI interface): the default server.

Each worker process runs granian's Rust HTTP runtime, which hands requests
to a pool of ``threads`` Python threads. Signals, handled by granian's main
process:

- SIGTERM or SIGINT: every worker stops accepting, finishes the requests it
  accepted, and exits; a worker still busy after ``graceful_timeout`` is killed.
- SIGHUP: the app is checked first (:func:`check_source`); if it does not
  load, the error is logged and the workers go on serving. Otherwise workers
  are replaced one by one: a new worker starts (building the app from its
  source again), then the old one drains and stops.
"""

from __future__ import annotations

import functools
import logging
import os
import signal

from granian import Granian

from cravat.deploy.loading import LoadError
from cravat.deploy.server import LOG_FORMAT, AppSource, ServeOptions, check_source, exit_with_parent
from cravat.types import WSGIApp

LOG = logging.getLogger(__name__)

#: Seconds a new worker has to build the app, on SIGHUP, before the one it replaces is stopped.
RESPAWN_INTERVAL = 2.0


class _Server(Granian):
    """granian's server, checking the app before it acts on SIGHUP."""

    source: AppSource

    def signal_handler_reload(self, *args: object, **kwargs: object) -> None:
        try:
            check_source(self.source)
        except LoadError as exc:
            LOG.error("SIGHUP: not reloading, the workers go on serving the app they have: %s", exc)
            return
        super().signal_handler_reload(*args, **kwargs)


def run(options: ServeOptions, app: WSGIApp | None = None) -> int:
    server = _Server(
        options.source.describe(),
        address=options.host,
        port=options.port,
        interface="wsgi",
        workers=options.workers,
        blocking_threads=options.threads,
        workers_kill_timeout=options.graceful_timeout,
        respawn_interval=RESPAWN_INTERVAL,
        log_level=_level(),
        log_dictconfig=_logging_config(),
    )
    server.source = options.source
    # The loader runs in each worker; a partial of plain data survives a 'spawn' start as well as a fork.
    server.serve(target_loader=functools.partial(_load_in_worker, options.source, os.getpid()), wrap_loader=False)
    return 0


def _load_in_worker(source: AppSource, main_pid: int) -> WSGIApp:
    # The worker inherits the main process's SIGTERM handler, which does nothing useful here and
    # would swallow a SIGTERM sent before granian installs the worker's own: until then, just die.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    exit_with_parent(main_pid)
    return source.load()


def _level() -> str:
    return logging.getLevelName(logging.getLogger().getEffectiveLevel()).lower()


def _logging_config() -> dict:
    """granian's loggers through one stderr handler in cravat's format, in the main process and each worker."""
    return {
        "formatters": {"cravat": {"format": LOG_FORMAT}},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "formatter": "cravat", "stream": "ext://sys.stderr"}},
        "root": {"handlers": ["stderr"], "level": _level().upper()},
        "loggers": {
            "_granian": {"handlers": [], "propagate": True},
            "granian.access": {"handlers": [], "propagate": True},
        },
    }
