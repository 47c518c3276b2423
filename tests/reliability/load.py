"""Keep-alive load for graceful-stop tests and the soak: clients that count what became of every request."""

from __future__ import annotations

import errno
import socket
import threading
import time
from dataclasses import dataclass, field

from tests.reliability.support import read_answer, request


@dataclass
class Tally:
    answered: int = 0
    resets: int = 0          # a request written, then a reset: the client cannot tell whether it was acted on
    unanswered: int = 0      # a request written, then the connection closed (or silent) without an answer
    refused: int = 0         # no connection: nothing was written, safe to retry elsewhere
    notes: list[str] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, what: str, note: str = "") -> None:
        with self.lock:
            setattr(self, what, getattr(self, what) + 1)
            if note and len(self.notes) < 20:
                self.notes.append(note)

    @property
    def lost(self) -> int:
        return self.resets + self.unanswered


class KeepAliveLoad:
    """``clients`` threads, each sending ``path`` on a kept-alive connection, reconnecting when told to close.

    A client stops when it cannot connect (the server stopped listening) or at ``seconds``.
    """

    def __init__(self, port: int, clients: int = 32, path: str = "/ping", seconds: float = 30.0) -> None:
        self.port = port
        self.tally = Tally()
        self.data = request("GET", path)
        self._until = time.monotonic() + seconds
        self._threads = [threading.Thread(target=self._client, daemon=True) for _ in range(clients)]
        for thread in self._threads:
            thread.start()

    def join(self, timeout: float = 30.0) -> Tally:
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(timeout=max(0.0, deadline - time.monotonic()))
        return self.tally

    def _client(self) -> None:
        sock = None
        while time.monotonic() < self._until:
            if sock is None:
                try:
                    sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
                except OSError:
                    self.tally.add("refused")
                    return
            try:
                sock.sendall(self.data)
            except OSError as exc:
                # A write the kernel refused: reset by the server before or while it went out.
                self.tally.add("resets" if exc.errno in (errno.ECONNRESET, errno.EPIPE) else "unanswered",
                               f"send: {exc!r}")
                sock.close()
                sock = None
                continue
            answer = read_answer(sock, timeout=10)
            if answer.status is None:
                self.tally.add("resets" if answer.error == "reset" else "unanswered", answer.error or "")
                sock.close()
                sock = None
            else:
                self.tally.add("answered")
                if answer.closes:
                    sock.close()
                    sock = None
        if sock is not None:
            sock.close()
