"""Serving on uWSGI: ``--server uwsgi`` runs the ``uwsgi`` binary under this process.

uWSGI has no Python API to embed; it is a C program that embeds Python. So
``cravat serve`` checks the app and the address, then starts ``uwsgi`` with
the arguments :func:`uwsgi_args` derives from :class:`ServeOptions`; each
worker loads the app through :mod:`cravat.deploy.servers.uwsgi_app`, which
reads its source from ``$CRAVAT_SERVE_APP``.

It is optional: ``pip install 'cravat[uwsgi]'`` compiles it (a C compiler
and Python's headers are needed). Signals go to ``cravat serve``, which
passes them on to uWSGI's master:

- SIGTERM or SIGINT: cravat first makes the listening socket, which it
  created and handed to uWSGI (``--http-socket fd://N``), refuse new
  connections (:mod:`cravat.deploy.listeners`), lets the workers accept
  what is queued (at least :data:`STOP_LINGER` seconds, until the accept
  queue is empty or :data:`QUEUE_WAIT` more have passed), then asks for uWSGI's
  graceful shutdown (``gracefully_kill_them_all``): workers finish the
  requests they accepted and exit. uWSGI 2.0 waits for them without limit,
  so after ``graceful_timeout`` cravat kills uWSGI's process group.
- SIGHUP: the app is checked first (:func:`check_source`); if it does not
  load, the error is logged and uWSGI is not told. Otherwise a graceful
  reload: workers finish their requests, the master re-execs and new workers
  build the app again.
"""

from __future__ import annotations

import dataclasses
import functools
import json
import logging
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from cravat.deploy.listeners import refuse_new_connections
from cravat.deploy.loading import LoadError
from cravat.deploy.server import AppSource, ServeError, ServeOptions, check_source, exit_with_parent
from cravat.types import WSGIApp

LOG = logging.getLogger(__name__)

#: The environment variables that hand the app's source and the guard's options to the workers.
SOURCE_VARIABLE = "CRAVAT_SERVE_APP"
GUARD_VARIABLE = "CRAVAT_SERVE_GUARD"
#: Seconds between refusing new connections and asking uWSGI to stop, for its workers to take the queued ones.
STOP_LINGER = 0.5
#: Seconds past STOP_LINGER to wait for the workers to empty the accept queue before uWSGI is told to stop.
QUEUE_WAIT = 5.0
#: uWSGI's largest request head (its --buffer-size is a 16-bit field of its protocol).
MAX_BUFFER_SIZE = 65535


def run(options: ServeOptions, app: WSGIApp | None = None) -> int:
    binary = find_uwsgi()
    # uWSGI's http-socket hands a chunked body to the app as an empty one: the guard refuses it (411).
    guard = options.guard_options(connection_close=True, chunked_input=False, close_every_connection=True)
    env = dict(os.environ, **{SOURCE_VARIABLE: options.source.to_json(),
                              GUARD_VARIABLE: json.dumps(dataclasses.asdict(guard))})
    # Its own process group: the kill after the graceful timeout must reach the workers, which
    # outlive a killed master while a request runs; and a terminal's Ctrl-C reaches only cravat,
    # which makes it a graceful stop. If cravat is killed, uWSGI gets its brutal shutdown (SIGINT):
    # with no one left to bound a graceful one, that can hang on a worker still starting.
    # cravat listens and hands the socket over: it can then refuse new connections at a stop (see _supervise).
    listener = socket.create_server((options.host, options.port), family=_family(options.host), backlog=1024)
    listener.set_inheritable(True)
    args = uwsgi_args(options, listener_fd=listener.fileno())
    master = subprocess.Popen([binary, *args], env=env, process_group=0, pass_fds=(listener.fileno(),),
                              preexec_fn=functools.partial(exit_with_parent, os.getpid(), signal.SIGINT))
    try:
        return _supervise(master, options.source, options.graceful_timeout, listener)
    finally:
        listener.close()


def _family(host: str) -> socket.AddressFamily:
    return socket.AF_INET6 if ":" in host else socket.AF_INET


def _supervise(master: subprocess.Popen, source: AppSource, graceful_timeout: float,
               listener: socket.socket | None = None) -> int:
    """Pass SIGTERM, SIGINT and SIGHUP on to uWSGI, and bound the graceful stop; the exit status."""
    stop_by: list[float] = []
    term_at: list[float] = []

    def stop(signum: int, frame: object) -> None:
        if not stop_by:
            stop_by.append(time.monotonic() + STOP_LINGER + graceful_timeout)
            if listener is not None and refuse_new_connections(listener):
                term_at.append(time.monotonic() + STOP_LINGER)
            else:
                master.send_signal(signal.SIGTERM)

    def reload(signum: int, frame: object) -> None:
        try:
            check_source(source)
        except LoadError as exc:
            LOG.error("SIGHUP: not reloading, the workers go on serving the app they have: %s", exc)
            return
        master.send_signal(signal.SIGHUP)

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGHUP, reload)
    while master.poll() is None:
        # uWSGI closes the listener at its stop, which resets what is still queued: it is told once its
        # workers have taken every queued connection (or after QUEUE_WAIT more, on a machine too busy).
        if term_at and time.monotonic() > term_at[0] and (
                not _has_queued(listener) or time.monotonic() > term_at[0] + QUEUE_WAIT):
            term_at.clear()
            master.send_signal(signal.SIGTERM)
        if stop_by and time.monotonic() > stop_by[0]:
            os.killpg(master.pid, signal.SIGKILL)
            master.wait()
            break
        time.sleep(0.1)
    return 0 if stop_by else master.returncode


def _has_queued(listener: socket.socket | None) -> bool:
    """Whether a connection waits in ``listener``'s accept queue (it is readable)."""
    if listener is None:
        return False
    readable, _, _ = select.select([listener], [], [], 0)
    return bool(readable)


def find_uwsgi() -> str:
    """The ``uwsgi`` beside this Python (built for it by pip), else the first on ``PATH``."""
    beside = Path(sys.executable).parent / "uwsgi"
    found = str(beside) if beside.exists() else shutil.which("uwsgi")
    if not found:
        raise ServeError("uWSGI is not installed: pip install 'cravat[uwsgi]' (it compiles; needs a C compiler)")
    return found


def uwsgi_args(options: ServeOptions, cwd: str | None = None, listener_fd: int | None = None) -> list[str]:
    """The ``uwsgi`` command line for ``options`` (without the program name); ``listener_fd``: a socket to use."""
    grace = str(options.graceful_timeout)
    return [
        "--strict",  # an unknown option is an error, not a warning
        "--master",
        "--http-socket", options.address if listener_fd is None else f"fd://{listener_fd}",
        "--processes", str(options.workers),
        "--threads", str(options.threads),
        "--enable-threads",
        # Each worker builds the app after the fork, and again on reload.
        "--lazy-apps",
        "--need-app",
        "--single-interpreter",
        "--chdir", cwd or os.getcwd(),
        "--virtualenv", sys.prefix,
        "--module", "cravat.deploy.servers.uwsgi_app:application",
        # uWSGI's SIGTERM is a brutal reload by default; this makes it a graceful shutdown.
        "--die-on-term",
        "--hook-master-start", "unix_signal:15 gracefully_kill_them_all",
        "--worker-reload-mercy", grace,
        "--reload-mercy", grace,
        "--disable-logging",  # no access log, like the other servers by default
        # Each read of a request's head or body waits at most this long; the guard bounds the whole body.
        "--socket-timeout", str(max(1, round(options.header_timeout))),
        # Request heads up to this size; a larger one would be dropped without an answer.
        "--buffer-size", str(min(options.max_head_size, MAX_BUFFER_SIZE)),
    ]
