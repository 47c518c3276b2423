"""Serving on granian (Rust HTTP, WSGI interface): the default server.

Each worker process runs granian's Rust HTTP runtime, which reads request
heads asynchronously (a slow head holds no thread; ``header_timeout`` ends
it) and hands each request to a thread of its pool, ``threads`` +
``body_threads`` large. The app runs in ``threads`` admission slots
(:class:`cravat.deploy.admission.Admission`), and only once a request's body
is whole (:class:`_Runner`): a thread waiting for a body holds no slot, at
most ``body_threads`` wait at once (a request with a body beyond them waits
:data:`BODY_THREAD_WAIT` for one if the newest of them began within it,
one such request at a time, else is 503 at once), and a body not whole within
``body_timeout`` is answered 408 by a deadline thread, through granian's
protocol object. So slow or stalled bodies hold no app thread. A request
that finds no room in the slots is left to the thread that frees one
(``Admission.run``), and its own thread waits in reserve rather than take
the next request from granian: the app's requests run on the threads that
are running already. granian offers nothing better: its
``wsgi.input`` cannot be read once the WSGI callable returned (it reads
empty), and a blocked read cannot be cut short.

Signals, handled by granian's main process:

- SIGTERM or SIGINT: each worker first refuses new connections (without
  resetting queued ones, :mod:`cravat.deploy.listeners`) and answers every
  request with ``Connection: close`` for :data:`STOP_LINGER` seconds, so
  kept-alive clients are told to close rather than cut; then granian stops
  it: idle connections close, accepted requests finish; a worker still busy
  after ``graceful_timeout`` is killed. Shutdown hooks run as a worker exits.
- SIGHUP: the app is checked first (:func:`check_source`); if it does not
  load, the error is logged and the workers go on serving. Otherwise workers
  are replaced one by one: a new worker starts (building the app from its
  source again), then the old one drains as on SIGTERM and stops.
"""

from __future__ import annotations

import functools
import heapq
import logging
import math
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
from typing import Any

from granian import Granian
from granian.http import HTTP1Settings
from granian.server.mp import WorkerProcess

from cravat.api.lifecycle import stop_all
from cravat.deploy.admission import Admission
from cravat.deploy.guard import NO_BODY, GuardOptions, RequestTimeout, ServingGuard
from cravat.deploy.listeners import own_listeners, refuse_new_connections
from cravat.deploy.loading import LoadError
from cravat.deploy.server import LOG_FORMAT, AppSource, ServeOptions, check_source, exit_with_parent, load_guarded
from cravat.http.errors import HTTPError, InternalServerError, ServiceUnavailable
from cravat.types import WSGIApp

LOG = logging.getLogger(__name__)

#: Seconds a new worker has to build the app, on SIGHUP, before the one it replaces is stopped.
RESPAWN_INTERVAL = 2.0
#: Seconds a stopping worker goes on answering kept-alive connections (with Connection: close) before
#: granian closes the idle ones: a client busy on one hears "close" instead of losing a request to a reset.
STOP_LINGER = 1.0
#: Seconds a request with a body waits for one of the body threads before it is 503: enough for one whose
#: client is fast (it waited only for the GIL), far short of a slow client's.
BODY_THREAD_WAIT = 0.05
#: Seconds between two wakes of the body deadlines' thread at most (see _Deadlines).
DEADLINE_GRAIN = 0.1
#: Connections a worker holds open at once (granian's backpressure); slow heads count until header_timeout.
MAX_CONNECTIONS = 16384


class _Server(Granian):
    """granian's server, checking the app before it acts on SIGHUP, telling its workers when it stops."""

    source: AppSource
    stopping: str  # a file that exists once the server is stopping, not reloading

    def signal_handler_interrupt(self, *args: object, **kwargs: object) -> None:
        # Before granian stops the workers, so each knows this is a stop: see _drain.
        with open(self.stopping, "w"):
            pass
        super().signal_handler_interrupt(*args, **kwargs)

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
        blocking_threads=options.threads + options.body_threads,
        backpressure=MAX_CONNECTIONS,
        http="1",
        http1_settings=HTTP1Settings(header_read_timeout=int(options.header_timeout * 1000),
                                     max_buffer_size=max(options.max_head_size, 8192 + 4096 * 100)),
        workers_kill_timeout=math.ceil(options.graceful_timeout + STOP_LINGER),
        respawn_interval=RESPAWN_INTERVAL,
        log_level=_level(),
        log_dictconfig=_logging_config(),
    )
    server.source = options.source
    flags = tempfile.mkdtemp(prefix="cravat-granian-")
    server.stopping = os.path.join(flags, "stopping")
    guard = options.guard_options(chunked_input=False, empty_is_invalid=True, connection_close=True)
    # The loader runs in each worker; a partial of plain data survives a 'spawn' start as well as a fork.
    loader = functools.partial(_load_in_worker, options.source, os.getpid(), guard, options.threads,
                               options.body_threads)
    try:
        server.serve(spawn_target=functools.partial(_granian_worker, port=options.port, stopping=server.stopping),
                     target_loader=loader, wrap_loader=False)
    finally:
        shutil.rmtree(flags, ignore_errors=True)
    return 0


def _load_in_worker(source: AppSource, main_pid: int, options: GuardOptions, threads: int, body_threads: int
                    ) -> WSGIApp:
    # The worker inherits the main process's SIGTERM handler, which does nothing useful here and
    # would swallow a SIGTERM sent before granian installs the worker's own: until then, just die.
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    exit_with_parent(main_pid)
    # granian's wsgi.input hands a truncated chunked body over as a whole one, and an invalid header
    # value as an empty one: the guard refuses chunked bodies (411) and empty meaningful headers here.
    guard = load_guarded(source, options, admission=Admission(threads))
    guard.body_threads = body_threads
    return guard


@WorkerProcess.wrap_target
def _granian_worker(worker_id: int, callback: Any, *args: Any, port: int, stopping: str, **kwargs: Any) -> None:
    """granian's own WSGI worker, with a draining stop and the app's shutdown hooks at exit."""
    import granian._signals
    import granian.server.mp

    # granian's worker installs its signal handlers with this function, looked up when it runs: in this
    # worker process (ours), SIGTERM first drains (see _drain), then hands over to granian's stop.
    granian._signals.set_sync_signals = functools.partial(_draining_signals, callback, port, stopping)
    # And it wraps the app in its WSGI runner with this one: here, cravat's, which guards and admits.
    granian.server.mp._wsgi_call_wrap = functools.partial(_Runner, callback)
    try:
        Granian._spawn_wsgi_worker.__wrapped__(worker_id, callback, *args, **kwargs)
    finally:
        stop_all(getattr(callback, "lifecycles", []))


class _Runner:
    """What granian calls for each request (in place of ``granian.wsgi._callback_wrapper``).

    Called on a thread of granian's pool with granian's protocol object and
    the request's part of the environ. The protocol's ``response_bytes`` may
    be called from any thread, which lets the deadline thread answer 408
    while the request's own thread is still blocked reading its body.
    """

    def __init__(self, guard: ServingGuard, callback: Any, scope_opts: dict[str, Any], access_log_fmt: Any = None
                 ) -> None:
        self.guard = guard
        # granian's own base environ (granian.wsgi._callback_wrapper), which scope completes.
        self.base = dict(os.environ, **{
            "GATEWAY_INTERFACE": "CGI/1.1", "SCRIPT_NAME": "", "SERVER_SOFTWARE": "Granian",
            "wsgi.errors": sys.stderr, "wsgi.input_terminated": True, "wsgi.multiprocess": False,
            "wsgi.multithread": True, "wsgi.run_once": False, "wsgi.version": (1, 0),
        })
        # Each request's work runs in an admission slot (without admission, at once on its own thread).
        self._run = guard.admission.run if guard.admission is not None else _call
        self.deadlines = _Deadlines(self._timed_out)
        self._readers = threading.Condition()
        self._reading = 0
        self._waiting = False  # a request waits for a body thread (one at most)
        self._newest_reader = -math.inf  # when the newest reader began
        self.max_reading = guard.body_threads

    def __call__(self, proto: Any, scope: dict[str, Any]) -> None:
        guard = self.guard
        if not scope.get("CONTENT_LENGTH") and "HTTP_TRANSFER_ENCODING" not in scope:
            # No body: all of the request's work is done in a slot. This thread then holds the GIL only to
            # leave it there, when another thread is running requests (see Admission.run).
            self._run(functools.partial(self._bodiless, proto, scope))
            return
        environ = self.base | scope
        try:
            guard.check_head(environ, scope)
            size = guard.body_size(environ)
        except HTTPError as error:
            _respond(proto, *guard.fault(error))
            return
        if size is NO_BODY:
            self._serve(proto, environ)
            return
        # The body is read on this thread, which granian's pool has beyond the app's slots: its wait takes
        # no slot. At the deadline the 408 goes out from the deadline thread, which ends the read.
        with self._readers:
            if (self._reading >= self.max_reading and not self._waiting
                    and time.monotonic() - self._newest_reader < BODY_THREAD_WAIT):
                # The newest reader began moments ago: its client may be merely fast, and done within moments.
                # One request waits that long for it, no more: a waiter holds a thread of granian's pool, which
                # the app's requests need (slow clients arriving all the time took them all: 244 requests/s).
                self._waiting = True
                try:
                    self._readers.wait_for(lambda: self._reading < self.max_reading, BODY_THREAD_WAIT)
                finally:
                    self._waiting = False
            full = self._reading >= self.max_reading
            if not full:
                self._reading += 1
                self._newest_reader = time.monotonic()
        if full:
            # Every body thread waits on a client: refuse at once rather than take a thread the others need.
            _respond(proto, *guard.fault(ServiceUnavailable(
                "Too many request bodies are arriving at once; retry shortly.", headers={"Retry-After": "1"})))
            return
        pending = _Pending(proto, environ, time.monotonic() + guard.options.body_timeout)
        self.deadlines.add(pending)
        try:
            proto = self._read(pending, size)
        finally:
            # The body is whole (or the request answered): waiting for a slot and running, it is no reader.
            with self._readers:
                self._reading -= 1
                self._readers.notify()
        if proto is not None:
            self._serve(proto, environ)

    def _read(self, pending: _Pending, size: int | None) -> Any:
        """Read the body into the environ; the protocol to answer on, or None if the request is answered."""
        environ = pending.environ
        try:
            body = self.guard.read_body(environ["wsgi.input"], size, float("inf"))
        except HTTPError as error:
            if pending.claim():
                _respond(pending.release(), *self.guard.fault(error))
            return None
        except BaseException:
            LOG.exception("reading a request body failed")
            if pending.claim():
                _respond(pending.release(), *self.guard.fault(InternalServerError()))
            return None
        if not pending.claim():
            return None  # the deadline answered 408 first: the request is not served
        self.guard.use_body(environ, body)
        return pending.release()

    def _serve(self, proto: Any, environ: dict[str, Any]) -> None:
        # Run now if a slot is free, else left for the thread whose slot frees next: this one goes back to
        # granian's pool at once, and the request runs on a thread that is running already.
        self._run(functools.partial(self._answer, proto, environ))

    def _bodiless(self, proto: Any, scope: dict[str, Any]) -> None:
        environ = self.base | scope
        try:
            self.guard.check_head(environ, scope)
        except HTTPError as error:
            _respond(proto, *self.guard.fault(error))
            return
        self._answer(proto, environ)

    def _answer(self, proto: Any, environ: dict[str, Any]) -> None:
        """Run the app and answer, in an admission slot; an app's close() (after-answer work) in it too."""
        answer = _StartResponse()
        result = self.guard.run_app(environ, answer)
        close = getattr(result, "close", None)
        try:
            # The answer is read whole in the slot: a slow client's reading holds none.
            body = b"".join(result)
        except BaseException:
            if close is not None:
                close()
            raise
        if close is None:
            proto.response_bytes(answer.status, answer.headers, body)
        else:
            # granian calls close() once the answer is handed over, on this thread: still in the slot.
            proto.response_iter(answer.status, answer.headers, _Chunks([body], close))

    def _timed_out(self, pending: _Pending) -> None:
        if pending.claim():
            # Connection: close, so granian closes the connection, which ends the read still waiting for it.
            _respond(pending.release(), *self.guard.fault(RequestTimeout("The client did not send the request body "
                                                                     "in time.")))


class _Pending:
    """A request whose body is being read; answered once, by the reader or by the deadline."""

    __slots__ = ("proto", "environ", "deadline", "_lock", "_claimed")

    def __init__(self, proto: Any, environ: dict[str, Any], deadline: float) -> None:
        self.proto = proto
        self.environ = environ
        self.deadline = deadline
        self._lock = threading.Lock()
        self._claimed = False

    def claim(self) -> bool:
        """True for the first caller only: it answers the request."""
        with self._lock:
            if self._claimed:
                return False
            self._claimed = True
            return True

    def release(self) -> Any:
        """The protocol, for the claimant to answer on; the request is let go of.

        The entry stays in the deadline heap until its deadline (30 s by default): holding the
        environ there kept every request's body alive that long (at 700 POSTs a second of 9 KB,
        130 MB more resident).
        """
        proto = self.proto
        self.proto = self.environ = None
        return proto

    def __lt__(self, other: _Pending) -> bool:
        return self.deadline < other.deadline


class _Deadlines:
    """One thread calling ``expire(pending)`` for each pending request whose deadline has passed.

    PERF: the thread wakes at most once a ``grain``, and ends every entry due by then together. Every
    request with a body has an entry until its deadline, answered or not, so a wake per entry was a
    thread switch for every POST, ``body_timeout`` after it (a body's 408 may come up to a grain late).
    """

    def __init__(self, expire: Any, grain: float = DEADLINE_GRAIN) -> None:
        self._expire = expire
        self.grain = grain
        self._heap: list[_Pending] = []
        self._wake = threading.Condition()
        threading.Thread(target=self._run, name="cravat-deadlines", daemon=True).start()

    def add(self, pending: _Pending) -> None:
        with self._wake:
            heapq.heappush(self._heap, pending)
            if self._heap[0] is pending:
                self._wake.notify()

    def _run(self) -> None:
        woke = -math.inf
        while True:
            with self._wake:
                while True:
                    now = time.monotonic()
                    if not self._heap:
                        self._wake.wait()
                        continue
                    at = max(self._heap[0].deadline, woke + self.grain)
                    if at <= now:
                        break
                    self._wake.wait(at - now)
                woke = now
                due = []
                while self._heap and self._heap[0].deadline <= now:
                    due.append(heapq.heappop(self._heap))
            for pending in due:
                self._expire(pending)


class _StartResponse:
    __slots__ = ("status", "headers")

    def __init__(self) -> None:
        self.status = 200
        self.headers: list[tuple[str, str]] = []

    def __call__(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        self.status = int(status[:3])
        self.headers = headers


class _Chunks:
    """An answer as granian's response_iter reads it: ``__next__``, then ``close``, the app's."""

    __slots__ = ("__next__", "close")

    def __init__(self, chunks: list[bytes], close: Any) -> None:
        self.__next__ = iter(chunks).__next__
        self.close = close


def _call(work: Any) -> None:
    work()


def _respond(proto: Any, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
    proto.response_bytes(int(status[:3]), headers, body)


def _draining_signals(guard: ServingGuard, port: int, stopping: str) -> Any:
    """granian's ``set_sync_signals``, with :func:`_drain` before the stop it signals."""
    from granian._granian import WorkerSignal
    from granian._signals import set_main_signals

    stop = WorkerSignal()
    started = threading.Event()

    def handler(signum: int, frame: object) -> None:
        if started.is_set():
            return
        started.set()
        threading.Thread(target=_drain, args=(guard, port, stopping, stop), name="cravat-drain", daemon=True).start()

    set_main_signals(handler)
    return stop


def _drain(guard: ServingGuard, port: int, stopping: str, stop: Any) -> None:
    """Refuse new connections (at a stop; at a reload the new worker takes them), say close, then stop.

    Each worker has its own listening socket (SO_REUSEPORT): a filter on a
    reloading worker's would leave the clients hashed to it waiting.
    """
    if os.path.exists(stopping):
        for sock in own_listeners(port):
            refuse_new_connections(sock)
            sock.close()
    guard.draining.set()
    time.sleep(STOP_LINGER)
    stop.set()


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
