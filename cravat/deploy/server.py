"""Serving an application on a production server: what to serve, where, with how many workers.

``cravat serve`` builds a :class:`ServeOptions` and calls :func:`serve`, which
checks everything that can be checked before a worker starts (the app loads,
the address is free) and hands over to the chosen server's adapter in
:mod:`cravat.deploy.servers`::

    >>> serve(ServeOptions(AppSource.from_paste("etc/api-paste.ini", "noauth"), "127.0.0.1", 9311))
    ... # granian, 1 worker x 8 threads, until SIGTERM; returns the exit status

The app is built first in a forked child process (:func:`check_source`), only
to fail early with a message naming the file, the section and the reason.
The main process imports none of the app and builds nothing of it: each
worker builds its own, so nothing made while building (connections, threads)
is shared across a fork, and a reload (SIGHUP) picks up a changed paste file
and changed code. Each adapter runs the same check before a reload, so a
broken file is logged and the running workers go on serving.
"""

from __future__ import annotations

import ctypes
import errno
import importlib
import json
import os
import signal
import socket
import sys
from dataclasses import dataclass

from cravat.api.app import API
from cravat.api.lifecycle import collecting, start_all
from cravat.deploy.admission import Admission
from cravat.deploy.guard import BodyReader, GuardOptions, ServingGuard
from cravat.deploy.loading import LoadError, load_object
from cravat.deploy.pasteload import PasteLoadError, load_paste_app
from cravat.http.hosts import AllowedHosts, TrustedProxies
from cravat.types import WSGIApp

#: Server name -> the adapter module; each has ``run(options, app) -> exit status``.
SERVERS = {
    "granian": "cravat.deploy.servers.granian",
    "gunicorn": "cravat.deploy.servers.gunicorn",
    "uwsgi": "cravat.deploy.servers.uwsgi",
    "dev": "cravat.deploy.servers.dev",
}
#: The fastest under bench/server.py (docs/benchmarks.md, "Serving"); it drains on SIGTERM, reloads on SIGHUP.
DEFAULT_SERVER = "granian"

#: One format for cravat's, the app's and the server's log lines, on stderr.
LOG_FORMAT = "%(asctime)s %(process)d %(levelname)s %(name)s %(message)s"


class ServeError(Exception):
    """The server cannot start (address in use, server not installed); the message says why."""


@dataclass(frozen=True)
class AppSource:
    """What to serve: the application ``name`` of a paste file, or a ``module:attribute``.

    It is plain data, so a worker in another process (or uWSGI, through an
    environment variable) can load the same application again.
    """

    paste: str | None = None
    name: str = "main"
    spec: str | None = None

    @classmethod
    def from_paste(cls, path: str, name: str = "main") -> AppSource:
        # Absolute, so a worker whose current directory differs loads the same file.
        return cls(paste=os.path.abspath(path), name=name)

    @classmethod
    def from_spec(cls, spec: str) -> AppSource:
        return cls(spec=spec)

    def load(self) -> WSGIApp:
        """Build the application; ``PasteLoadError`` or ``LoadError`` say what was wrong."""
        if self.paste is not None:
            return load_paste_app(self.paste, name=self.name)
        assert self.spec is not None
        app = load_object(self.spec)
        if not callable(app):
            raise LoadError(f"{self.spec} is a {type(app).__name__}, not a WSGI application")
        if isinstance(app, API):
            app.compile()  # a route conflict or an unbound argument stops the start, not the first request
        return app

    def describe(self) -> str:
        """``etc/api-paste.ini#main`` or ``examples.compute:app``, for log lines and process titles."""
        return f"{self.paste}#{self.name}" if self.paste is not None else str(self.spec)

    def to_json(self) -> str:
        return json.dumps({"paste": self.paste, "name": self.name, "spec": self.spec})

    @classmethod
    def from_json(cls, text: str) -> AppSource:
        return cls(**json.loads(text))


@dataclass(frozen=True)
class ServeOptions:
    """Everything ``cravat serve`` was told: the app, the address, the server and its concurrency.

    Concurrency is ``workers`` processes of ``threads`` threads each: a request
    that blocks (on a database, on another service) holds one thread, as it
    held one green thread of an eventlet pool.
    """

    source: AppSource
    host: str
    port: int
    server: str = DEFAULT_SERVER
    workers: int = 1
    threads: int = 8
    #: Seconds a worker has, after SIGTERM or SIGHUP, to finish the requests it accepted.
    graceful_timeout: int = 30
    #: granian: threads beyond ``threads`` for requests whose body is still arriving (None: 4 x threads);
    #: a request with a body beyond them is 503 at once. Each costs throughput under many connections.
    body_threads: int | None = None
    #: Seconds a client has to send a request's head (request line and headers).
    header_timeout: float = 10.0
    #: Seconds a client has to send a request's body, from its first byte; then 408.
    body_timeout: float = 30.0
    #: Seconds an idle keep-alive connection is kept open.
    keepalive_timeout: float = 5.0
    #: Request bodies over this many bytes are 413 before they are read.
    max_body_size: int = 1024 * 1024
    #: Request heads (request line and headers) over this many bytes are refused.
    max_head_size: int = 65536
    #: Host names served (``*.example.com`` for subdomains); empty: any valid host.
    allowed_hosts: tuple[str, ...] = ()
    #: Peers whose X-Forwarded-* and Forwarded headers are believed.
    trusted_proxies: tuple[str, ...] = ()
    #: Build links from this URL instead of the request's Host and scheme.
    public_endpoint: str | None = None
    #: The style of the faults the server answers itself; None: the app's own.
    error_style: str | None = None

    def __post_init__(self) -> None:
        if self.body_threads is None:
            object.__setattr__(self, "body_threads", 4 * self.threads)
        self.guard_options()  # a bad public endpoint, proxy or host is an error before anything starts
        for name in ("header_timeout", "body_timeout", "keepalive_timeout"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be > 0, not {getattr(self, name)}")

    def guard_options(self, **server: object) -> GuardOptions:
        """The :class:`GuardOptions` these options stand for; ``server`` adds what the server needs."""
        AllowedHosts.of(self.allowed_hosts)
        TrustedProxies.of(self.trusted_proxies)
        return GuardOptions(max_body_size=self.max_body_size, body_timeout=self.body_timeout,
                            allowed_hosts=self.allowed_hosts, trusted_proxies=self.trusted_proxies,
                            public_endpoint=self.public_endpoint, error_style=self.error_style, server_scheme="http",
                            **server)  # type: ignore[arg-type]

    @property
    def address(self) -> str:
        return format_address(self.host, self.port)

    @property
    def url(self) -> str:
        return f"http://{self.address}/"


def load_guarded(source: AppSource, options: GuardOptions, *, reader: BodyReader | None = None,
                 admission: Admission | None = None) -> ServingGuard:
    """Build the app as a worker does: inside :func:`collecting`, behind the guard, lifecycles started.

    The lifecycles are on the guard (``guard.lifecycles``), for the server to
    stop when the worker stops. A start-up hook that fails raises here, and
    the worker does not serve.
    """
    with collecting() as lifecycles:
        app = source.load()
    start_all(lifecycles)
    guard = ServingGuard(app, options, reader=reader, admission=admission)
    guard.lifecycles = lifecycles
    return guard


def serve(options: ServeOptions) -> int:
    """Check the app and the address, then run the server until it stops; the exit status."""
    return run(options, check(options))


def check(options: ServeOptions) -> WSGIApp | None:
    """Everything that can fail before a worker starts; the app for the dev server, else None.

    Raises ``PasteLoadError``/``LoadError`` for an app that does not load and
    :class:`ServeError` for an address in use or a server that is not installed.
    """
    _adapter(options.server)
    if options.server == "dev":
        app = load_guarded(options.source, options.guard_options())  # the dev server serves it from this process
    else:
        check_source(options.source)
        app = None
    check_bind(options.host, options.port)
    return app


def check_source(source: AppSource) -> None:
    """Build the app in a forked child process; raise ``LoadError`` with its message if that failed.

    In a child, so this process imports none of the app's modules and keeps
    nothing it made: workers forked later import and build it afresh. Where
    there is no fork, the app is built here and dropped.
    """
    if not hasattr(os, "fork"):
        source.load()
        return
    read_end, write_end = os.pipe()
    pid = os.fork()
    if pid == 0:
        _check_in_child(source, read_end, write_end)
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        message = pipe.read().decode("utf-8", "replace")
    _, status = os.waitpid(pid, 0)
    if status != 0:
        raise LoadError(message or f"{source.describe()}: building the app killed its process (status {status})")


def _check_in_child(source: AppSource, read_end: int, write_end: int) -> None:
    status = 0
    try:
        os.close(read_end)
        source.load()
    except BaseException as exc:  # whatever it was, the parent reports it; this process only exits
        status = 2
        known = isinstance(exc, (LoadError, PasteLoadError))
        message = str(exc) if known else f"{source.describe()}: {type(exc).__name__}: {exc}"
        os.write(write_end, message.encode("utf-8", "replace"))
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        # Not sys.exit: the parent's atexit handlers and finally blocks are not this process's to run.
        os._exit(status)


def run(options: ServeOptions, app: WSGIApp | None) -> int:
    """Run the server :func:`check` approved until it stops; the exit status."""
    return _adapter(options.server).run(options, app)


def _adapter(server: str):
    if server not in SERVERS:
        raise ServeError(f"unknown server {server!r}; choose one of {', '.join(SERVERS)}")
    try:
        return importlib.import_module(SERVERS[server])
    except ImportError as exc:
        raise ServeError(f"the {server} server cannot be used: {exc}") from exc


def check_bind(host: str, port: int) -> None:
    """Raise :class:`ServeError` unless ``host:port`` can be listened on now.

    The servers would find out too, but late and loudly: gunicorn retries for
    five seconds, granian panics in Rust. A probe says it in one line.
    """
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        raise ServeError(f"cannot listen on {format_address(host, port)}: {exc.strerror}") from None
    family, type_, proto, _, sockaddr = infos[0]
    with socket.socket(family, type_, proto) as probe:
        # As the servers do: a port left in TIME_WAIT by a previous run is free.
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(sockaddr)
        except OSError as exc:
            why = "the address is already in use" if exc.errno == errno.EADDRINUSE else exc.strerror or str(exc)
            raise ServeError(f"cannot listen on {format_address(host, port)}: {why}") from None


def format_address(host: str, port: int) -> str:
    """``host:port``, with an IPv6 host in brackets: ``[::1]:8774``."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def exit_with_parent(parent_pid: int, signum: int = signal.SIGTERM) -> None:
    """Have Linux send this process ``signum`` when its parent dies; if it already has, now.

    A server's workers should not go on serving once the process that
    supervises them was killed with SIGKILL; granian's workers and uWSGI's
    master otherwise do. Elsewhere than Linux this does nothing.
    """
    if sys.platform != "linux":
        return
    pr_set_pdeathsig = 1
    ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signum)
    if os.getppid() != parent_pid:  # it died before the request took effect
        os.kill(os.getpid(), signum)
