"""Benchmark `cravat serve` on each server against Falcon served by gunicorn, over HTTP with wrk.

The core benchmark (bench/run.py) times frameworks in-process; here the server
is in the figure too. Each combination of app and server is started as its
own process on a free 127.0.0.1 port, checked, warmed up, then loaded by
`wrk` for a bounded time on the core benchmark's `show` route
(`GET /v1/r{N-1}/{id}`). Combinations take turns in rotated order within
each repetition and are started afresh each time, so drift in the machine
falls on all alike; the figure is the median over repetitions. The time from
starting the command to its first answered request is measured on every start.

    .venv/bin/python bench/server.py                  # ~5 minutes
    .venv/bin/python bench/server.py --quick          # ~40 s, one repetition
    .venv/bin/python bench/server.py --markdown /tmp/serving.md

It installs nothing: it needs `wrk` (Debian: `apt-get install wrk`), and
measures uWSGI only when it is installed (`pip install -e '.[uwsgi]'`).
Traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import re
import shlex
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if __package__ in (None, ""):
    sys.path.insert(0, str(REPO))

from bench.checks import ITEM_ID  # noqa: E402
from bench.report import cpu_model  # noqa: E402

BIN = Path(sys.executable).parent
#: Every wait on a process or a socket is bounded by this many seconds.
START_TIMEOUT = 20.0
STOP_TIMEOUT = 15.0

PASTE = {
    "cravat": """\
[app:main]
use = egg:cravat#api
api = bench.server_apps:cravat_api
n = {n}
""",
    "falcon": """\
[app:main]
paste.app_factory = bench.server_apps:falcon_factory
n = {n}
""",
}


@dataclass(frozen=True)
class Combination:
    """One app on one server, and the command that starts it on ``port``."""

    name: str
    app: str
    server: str
    how: str  # what the table says started it

    def command(self, paste: Path, port: int, opts: argparse.Namespace) -> list[str]:
        bind = f"127.0.0.1:{port}"
        if self.how == "gunicorn":  # gunicorn's own command, as Falcon's users run it
            return [str(BIN / "gunicorn"), "--worker-class", "gthread", "--workers", str(opts.workers),
                    "--threads", str(opts.server_threads), "--bind", bind, "--log-level", "warning",
                    "--paste", str(paste)]
        return [str(BIN / "cravat"), "serve", "--paste", str(paste), "--server", self.server, "--bind", bind,
                "--workers", str(opts.workers), "--threads", str(opts.server_threads)]


BASELINE = Combination("falcon/gunicorn", "falcon", "gunicorn", "gunicorn")
COMBINATIONS = [
    BASELINE,
    Combination("cravat/granian", "cravat", "granian", "cravat serve"),
    Combination("cravat/gunicorn", "cravat", "gunicorn", "cravat serve"),
    Combination("cravat/uwsgi", "cravat", "uwsgi", "cravat serve"),
    Combination("falcon/granian", "falcon", "granian", "cravat serve"),
    Combination("falcon/uwsgi", "falcon", "uwsgi", "cravat serve"),
]


@dataclass
class Results:
    rps: dict[str, list[float]] = field(default_factory=dict)
    start_ms: dict[str, list[float]] = field(default_factory=dict)
    broken: dict[str, str] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


# --- one run ------------------------------------------------------------------

class Server:
    """A started combination: its process (in a session of its own) and its port."""

    def __init__(self, command: list[str]) -> None:
        self.port = int(command[command.index("--bind") + 1].rpartition(":")[2])
        self.started = time.perf_counter()
        self.log = tempfile.TemporaryFile(mode="w+")  # noqa: SIM115 - closed by stop()
        self.proc = subprocess.Popen(command, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    def wait_ready(self, path: str, expect: dict) -> float:
        """Seconds from start to the first right answer on ``path``; raises if none within START_TIMEOUT."""
        deadline = self.started + START_TIMEOUT
        while time.perf_counter() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"exited with {self.proc.returncode} before answering: {self.output()}")
            try:
                status, body = get(self.port, path)
            except OSError:
                time.sleep(0.005)
                continue
            ready = time.perf_counter() - self.started
            if status != 200 or json.loads(body) != expect:
                raise RuntimeError(f"GET {path} answered {status} {body[:200]!r}, expected 200 {expect}")
            return ready
        raise RuntimeError(f"no answer on 127.0.0.1:{self.port} within {START_TIMEOUT} s: {self.output()}")

    def output(self) -> str:
        self.log.seek(0)
        return self.log.read()[-2000:]

    def stop(self) -> None:
        """SIGTERM, a bounded wait, then SIGKILL to the whole process group."""
        try:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            pass
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=STOP_TIMEOUT)
            self.log.close()


def get(port: int, path: str) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def wrk(port: int, path: str, seconds: float, opts: argparse.Namespace) -> tuple[float, str | None]:
    """Requests per second over ``seconds``, and what went wrong if any request failed."""
    command = ["wrk", f"-t{opts.wrk_threads}", f"-c{opts.connections}", f"-d{seconds:g}s", "--latency",
               f"http://127.0.0.1:{port}{path}"]
    out = subprocess.run(command, capture_output=True, text=True, timeout=seconds + 30).stdout
    match = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if not match:
        return 0.0, f"wrk printed no rate: {out[-500:]}"
    problems = [line.strip() for line in out.splitlines() if "Non-2xx" in line or "Socket errors" in line]
    # wrk counts the connections it closes at the deadline as read errors on some servers; those are not failures.
    problems = [p for p in problems if not re.fullmatch(r"Socket errors: connect 0, read \d+, write 0, timeout 0", p)]
    return float(match.group(1)), "; ".join(problems) or None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def run_once(combo: Combination, paste: Path, opts: argparse.Namespace, results: Results) -> None:
    path = f"/v1/r{opts.n - 1}/{ITEM_ID}"
    expect = {"id": ITEM_ID, "name": f"r{opts.n - 1}"}
    server = Server(combo.command(paste, free_port(), opts))
    try:
        ready = server.wait_ready(path, expect)
        wrk(server.port, path, opts.warmup, opts)
        rps, problem = wrk(server.port, path, opts.duration, opts)
        if problem:
            results.broken[combo.name] = problem
            return
        results.start_ms.setdefault(combo.name, []).append(ready * 1000)
        results.rps.setdefault(combo.name, []).append(rps)
    except Exception as exc:  # one broken combination must not sink the others
        results.broken[combo.name] = f"{type(exc).__name__}: {exc}"
    finally:
        server.stop()


# --- report -------------------------------------------------------------------

def versions() -> str:
    found = []
    for dist in ("cravat", "granian", "gunicorn", "uWSGI", "falcon", "WebOb", "PasteDeploy"):
        try:
            found.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            found.append(f"{dist} (not installed)")
    wrk_version = subprocess.run(["wrk", "-v"], capture_output=True, text=True).stdout.split("\n")[0].split(" [")[0]
    return ", ".join(found) + f"; {wrk_version}"


def report(command: str, combos: list[Combination], results: Results, opts: argparse.Namespace) -> str:
    base = statistics.median(results.rps[BASELINE.name]) if results.rps.get(BASELINE.name) else None
    lines = [
        f"Command: `{command}`",
        f"Python {platform.python_version()} ({platform.python_implementation()}), {platform.system()} "
        f"{platform.machine()}, {os.cpu_count()} CPUs{cpu_model()}",
        f"Versions: {versions()}",
        "",
        f"`GET /v1/r{opts.n - 1}/{{id}}` (the core benchmark's `show`, N={opts.n}), {opts.workers} worker process "
        f"× {opts.server_threads} threads per server; wrk on the same machine, {opts.wrk_threads} threads, "
        f"{opts.connections} connections, {opts.duration:g} s per run after {opts.warmup:g} s of warm-up; "
        f"{opts.reps} repetitions, combinations interleaved and restarted each time; medians.",
        "",
        "| app | server | started by | requests/s | × falcon/gunicorn | each run (requests/s) "
        "| start to first answer (ms) |",
        "|---|---|---|---:|---:|---|---:|",
    ]
    for combo in combos:
        if combo.name in results.missing:
            lines.append(f"| {combo.app} | {combo.server} | {combo.how} | not installed | | | |")
            continue
        if combo.name in results.broken:
            lines.append(f"| {combo.app} | {combo.server} | {combo.how} | broken | | | |")
            continue
        rps = statistics.median(results.rps[combo.name])
        ratio = f"{rps / base:.2f}×" if base else "n/a"
        start = statistics.median(results.start_ms[combo.name])
        runs = ", ".join(f"{r:,.0f}" for r in results.rps[combo.name])
        lines.append(f"| {combo.app} | {combo.server} | {combo.how} | {rps:,.0f} | {ratio} | {runs} | {start:.0f} |")
    lines += ["", "Goals:"]
    lines += goals(results, base)
    for name, why in {**results.missing, **results.broken}.items():
        lines.append(f"- {name}: {why}")
    return "\n".join(lines) + "\n"


def goals(results: Results, base: float | None) -> list[str]:
    default = "cravat/granian"
    if not results.rps.get(default) or not base:
        return [f"- not measured: {default} or the falcon/gunicorn baseline is missing or broken"]
    ratio = statistics.median(results.rps[default]) / base
    start = max(results.start_ms[default]) / 1000
    return [
        f"- `cravat serve` (granian) at least 2× Falcon on gunicorn: {ratio:.2f}× "
        f"({'PASS' if ratio >= 2 else 'FAIL'})",
        f"- `cravat serve` to its first answered request under 1 s: slowest of {len(results.start_ms[default])} "
        f"starts {start:.3f} s ({'PASS' if start < 1 else 'FAIL'})",
    ]


# --- command line ---------------------------------------------------------------

def parse_args(argv: list[str]) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--n", type=int, default=100, help="resources in each app (100)")
    p.add_argument("--reps", type=int, default=5, help="repetitions of every combination (5)")
    p.add_argument("--duration", type=float, default=6, help="seconds of each timed wrk run (6)")
    p.add_argument("--warmup", type=float, default=1, help="seconds of wrk before each timed run (1)")
    p.add_argument("--connections", type=int, default=50, help="wrk connections (50)")
    p.add_argument("--wrk-threads", type=int, default=2, help="wrk threads (2)")
    p.add_argument("--workers", type=int, default=1, help="server worker processes (1)")
    p.add_argument("--server-threads", type=int, default=8, help="threads per server worker (8, cravat serve's)")
    p.add_argument("--only", help="comma-separated combinations, from: " + ",".join(c.name for c in COMBINATIONS))
    p.add_argument("--quick", action="store_true", help="one repetition of 3 s runs")
    p.add_argument("--markdown", metavar="FILE", help="also write the report to FILE")
    opts = p.parse_args(argv)
    if opts.quick:
        opts.reps, opts.duration = 1, 3
    if not (0 < opts.duration <= 60 and 0 <= opts.warmup <= 10 and 1 <= opts.reps <= 10):
        p.error("--duration must be in (0, 60], --warmup in [0, 10], --reps in [1, 10]")
    return opts


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    opts = parse_args(argv)
    if shutil.which("wrk") is None:
        print("bench/server.py needs wrk, the HTTP load generator, and installs nothing itself.\n"
              "Install it: apt-get install wrk (Debian, Ubuntu), brew install wrk (macOS),\n"
              "or build it from its source; then run this again.", file=sys.stderr)
        return 2
    combos = [c for c in COMBINATIONS if not opts.only or c.name in opts.only.split(",")]
    results = Results()
    for combo in combos:
        if combo.server == "uwsgi" and not ((BIN / "uwsgi").exists() or shutil.which("uwsgi")):
            results.missing[combo.name] = "uWSGI is not installed (pip install -e '.[uwsgi]')"
    runnable = [c for c in combos if c.name not in results.missing]
    with tempfile.TemporaryDirectory(prefix="cravat-bench-") as tmp:
        pastes = {}
        for app, text in PASTE.items():
            pastes[app] = Path(tmp) / f"{app}.ini"
            pastes[app].write_text(text.format(n=opts.n))
        for rep in range(opts.reps):
            turn = rep % len(runnable) if runnable else 0
            for combo in runnable[turn:] + runnable[:turn]:
                if combo.name in results.broken:
                    continue
                print(f"rep {rep + 1}/{opts.reps}: {combo.name} ...", file=sys.stderr, flush=True)
                run_once(combo, pastes[combo.app], opts, results)
    command = "bench/server.py" + (" " + shlex.join(argv) if argv else "")
    text = report(f".venv/bin/python {command}", combos, results, opts)
    print(text)
    if opts.markdown:
        Path(opts.markdown).write_text(text)
    return 1 if results.broken else 0


if __name__ == "__main__":
    sys.exit(main())
