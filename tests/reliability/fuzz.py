"""A seeded HTTP/1.1 request fuzzer: well-formed requests bent in the ways hostile and broken clients bend them.

Each request is whole (its framing is complete, or it is garbage the server
can refuse at once), so a server must answer every one. ``check`` says what
is wrong with an answer: none, a 5xx, or an HTML error page.

    >>> gen = Generator(random.Random(7), COMPUTE)
    >>> gen.request()
    b'PUT /servers/... HTTP/1.1\\r\\n...'
"""

from __future__ import annotations

import json
import random
import socket
import threading
from dataclasses import dataclass, field

from tests.reliability.support import TIMEOUT, Answer, is_html, read_answer

UUID = "70a599e0-31e7-49b7-b260-868f441e862b"
COMPUTE = ["/", "/ping", "/servers", "/servers/detail", f"/servers/{UUID}", f"/servers/{UUID}/action",
           f"/servers/{UUID}/ips", "/v2.1/servers", f"/{'a' * 32}/servers"]
KEYMANAGER = ["/", "/v1", "/v1/", "/v1/secrets", f"/v1/secrets/{UUID}", "/healthcheck", "/nope", "/v1/nope"]
METHODS = ["GET", "GET", "GET", "POST", "POST", "PUT", "DELETE", "HEAD", "OPTIONS", "PATCH", "BREW", "get", "M-SEARCH"]
BAD_METHODS = [b"", b"G(T", b"GE T", b"\x00GET", b"GET\x7f"]
HOSTS = ["127.0.0.1", "localhost:8774", "[::1]:9311", "api.example.com", "x/y", "a b", "", "a@b", "x:port",
         "\u00e9.example", "a,b", "[::1", "h" * 300]
VERSIONS = ["compute 2.1", "compute 2.5", "compute latest", "compute 2.99", "compute 2.", "compute x", "volume 3.0",
            "compute 2.1, compute 2.5", "compute \uff12.\uff15", "", "compute 2.1\t"]
PROTOS = ["http", "https", "javascript", "HTTPS", "ftp", "http, https"]
CONTENT_TYPES = ["application/json", "application/json; charset=utf-8", "text/plain", "application/xml", "",
                 "application/problem+json", "multipart/form-data; boundary=x", "\u00e9"]
SAFE_VALUE = "abcdefghijklmnopqrstuvwxyz0123456789-_.~!*'();:@&=+$,/?#[] "


def bodies(rng: random.Random) -> bytes:
    kind = rng.randrange(14)
    if kind == 0:
        return b""
    if kind == 1:
        return json.dumps({"server": {"name": rng.choice(["a", "", " x", "\u00e9", "n" * 300])}}).encode()
    if kind == 2:
        return json.dumps({"server": {"name": "a", "imageRef": rng.choice([UUID, "x", 5]), "flavorRef": "1"}}).encode()
    if kind == 3:
        return json.dumps({"name": rng.choice(["s", "", None, 7, ["x"]])}).encode()
    if kind == 4:
        return rng.choice([b"{", b"[", b"{\"a\": }", b"nul", b"\"\\ud800\"", b"1e999", b"NaN", b"{}{}"])
    if kind == 5:
        depth = rng.randrange(1, 200)
        return b"[" * depth + b"]" * depth
    if kind == 6:
        return b"{\"server\": {\"name\": \"a\", \"name\": \"b\"}}"
    if kind == 7:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))
    if kind == 8:
        return json.dumps({rng.choice(["os-start", "os-stop", "reboot", "x"]): rng.choice([None, {}, 1])}).encode()
    if kind == 9:
        return b"1" * rng.randrange(4000, 6000)  # past Python's int digit limit
    if kind == 10:
        return json.dumps({"server": {"name": "a", "metadata": {str(i): "v" for i in range(rng.randrange(200))}}}
                          ).encode()
    if kind == 11:
        return "\u00e9\u4e2d".encode(rng.choice(["utf-8", "latin-1", "utf-16"]), "replace")
    return json.dumps({"server": {"name": "fuzz"}}).encode()


class Generator:
    """Requests for ``paths``, drawn from ``rng``: one in three or so bent somewhere."""

    def __init__(self, rng: random.Random, paths: list[str]) -> None:
        self.rng = rng
        self.paths = paths

    def request(self) -> tuple[bytes, bool]:
        """The request's bytes, and whether it is a HEAD (its answer has no body)."""
        rng = self.rng
        method = rng.choice(METHODS).encode()
        if rng.random() < 0.03:
            method = rng.choice(BAD_METHODS)
        target = self.target()
        version = b"HTTP/1.1" if rng.random() < 0.95 else rng.choice([b"HTTP/1.0", b"HTTP/9.9", b"HTTP/1", b"HTCPCP"])
        headers: list[tuple[bytes, bytes]] = []
        if rng.random() < 0.97:
            headers.append((b"Host", rng.choice(HOSTS).encode("utf-8") if rng.random() < 0.3 else b"127.0.0.1"))
        if rng.random() < 0.3:
            headers.append((b"OpenStack-API-Version", rng.choice(VERSIONS).encode("utf-8")))
        if rng.random() < 0.1:
            headers.append((b"X-OpenStack-Nova-API-Version", rng.choice(["2.1", "2.9", "x", "2.100"]).encode()))
        if rng.random() < 0.15:
            headers.append((rng.choice([b"X-Forwarded-Proto", b"X-Forwarded-Host", b"Forwarded"]),
                            rng.choice([*PROTOS, "x/y", "proto=javascript", "host=\"a b\"", "for=1;;"]).encode()))
        if rng.random() < 0.2:
            headers.append((b"X-Project-Id", b"p1"))
            headers.append((b"X-Roles", b"member"))
        if rng.random() < 0.05:
            headers.append((b"X-Odd", bytes(rng.randrange(1, 256) for _ in range(rng.randrange(1, 8)))
                            .replace(b"\r", b"").replace(b"\n", b"")))
        if rng.random() < 0.02:
            headers.append((b"Bad Name", b"x"))
        if rng.random() < 0.02:
            headers.append((b"X-Folded", b"a\r\n b"))
        if rng.random() < 0.05:
            headers.append((b"Origin", b"https://dashboard.example.com"))
            headers.append((b"Access-Control-Request-Method", rng.choice([b"GET", b"POST", b"DELETE"])))
        body = bodies(rng) if method in (b"POST", b"PUT", b"PATCH") or rng.random() < 0.05 else b""
        if body or rng.random() < 0.1:
            headers.append((b"Content-Type", rng.choice(CONTENT_TYPES).encode("utf-8")))
        framing = rng.random()
        if body and framing < 0.8:
            headers.append((b"Content-Length", str(len(body)).encode()))
        elif body and framing < 0.9:
            headers.append((b"Transfer-Encoding", b"chunked"))
            body = self.chunked(body)
        elif body and framing < 0.93:
            headers.append((b"Transfer-Encoding", rng.choice([b"gzip", b"chunked, gzip", b"identity"])))
            headers.append((b"Content-Length", str(len(body)).encode()))
        elif body and framing < 0.96:
            headers.append((b"Content-Length", rng.choice([b"-1", b"1e3", b"0x10", b"", b"+5", b"5, 6"])))
            body = b""
        elif body:
            headers.append((b"Content-Length", b"0"))
            body = b""
        rng.shuffle(headers)
        head = b" ".join(p for p in (method, target, version) if p or rng.random() < 0.5)
        lines = [head, *(name + b": " + value for name, value in headers)]
        return b"\r\n".join(lines) + b"\r\n\r\n" + body, method == b"HEAD"

    def target(self) -> bytes:
        rng = self.rng
        path = rng.choice(self.paths)
        roll = rng.random()
        if roll < 0.05:
            path += rng.choice(["%00", "%ff", "%2e%2e/", "//x", "/../..", "%", "%zz", ";x", "\u00e9"])
        elif roll < 0.1:
            path += "?" + rng.choice(["limit=1", "limit=x", "name=%ff", "a=1&a=2", "&&&", "limit=99999999999999999"])
        elif roll < 0.12:
            path = "/" + "a" * rng.randrange(100, 3000)
        elif roll < 0.13:
            path = rng.choice(["*", "http://127.0.0.1/ping", "ping", ""])
        return path.encode("utf-8")

    def chunked(self, body: bytes) -> bytes:
        rng = self.rng
        roll = rng.random()
        if roll < 0.6:
            return b"%x\r\n" % len(body) + body + b"\r\n0\r\n\r\n"
        if roll < 0.7:
            return b"zz\r\n" + body + b"\r\n0\r\n\r\n"
        if roll < 0.8:
            return b"%x\r\n" % (len(body) + 3) + body + b"\r\n0\r\n\r\n"  # claims more than it has, then ends
        if roll < 0.9:
            return b"%x;ext=1\r\n" % len(body) + body + b"\r\n0\r\nX-Trailer: 1\r\n\r\n"
        return b"-5\r\n" + body + b"\r\n0\r\n\r\n"


def unparsable(data: bytes) -> bool:
    """Whether ``data``'s request line or header block breaks HTTP/1.1's syntax itself."""
    head = data.split(b"\r\n\r\n", 1)[0].split(b"\r\n")
    line = head[0].split(b" ")
    if len(line) != 3 or not all(line) or not line[2].startswith(b"HTTP/"):
        return True
    return any(h[:1] in (b" ", b"\t") or b":" not in h or b" " in h.split(b":", 1)[0] for h in head[1:])


def check(answer: Answer, data: bytes, silent_on_syntax: bool = False) -> str | None:
    """What is wrong with ``answer`` to ``data``, or None.

    ``silent_on_syntax``: the server may close without an answer when the
    request line or a header line breaks HTTP's syntax (uWSGI's C parser
    does, before any Python runs: docs/serving.md).
    """
    if answer.status is None:
        if silent_on_syntax and answer.error == "closed" and unparsable(data):
            return None
        return f"no answer ({answer.error})"
    # 501 (a transfer coding not implemented) and 505 (an HTTP version not supported) are the protocol's
    # own answers to such requests, not server failures.
    if answer.status >= 500 and answer.status not in (501, 505):
        return f"{answer.status}: {answer.body[:200]!r}"
    if is_html(answer):
        return f"an HTML page ({answer.status}): {answer.body[:120]!r}"
    return None


@dataclass
class Report:
    sent: int = 0
    failures: list[tuple[str, bytes]] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)


def run(port: int, paths: list[str], count: int, seed: int, clients: int = 4, silent_on_syntax: bool = False
        ) -> Report:
    """Send ``count`` fuzzed requests from ``clients`` threads (seeds ``seed``, ``seed + 1``, ...)."""
    report = Report()

    def client(index: int, share: int) -> None:
        gen = Generator(random.Random(seed + index), paths)
        sock = None
        for _ in range(share):
            data, head = gen.request()
            if sock is None:
                sock = socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT)
            try:
                sock.sendall(data)
                answer = read_answer(sock, timeout=TIMEOUT, head_only=head)
            except OSError as exc:
                answer = Answer(None, error=repr(exc))
            problem = check(answer, data, silent_on_syntax)
            with report.lock:
                report.sent += 1
                if answer.status is not None:
                    report.statuses[answer.status] = report.statuses.get(answer.status, 0) + 1
                if problem and len(report.failures) < 20:
                    report.failures.append((problem, data[:600]))
            # A fault may leave the stream where the server stopped reading: start afresh after any, and
            # after anything but HTTP/1.1 both ways (an HTTP/1.0 exchange is not kept alive).
            kept = answer.version == "HTTP/1.1" and data.split(b"\r\n", 1)[0].endswith(b" HTTP/1.1")
            if answer.status is None or answer.closes or answer.status >= 400 or head or not kept:
                sock.close()
                sock = None
        if sock is not None:
            sock.close()

    threads = [threading.Thread(target=client, args=(i, count // clients), daemon=True) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=600)
    return report
