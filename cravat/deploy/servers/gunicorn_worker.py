"""gunicorn's threaded worker, reading each request whole before a thread takes it.

gunicorn's ``gthread`` worker hands a connection to a thread as soon as it is
readable, and the thread then reads the head and the body with blocking
reads and no deadline: a handful of clients sending slowly hold every
thread. :class:`CravatThreadWorker` reads in its poller instead, without
blocking (:class:`cravat.http.framing.RequestFraming` says where the request
ends), and submits the connection to the thread pool only when the head and
the body are complete. Past ``header_timeout`` or ``body_timeout`` the
client gets 408; a malformed request gets its 400 (413, 431, 501) from the
poller, in the app's error style, and never reaches a thread; gunicorn's
own error pages (HTML) are answered in that style too.

At a graceful stop the arbiter first refuses new connections without
resetting the queued ones (:func:`refuse_listeners`); each worker serves those, answers every
request with ``Connection: close``, and runs the app's shutdown hooks as it
exits.
"""

from __future__ import annotations

import contextlib
import errno
import selectors
import socket
import time
from functools import partial
from typing import Any

from gunicorn.http import errors as gerrors
from gunicorn.workers.gthread import TConn, ThreadWorker

from cravat.api.lifecycle import stop_all
from cravat.deploy.listeners import refuse_new_connections
from cravat.http.framing import FramingError, RequestFraming

_READ_SIZE = 65536
# gunicorn's parse errors a client caused, and the status each is answered with.
_CLIENT_ERRORS: tuple[tuple[type[Exception], int], ...] = (
    (gerrors.LimitRequestLine, 414),
    (gerrors.LimitRequestHeaders, 431),
    (gerrors.UnsupportedTransferCoding, 501),
    (gerrors.ParseException, 400),
    (gerrors.NoMoreData, 400),
)


class CravatThreadWorker(ThreadWorker):
    """``gthread``, with requests read whole in the poller and faults in the app's style."""

    #: Set by the adapter: (header_timeout, body_timeout, max_head_size, max_body_size).
    limits: tuple[float, float, int, int] = (10.0, 30.0, 65536, 1024 * 1024)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reading: dict[TConn, float] = {}  # connection -> its deadline

    # --- reading a request whole, in the poller ------------------------------

    def accept(self, listener: socket.socket) -> None:
        try:
            client_sock, client_addr = listener.accept()
        except OSError as exc:
            if exc.errno not in (errno.EAGAIN, errno.ECONNABORTED, errno.EWOULDBLOCK):
                raise
            return
        self.nr_conns += 1
        self._read_request(TConn(self.cfg, client_sock, client_addr, listener.getsockname()), b"")

    def on_client_socket_readable(self, conn: TConn, client: Any) -> None:
        # A kept-alive connection has a new request: read it whole before a thread takes it.
        self.poller.unregister(client)
        self.keepalived_conns.remove(conn)
        self._read_request(conn, b"")

    def _read_request(self, conn: TConn, already: bytes) -> None:
        header_timeout, _, max_head, max_body = self.limits
        conn.framing = RequestFraming(max_head, max_body)
        conn.sock.setblocking(False)
        self.reading[conn] = time.monotonic() + header_timeout
        if already and not self._feed(conn, already):
            return
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self._on_readable, conn))

    def _on_readable(self, conn: TConn, sock: socket.socket) -> None:
        try:
            data = sock.recv(_READ_SIZE)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            self._unregister(conn)
            self._drop(conn)
            return
        if not data:
            self._unregister(conn)
            if conn.framing.buffer:  # half-closed mid-request: it is answered, not acted on
                self._refuse(conn, conn.framing.truncated())
            else:
                self._drop(conn)
            return
        if not self._feed(conn, data):
            self._unregister(conn)

    def _feed(self, conn: TConn, data: bytes) -> bool:
        """Feed ``data``; False once the connection has left the poller (refused, or whole and submitted)."""
        framing = conn.framing
        had_head = framing.head_complete
        try:
            framing.feed(data)
        except FramingError as error:
            self.reading.pop(conn, None)
            self._refuse(conn, error)
            return False
        if framing.head_complete and not had_head:
            self.reading[conn] = time.monotonic() + self.limits[1]
        if not framing.complete:
            return True
        del self.reading[conn]
        conn.prebuffer = bytes(framing.buffer)
        conn.framing = None
        self.enqueue_req(conn)
        return False

    def _unregister(self, conn: TConn) -> None:
        self.reading.pop(conn, None)
        with contextlib.suppress(KeyError, ValueError, OSError):
            self.poller.unregister(conn.sock)

    def _refuse(self, conn: TConn, error: FramingError) -> None:
        """Answer a fault straight from the poller and close; the request never reaches a thread."""
        try:
            conn.sock.setblocking(True)
            conn.sock.settimeout(1.0)
            conn.sock.sendall(self.wsgi.fault_bytes(error.status, error.message))
        except OSError:
            pass
        self._drop(conn, graceful=True)

    def _drop(self, conn: TConn, graceful: bool = False) -> None:
        self.nr_conns -= 1
        with contextlib.suppress(OSError):
            conn.close(graceful=graceful)

    def murder_pending(self) -> None:
        super().murder_pending()
        now = time.monotonic()
        late = [conn for conn, deadline in self.reading.items() if deadline <= now]
        for conn in late:
            self._unregister(conn)
            what = "body" if conn.framing.head_complete else "head (request line and headers)"
            self._refuse(conn, FramingError(408, f"The client did not send the request {what} in time."))

    # --- a thread serves the request read --------------------------------------

    def handle(self, conn: TConn) -> Any:
        prebuffer = getattr(conn, "prebuffer", None)
        if prebuffer is not None:
            conn.prebuffer = None
            conn.sock.setblocking(True)
            conn.init()
            conn.parser.unreader.unread(prebuffer)
        return super().handle(conn)

    def finish_request(self, conn: TConn, fs: Any) -> None:
        try:
            keep = not fs.cancelled() and fs.result()
        except Exception:
            keep = False
        if keep and conn.parser is not None:
            pipelined = conn.parser.unreader.take_buffered()
            if pipelined:  # the next request began in the same read: frame it here too
                self._read_request(conn, pipelined)
                return
        super().finish_request(conn, fs)

    def handle_error(self, req: Any, client: Any, addr: Any, exc: Exception) -> None:
        status = next((code for kind, code in _CLIENT_ERRORS if isinstance(exc, kind)), None)
        if isinstance(exc, (gerrors.InvalidResponseHeader, gerrors.InvalidResponseHeaderName)):
            status = None
        if status is None:
            self.log.exception("Error handling request")
            status, message = 500, "The server failed to handle the request."
        else:
            message = f"The request is malformed: {exc}." if status == 400 else f"{exc}."
        with contextlib.suppress(OSError):
            client.sendall(self.wsgi.fault_bytes(status, message))

    # --- stopping ----------------------------------------------------------------

    def handle_exit(self, sig: int, frame: Any) -> None:
        if self.alive:
            # Those already queued are accepted and answered, not reset when the socket closes. At a stop
            # the arbiter has made the listener refuse new connections (refuse_listeners) before this.
            for listener in self.sockets:
                self._accept_queued(listener)
        super().handle_exit(sig, frame)

    def _accept_queued(self, listener: Any) -> None:
        listener.setblocking(False)
        for _ in range(4096):
            try:
                client_sock, client_addr = listener.accept()
            except OSError:
                return
            self.nr_conns += 1
            self._read_request(TConn(self.cfg, client_sock, client_addr, listener.getsockname()), b"")

    def run(self) -> None:
        try:
            super().run()
        finally:
            stop_all(getattr(self.wsgi, "lifecycles", []))


def refuse_listeners(listeners: list[Any]) -> None:
    """At a graceful stop, before the workers are told: no new connection completes on ``listeners``.

    In the arbiter, not in each worker: the listening socket is one socket
    shared by all, and at a reload the new workers go on accepting on it.
    """
    for listener in listeners:
        refuse_new_connections(listener.sock if hasattr(listener, "sock") else listener)


def configure(limits: tuple[float, float, int, int]) -> type[CravatThreadWorker]:
    """A worker class with ``limits`` (header and body timeouts, head and body sizes)."""
    return type("CravatThreadWorker", (CravatThreadWorker,), {"limits": limits})
