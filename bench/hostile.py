"""Serving under hostile clients: throughput and latency of `show` with slow clients open, and zero-loss stops.

Two measurements, each on a fresh `cravat serve` (1 worker x 8 threads) on
127.0.0.1, with the core benchmark's app (`GET /v1/r{N-1}/{id}`, as
bench/server.py):

1. **Slow clients.** wrk loads `show` while idle, then again while the
   bench holds 80 slow-body clients (headers sent, a body that never
   finishes; reopened when the server ends them) and 1,000 slow-header
   sockets (a request head trickled a byte every 2 s; reopened likewise).
   Goal on the default server: p99 under 1 s and requests/s within 20% of
   the idle figure.
2. **Graceful stops.** 20 times: 32 kept-alive clients load the server,
   SIGTERM, and every request is accounted for (tests/reliability/load.py).
   Goal: zero requests lost (reset, or closed unanswered).

    .venv/bin/python bench/hostile.py                          # granian, ~2 minutes
    .venv/bin/python bench/hostile.py --server gunicorn --server uwsgi --markdown /tmp/hostile.md

It needs wrk (Debian: apt-get install wrk) for the first measurement;
traffic goes to 127.0.0.1 only and every loop is bounded in time.
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(REPO))

from bench.checks import ITEM_ID  # noqa: E402
from tests.reliability.load import KeepAliveLoad  # noqa: E402
from tests.reliability.support import Served  # noqa: E402

PASTE = "[app:main]\nuse = egg:cravat#api\napi = bench.server_apps:cravat_api\nn = 100\n"
SHOW = f"/v1/r99/{ITEM_ID}"
BODY_HEAD = (b"POST /v1/r99 HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
             b"Content-Length: 1000\r\n\r\n{\"name\": ")
HEAD_START = b"GET /v1/r99 HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: "


class SlowClients:
    """``bodies`` stalled-body and ``heads`` trickling-head connections, kept open (reopened) until stop()."""

    def __init__(self, port: int, bodies: int, heads: int, until: float) -> None:
        self.port = port
        self.until = until
        self.reopened = 0
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._keep, args=(BODY_HEAD, bodies, None), daemon=True),
                         threading.Thread(target=self._keep, args=(HEAD_START, heads, 2.0), daemon=True)]
        for thread in self._threads:
            thread.start()

    def _open(self, data: bytes) -> socket.socket | None:
        try:
            sock = socket.create_connection(("127.0.0.1", self.port), timeout=5)
            sock.sendall(data)
            sock.setblocking(False)
            return sock
        except OSError:
            return None

    def _keep(self, data: bytes, count: int, trickle: float | None) -> None:
        socks = [s for s in (self._open(data) for _ in range(count)) if s is not None]
        last = time.monotonic()
        while not self._stop.is_set() and time.monotonic() < self.until:
            time.sleep(0.2)
            now = time.monotonic()
            send = trickle is not None and now - last >= trickle
            if send:
                last = now
            alive = []
            for sock in socks:
                try:
                    if send:
                        sock.send(b"x")
                    if sock.recv(4096) == b"":
                        raise ConnectionError  # ended by the server: an answer, or a close
                    raise ConnectionError  # any answer (408, 503) ends it too
                except BlockingIOError:
                    alive.append(sock)
                except OSError:
                    sock.close()
            for _ in range(len(socks) - len(alive)):
                sock = self._open(data)
                if sock is not None:
                    alive.append(sock)
                    self.reopened += 1
            socks = alive
        for sock in socks:
            sock.close()

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=10)


def wrk(port: int, seconds: float) -> tuple[float, float, str]:
    """Requests per second, p99 latency in ms, and wrk's complaint line if any."""
    try:
        out = subprocess.run(["wrk", "-t2", "-c50", f"-d{seconds:g}s", "--latency",
                              f"http://127.0.0.1:{port}{SHOW}"], capture_output=True, text=True,
                             timeout=seconds + 30).stdout
    except subprocess.TimeoutExpired:
        return 0.0, float("inf"), "wrk did not finish: the server stopped answering"
    rate, latency = re.search(r"Requests/sec:\s+([\d.]+)", out), re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    if not rate or not latency:
        return 0.0, float("inf"), f"wrk measured nothing: {out[-200:]!r}"
    rps = float(rate.group(1))
    value, unit = latency.groups()
    p99 = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    problems = "; ".join(line.strip() for line in out.splitlines() if "Non-2xx" in line or "timeout" in line)
    return rps, p99, problems


def slow_clients(server: str, paste: Path, seconds: float) -> list[str]:
    with Served(server, "--paste", str(paste), app=None, ready=SHOW, threads=8) as served:
        wrk(served.port, 1)  # warm-up
        idle_rps, idle_p99, idle_problems = wrk(served.port, seconds)
        slow = SlowClients(served.port, 80, 1000, time.monotonic() + seconds + 30)
        time.sleep(3)  # every slow client connected
        busy_rps, busy_p99, busy_problems = wrk(served.port, seconds)
        slow.stop()
    ratio = busy_rps / idle_rps
    ok = busy_p99 < 1000 and ratio >= 0.8
    return [f"| {server} | {idle_rps:,.0f} | {idle_p99:.1f} | {busy_rps:,.0f} | {busy_p99:.1f} | {ratio:.2f} | "
            f"{slow.reopened} | {'PASS' if ok else 'FAIL'} |"
            + (f" {idle_problems} {busy_problems}" if idle_problems or busy_problems else "")]


def stops(server: str, rounds: int) -> str:
    total = {"answered": 0, "resets": 0, "unanswered": 0, "refused": 0}
    for _ in range(rounds):
        with Served(server, "--graceful-timeout", "10", threads=8) as served:
            load = KeepAliveLoad(served.port, 32, seconds=30)
            time.sleep(0.5)
            served.proc.send_signal(signal.SIGTERM)
            served.proc.wait(timeout=30)
            tally = load.join(30)
        for key in total:
            total[key] += getattr(tally, key)
    lost = total["resets"] + total["unanswered"]
    return (f"| {server} | {rounds} | {total['answered']:,} | {total['resets']} | {total['unanswered']} | "
            f"{total['refused']} | {'PASS' if lost == 0 else 'FAIL'} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--server", action="append", help="granian (default), gunicorn, uwsgi; repeat for several")
    p.add_argument("--seconds", type=float, default=10, help="seconds of each wrk run (10)")
    p.add_argument("--rounds", type=int, default=20, help="SIGTERMs per server (20)")
    p.add_argument("--markdown", metavar="FILE", help="also write the report to FILE")
    opts = p.parse_args(argv)
    if not (0 < opts.seconds <= 60 and 1 <= opts.rounds <= 50):
        p.error("--seconds must be in (0, 60], --rounds in [1, 50]")
    servers = opts.server or ["granian"]
    lines = [f"Command: `.venv/bin/python bench/hostile.py {' '.join(sys.argv[1:] if argv is None else argv)}`",
             f"Python {platform.python_version()}, {platform.system()} {platform.machine()}, 1 worker x 8 threads; "
             f"wrk -t2 -c50 for {opts.seconds:g} s on `show`; the bench, wrk and the server share the machine.", ""]
    if shutil.which("wrk"):
        lines += ["| server | idle req/s | idle p99 ms | with slow clients req/s | p99 ms | ratio | "
                  "slow clients reopened | goal |", "|---|---:|---:|---:|---:|---:|---:|---|"]
        with tempfile.TemporaryDirectory() as tmp:
            paste = Path(tmp) / "bench.ini"
            paste.write_text(PASTE)
            for server in servers:
                print(f"slow clients: {server} ...", file=sys.stderr, flush=True)
                lines += slow_clients(server, paste, opts.seconds)
    else:
        lines.append("wrk is not installed (apt-get install wrk): the slow-client measurement was skipped.")
    lines += ["", "| server | SIGTERMs | answered | resets | closed unanswered | refused (not sent) | goal |",
              "|---|---:|---:|---:|---:|---:|---|"]
    for server in servers:
        print(f"graceful stops: {server} ...", file=sys.stderr, flush=True)
        lines.append(stops(server, opts.rounds))
    text = "\n".join(lines) + "\n"
    print(text)
    if opts.markdown:
        Path(opts.markdown).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
