"""Real servers and a raw HTTP/1.1 client for the reliability suite (127.0.0.1 only, every wait bounded).

``Served`` runs ``cravat serve`` as its own process group with its output in a
file (a pipe nobody reads would stop a server that logs a lot), and kills the
whole group on the way out. ``exchange`` sends bytes exactly as given and
reads one response, saying when none came (``Answer.status is None``).
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

REPO = Path(__file__).resolve().parents[2]
PASTE = REPO / "etc" / "api-paste.ini"
#: Every wait on a process or a socket is bounded by this many seconds (generous: the machine is shared).
TIMEOUT = 20.0
#: What --threads the suite serves with: small, so "ten times the thread count" stays small too.
THREADS = 2


def has_uwsgi() -> bool:
    return (Path(sys.executable).parent / "uwsgi").exists() or shutil.which("uwsgi") is not None


SERVERS = [
    "granian",
    "gunicorn",
    pytest.param("uwsgi", marks=pytest.mark.skipif(not has_uwsgi(), reason="uWSGI is optional and not installed")),
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Served:
    """``cravat serve`` on a free 127.0.0.1 port, answering; ``with Served(...) as s: s.port``."""

    def __init__(self, server: str, *args: str, app: str | None = "examples.compute:app", ready: str = "/ping",
                 threads: int = THREADS, env: dict[str, str] | None = None) -> None:
        self.server = server
        self.env = None if env is None else {**os.environ, **env}
        self.port = free_port()
        what = ["--app", app] if app else []
        self.command = [str(Path(sys.executable).parent / "cravat"), "serve", *what, "--server", server,
                        "--bind", f"127.0.0.1:{self.port}", "--threads", str(threads), *args]
        self.ready = ready
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed in __exit__
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Served:
        self.proc = subprocess.Popen(self.command, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT, text=True,
                                     start_new_session=True, env=self.env)
        deadline = time.monotonic() + TIMEOUT
        while True:
            if self.proc.poll() is not None:
                pytest.fail(f"cravat serve exited with {self.proc.returncode}:\n{self.output()}")
            with contextlib.suppress(OSError):
                answer = exchange(self.port, request("GET", self.ready), timeout=2)
                if answer.status is not None:
                    return self
            if time.monotonic() > deadline:
                pytest.fail(f"cravat serve did not answer within {TIMEOUT} s:\n{self.output()}")
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        assert self.proc is not None
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=TIMEOUT)
        self.log.close()

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()[-4000:]


def request(method: str, path: str, body: bytes | None = None, headers: dict[str, str] | None = None,
            host: str = "127.0.0.1") -> bytes:
    """A well-formed HTTP/1.1 request as bytes (Content-Length when there is a body)."""
    lines = [f"{method} {path} HTTP/1.1", f"Host: {host}"]
    for name, value in (headers or {}).items():
        lines.append(f"{name}: {value}")
    if body is not None:
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + (body or b"")


@dataclass
class Answer:
    """One response, or ``status`` None when the server sent none (closed, reset, or silent to the deadline)."""

    status: int | None
    headers: dict[str, str] = field(default_factory=dict)
    body: bytes = b""
    error: str | None = None  # why there was no answer: "reset", "closed", "timeout"
    version: str = ""

    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def closes(self) -> bool:
        return self.headers.get("connection", "").lower() == "close"


def exchange(port: int, data: bytes, *, half_close: bool = False, timeout: float = TIMEOUT) -> Answer:
    """Send ``data`` on a new connection (then half-close it if asked) and read one response."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        try:
            sock.sendall(data)
            if half_close:
                sock.shutdown(socket.SHUT_WR)
        except OSError as exc:
            return Answer(None, error=f"send: {exc!r}")
        return read_answer(sock, timeout)


def read_answer(sock: socket.socket, timeout: float = TIMEOUT, head_only: bool = False) -> Answer:
    """Read one response from ``sock``: status line, headers, and a body framed by Content-Length (or EOF)."""
    sock.settimeout(timeout)
    buf = b""
    try:
        while b"\r\n\r\n" not in buf:
            chunk = sock.recv(65536)
            if not chunk:
                return Answer(None, error="closed" if not buf else f"closed mid-head: {buf[:200]!r}")
            buf += chunk
        head, _, rest = buf.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        # uWSGI echoes whatever protocol the request line named ("HTCPCP 400 Bad Request"): the status is
        # the first three-digit word.
        words = lines[0].split(" ")
        version = words[0]
        codes = [w for w in words[1:] if len(w) == 3 and w.isdigit()]
        if not codes:
            return Answer(None, error=f"no status in {lines[0][:80]!r}")
        status = int(codes[0])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if head_only or status in (204, 304):
            return Answer(status, headers, b"", version=version)
        if "content-length" in headers:
            length = int(headers["content-length"])
            while len(rest) < length:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                rest += chunk
            return Answer(status, headers, rest[:length], version=version)
        while chunk := sock.recv(65536):
            rest += chunk
        return Answer(status, headers, rest, version=version)
    except ConnectionResetError:
        return Answer(None, error="reset")
    except TimeoutError:
        return Answer(None, error="timeout")


def slow_senders(port: int, count: int, data: bytes) -> list[socket.socket]:
    """``count`` connections that send ``data`` (a request cut short) and then nothing."""
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
        sock.sendall(data)
        socks.append(sock)
    return socks


def close_all(socks: list[socket.socket]) -> None:
    for sock in socks:
        with contextlib.suppress(OSError):
            sock.close()


def is_html(answer: Answer) -> bool:
    return "html" in answer.headers.get("content-type", "").lower() or answer.body.lstrip()[:1] == b"<"
