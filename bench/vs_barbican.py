"""cravat's key manager beside real Barbican 23, in-process and through HTTP, on the same machine.

    .venv/bin/python bench/vs_barbican.py                       # set-up (first run: ~70 s), then both arms
    .venv/bin/python bench/vs_barbican.py --arms inproc --requests 300 --rounds 5

Set-up: real Barbican 23 is installed from PyPI into its own virtual
environment (``.bench/barbican-venv``) with gunicorn beside it, and run with
the configuration its own docs describe for a single node: the no-auth
pipeline, SQLite, ``[queue] enable = False`` (orders run inside the
request), a simple_crypto KEK, debug off. Nothing of it is committed.

In-process (``bench/barbican_inproc.py``): each service, in its own
interpreter, builds its WSGI app from its paste file and is called directly,
no server or network; the figure is CPU milliseconds per request of the
whole process (cravat's order worker thread included). Rounds alternate the
services, so the machine's drift falls on both.

HTTP: both served by gunicorn (its gthread worker, the same ``--workers``
and threads), then both by granian (cravat's default server, through
``cravat serve``; Barbican through granian's own command with the same
workers and app threads), loaded by a closed-loop client of ``--connections``
keep-alive connections for ``--seconds`` per scenario (wrk when it is
installed, ``apt-get install wrk``, the writes through bench/wrk_writes.lua,
else Python threads; writes on one connection when a worker has more than
one thread);
the figure is requests per second, the median of ``--rounds`` rounds, and
each cravat row's ratio is to Barbican on the same server. The four servers
run side by side (each Barbican with its own home and database), and each
scenario loads each of them in turn, once a round, the order rotated every
round: the machine's drift, up to 2x within one run, falls on all alike. It runs once for each ``--threads`` value, a
table each (default ``1,8``): 1 thread a worker is how Barbican's own uWSGI
configuration (``etc/barbican/vassals/barbican-api.ini``: ``processes = 1``,
no threads) and OpenStack's uWSGI deployments run it, 8 is cravat serve's
default.

The cravat side is ``--cravat-paste FILE#NAME`` (by default the key manager's no-auth pipeline,
``etc/api-paste.ini#noauth``), configured as ``./dev serve`` runs it: a SQLite database made fresh for
each run under ``.bench/cravat-run`` and migrated with ``cravat db upgrade``, a random master KEK
(``KEYMANAGER_KEK``), the embedded task worker. Both services get the same requests, headers included
(``X-Roles: admin,creator,member``).
"""

import argparse
import base64
import json
import os
import re
import shlex
import shutil
import socket
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / ".bench"
VENV = BENCH / "barbican-venv"
RUN = BENCH / "barbican-run"
CRAVAT_RUN = BENCH / "cravat-run"
BARBICAN = "barbican==23.0.0"
INPROC = Path(__file__).with_name("barbican_inproc.py")
sys.path.insert(0, str(ROOT))
from bench.barbican_inproc import LIST_PROJECT, LISTED  # noqa: E402 - after the path fix above

GOALS = {"secret store": 10, "get metadata": 20, "get payload": 20, "list of 10": 20, "key order to ACTIVE": 10}


# --- set-up -----------------------------------------------------------------------------------

def setup() -> None:
    """Install real Barbican 23 into its own venv (once), and write its single-node configuration."""
    python = VENV / "bin" / "python"
    stamp = VENV / ".installed-with-granian"
    if not stamp.exists():
        print(f"installing {BARBICAN} into {VENV} (about a minute)...", file=sys.stderr, flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(VENV)], check=True)
        # The servers in the ranges cravat's pyproject.toml pins, so both services run on the same ones.
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", BARBICAN, "gunicorn>=23,<28",
                        "granian>=2.5,<3"], check=True)
        stamp.touch()
    conf = RUN / ".barbican" / "barbican.conf"
    if not conf.exists():
        conf.parent.mkdir(parents=True, exist_ok=True)
        kek = subprocess.run([str(python), "-c", "from cryptography.fernet import Fernet; "
                              "print(Fernet.generate_key().decode())"], check=True, capture_output=True,
                             text=True).stdout.strip()
        conf.write_text(f"""[DEFAULT]
db_auto_create = True
debug = False
log_file = {RUN}/barbican.log

[database]
connection = sqlite:///{RUN}/barbican.sqlite

[queue]
enable = False

[simple_crypto_plugin]
kek = {kek}
""")
        paste = (VENV / "etc" / "barbican" / "barbican-api-paste.ini").read_text()
        (RUN / "barbican-api-paste-noauth.ini").write_text(
            paste.replace("/v1: barbican-api-keystone", "/v1: barbican_api"))
    # Written at every set-up: its HOME (where Barbican reads barbican.conf) is each server's own, from the
    # environment (barbican_env).
    (RUN / "barbican_wsgi.py").write_text(
        "import os, webob\n"
        f"os.environ.setdefault('HOME', {str(RUN)!r})\n"
        "# Barbican 23's no-auth context reads req.request_id, which nothing sets (context.py:125).\n"
        "webob.request.BaseRequest.request_id = property(lambda self: self.environ.get('openstack.request_id'))\n"
        "from paste import deploy\n"
        f"application = deploy.loadapp('config:{RUN}/barbican-api-paste-noauth.ini')\n")


def barbican_env(label: str | None = None) -> dict:
    """The environment for one run of Barbican, on a fresh database (``db_auto_create`` makes it), as cravat's;
    with a ``label``, in a home of its own (its barbican.conf naming its own database), so that two Barbican
    servers can run side by side."""
    home = RUN
    if label is not None:
        home = RUN / label
        (home / ".barbican").mkdir(parents=True, exist_ok=True)
        conf = (RUN / ".barbican" / "barbican.conf").read_text()
        (home / ".barbican" / "barbican.conf").write_text(
            conf.replace(f"{RUN}/barbican.sqlite", f"{home}/barbican.sqlite")
                .replace(f"{RUN}/barbican.log", f"{home}/barbican.log"))
    for stale in home.glob("barbican.sqlite*"):
        stale.unlink()
    return {**os.environ, "HOME": str(home), "PYTHONPATH": str(RUN)}


def cravat_env(label: str) -> dict:
    """The environment for one run of cravat's key manager: a fresh, migrated SQLite database and a KEK."""
    run = CRAVAT_RUN / label
    run.mkdir(parents=True, exist_ok=True)
    database = run / "keymanager.sqlite"
    for stale in run.glob("keymanager.sqlite*"):
        stale.unlink()
    env = {**os.environ, "KEYMANAGER_DATABASE_URL": f"sqlite:///{database}",
           "KEYMANAGER_KEK": base64.b64encode(os.urandom(32)).decode(), "KEYMANAGER_TASK_TRANSPORT": "embedded"}
    upgrade = subprocess.run([sys.executable, "-m", "cravat.deploy.cli", "db", "upgrade", "--app",
                              "keymanager.app:app"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    if upgrade.returncode != 0:
        raise SystemExit(f"cravat db upgrade failed:\n{upgrade.stdout}{upgrade.stderr[-3000:]}")
    return env


# --- in-process -------------------------------------------------------------------------------

def inproc(target: str, source: str, requests: int) -> dict:
    python = str(VENV / "bin" / "python") if target == "barbican" else sys.executable
    env = barbican_env() if target == "barbican" else cravat_env("inproc")
    result = subprocess.run([python, str(INPROC), target, source, str(requests)], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=1800)
    if result.returncode != 0:
        raise SystemExit(f"{target} in-process run failed:\n{result.stderr[-3000:]}")
    return json.loads(result.stdout.strip().splitlines()[-1])


def inproc_arm(opts) -> tuple[dict, dict, dict]:
    runs = {"barbican": [], "cravat": []}
    for round_ in range(opts.rounds):
        for target in (["barbican", "cravat"] if round_ % 2 == 0 else ["cravat", "barbican"]):
            source = str(RUN) if target == "barbican" else opts.cravat_paste
            # Barbican is ~100 times slower: fewer requests give it a comparable run time.
            count = max(20, opts.requests // 20) if target == "barbican" else opts.requests
            print(f"in-process round {round_ + 1}: {target}...", file=sys.stderr, flush=True)
            runs[target].append(inproc(target, source, count))
    medians = {t: {s: statistics.median(r["cpu_ms"][s] for r in rs if s in r["cpu_ms"])
                   for s in GOALS if all(s in r["cpu_ms"] for r in rs)} for t, rs in runs.items()}
    broken = {t: {k: v for r in rs for k, v in r["broken"].items()} for t, rs in runs.items()}
    builds = {t: statistics.median(r["build_cpu_s"] for r in rs) for t, rs in runs.items()}
    return medians, broken, builds


# --- HTTP -------------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """A service on 127.0.0.1 until stopped."""

    def __init__(self, command: list[str], port: int, env: dict | None = None) -> None:
        self.port = port
        # The server's output goes to a file: a pipe nobody reads would stall a chatty server.
        BENCH.mkdir(exist_ok=True)
        self.log = BENCH / f"server-{port}.log"
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    return
            except OSError:
                if self.process.poll() is not None:
                    raise SystemExit(f"{shlex.join(command)} exited: {self.log.read_text()[-2000:]}") from None
                time.sleep(0.2)
        self.stop()
        raise SystemExit(f"{shlex.join(command)} did not listen on {port} within 60 s")

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, 15)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, 9)
                self.process.wait(timeout=30)
        self.log.unlink(missing_ok=True)


def gunicorn(python: Path, module: str, port: int, opts, threads: int) -> list[str]:
    return [str(python), "-m", "gunicorn", "--worker-class", "gthread", "--workers", str(opts.workers),
            "--threads", str(threads), "--bind", f"127.0.0.1:{port}", "--log-level", "warning", module]


def granian(python: Path, module: str, port: int, opts, threads: int) -> list[str]:
    """granian's own command line, running the app on ``threads`` threads a worker, as ``cravat serve``
    does (its further threads only wait for request bodies still arriving, outside the app)."""
    return [str(python), "-m", "granian", "--interface", "wsgi", "--http", "1", "--workers", str(opts.workers),
            "--blocking-threads", str(threads), "--host", "127.0.0.1", "--port", str(port),
            "--log-level", "warning", module]


def http_scenarios(port: int) -> list[tuple[str, str, str, bytes, dict]]:
    """(name, method, path, body, headers) per scenario, on fixtures made through the server itself."""
    import http.client

    headers = {"X-Project-Id": "bench-project", "X-User-Id": "bench-user", "X-Roles": "admin,creator,member",
               "Content-Type": "application/json", "Accept": "application/json"}
    secret = json.dumps({"name": "bench", "payload": "a secret of thirty-two bytes....",
                         "payload_content_type": "text/plain"}).encode()
    # The list reads its own project, LISTED secrets in both services (see bench/barbican_inproc.py).
    listing = {**headers, "X-Project-Id": LIST_PROJECT}
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    refs = []
    for project_headers in [headers] + [listing] * LISTED:
        conn.request("POST", "/v1/secrets", secret, project_headers)
        answer = conn.getresponse()
        body = answer.read()
        if answer.status != 201:
            raise SystemExit(f"HTTP set-up: POST /v1/secrets answered {answer.status}: {body[:300]!r}")
        refs.append(json.loads(body)["secret_ref"].rsplit("/", 1)[-1])
    conn.close()
    order = json.dumps({"type": "key", "meta": {"name": "k", "algorithm": "aes", "bit_length": 256,
                                                "mode": "cbc"}}).encode()
    return [
        ("secret store", "POST", "/v1/secrets", secret, headers),
        ("get metadata", "GET", f"/v1/secrets/{refs[0]}", b"", headers),
        ("get payload", "GET", f"/v1/secrets/{refs[0]}/payload", b"", {**headers, "Accept": "text/plain"}),
        ("list of 10", "GET", "/v1/secrets?limit=10", b"", listing),
        ("key order to ACTIVE", "ORDER", "/v1/orders", order, headers),
    ]


def _order_to_active(conn, path: str, body: bytes, headers: dict) -> int:
    """POST an order, then GET it until it is ACTIVE: one unit of the order scenario; the last status."""
    conn.request("POST", path, body, headers)
    answer = conn.getresponse()
    created = answer.read()
    if answer.status != 202:
        return answer.status
    order = "/v1/orders/" + json.loads(created)["order_ref"].rsplit("/", 1)[-1]
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        conn.request("GET", order, None, headers)
        answer = conn.getresponse()
        state = json.loads(answer.read())["status"]
        if state == "ACTIVE":
            return 200
        if state != "PENDING":
            return 500
        time.sleep(0.001)
    return 504


#: Scenarios that write: with threads, one connection at a time for every service, since Barbican on SQLite
#: answers concurrent writes with "database is locked" 500s (its own limit, not this benchmark's).
WRITES = ("secret store", "key order to ACTIVE")


def write_connections(scenario: str, threads: int, opts) -> int:
    """Connections loading ``scenario``: all of them, but one for a write where threads could write at once
    (a worker of one thread runs one request at a time, so Barbican's writes never meet)."""
    return 1 if scenario in WRITES and threads > 1 else opts.connections


def load(port: int, method: str, path: str, body: bytes, headers: dict, connections: int,
         seconds: float) -> tuple[float, int]:
    """(units per second, failed units) from ``connections`` keep-alive clients for ``seconds``
    (bounded): a unit is one request, or for ``ORDER`` an order created and seen ACTIVE."""
    import http.client

    stop = time.monotonic() + seconds
    counts, errors = [0] * connections, []

    def client(index: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            while time.monotonic() < stop:
                if method == "ORDER":
                    status = _order_to_active(conn, path, body, headers)
                else:
                    conn.request(method, path, body or None, headers)
                    answer = conn.getresponse()
                    answer.read()
                    status = answer.status
                if status >= 400:
                    errors.append(status)
                    continue
                counts[index] += 1
        finally:
            conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(connections)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(counts) / (time.monotonic() - started), len(errors)


def wrk_load(port: int, path: str, headers: dict, connections: int, seconds: float) -> tuple[float, int]:
    """(requests per second, failed requests) of a read scenario, loaded by wrk (a C client: the
    client's own cost, which Python's would add to the faster service's measure, stays out of it)."""
    command = ["wrk", f"-t{min(2, connections)}", f"-c{connections}", f"-d{seconds:g}s"]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    out = subprocess.run([*command, f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True,
                         timeout=seconds + 60).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    if rate is None:
        raise SystemExit(f"wrk measured nothing on {path}: {out[-300:]!r}")
    failed = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", out)
    errors = re.search(r"Socket errors:.*", out)
    if errors:
        print(f"wrk on {path}: {errors.group(0)}", file=sys.stderr)
    return float(rate.group(1)), int(failed.group(1)) if failed else 0


#: wrk's script for the writes (a unit: a secret stored, or an order created and seen ACTIVE).
WRK_WRITES = Path(__file__).with_name("wrk_writes.lua")


def wrk_write_load(port: int, method: str, path: str, body: bytes, headers: dict, connections: int,
                   seconds: float) -> tuple[float, int]:
    """(units per second, failed units) of a write scenario, loaded by wrk with bench/wrk_writes.lua: the
    same units as :func:`load`'s, from one wrk thread per connection (each its own script state). Python's
    http.client cost about 0.12-0.18 ms of the client's CPU an order, a tenth of cravat's whole loop on one
    connection and a hundredth of Barbican's: the faster service's figure would carry the client's cost."""
    BENCH.mkdir(exist_ok=True)
    body_file = BENCH / f"wrk-body-{port}"
    body_file.write_bytes(body)
    mode = ["order", path, str(body_file)] if method == "ORDER" else ["post", path, str(body_file), "201"]
    command = ["wrk", f"-t{connections}", f"-c{connections}", f"-d{seconds:g}s", "-s", str(WRK_WRITES)]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    try:
        out = subprocess.run([*command, f"http://127.0.0.1:{port}", "--", *mode], capture_output=True, text=True,
                             timeout=seconds + 60).stdout
    finally:
        body_file.unlink(missing_ok=True)
    units = re.search(r"units (\d+) failed (\d+) seconds ([\d.]+)", out)
    if units is None or float(units.group(3)) <= 0:
        raise SystemExit(f"wrk measured nothing on {method} {path}: {out[-300:]!r}")
    errors = re.search(r"Socket errors:.*", out)
    if errors:
        print(f"wrk on {method} {path}: {errors.group(0)}", file=sys.stderr)
    return int(units.group(1)) / float(units.group(3)), int(units.group(2))


def http_arm(opts, threads: int) -> dict:
    """{server: {scenario: (median rate, failed)}}: the four servers run side by side, idle but for the
    one being loaded, and each scenario is loaded on each of them in turn, ``--rounds`` times, the order
    rotated every round, so the machine's drift (up to 2x within a run) falls on all of them alike."""
    paste, _, name = opts.cravat_paste.partition("#")
    barbican = VENV / "bin" / "python"

    def cravat(port: int, *server: str) -> list[str]:
        return [sys.executable, "-m", "cravat.deploy.cli", "serve", *server, "--paste", paste, "--name",
                name or "main", "--workers", str(opts.workers), "--threads", str(threads), "--bind",
                f"127.0.0.1:{port}"]

    # Each server's command for a port, and its environment; in the first round's order.
    services = {
        "barbican (gunicorn)": (lambda port: gunicorn(barbican, "barbican_wsgi:application", port, opts, threads),
                                lambda: barbican_env("gunicorn")),
        "barbican (granian)": (lambda port: granian(barbican, "barbican_wsgi:application", port, opts, threads),
                               lambda: barbican_env("granian")),
        "cravat (gunicorn)": (lambda port: cravat(port, "--server", "gunicorn"), lambda: cravat_env("gunicorn")),
        "cravat (cravat serve: granian)": (cravat, lambda: cravat_env("granian")),
    }
    labels = list(services)
    servers: dict[str, Server] = {}
    try:
        for label, (command, env) in services.items():
            print(f"HTTP, {threads} threads: starting {label}...", file=sys.stderr, flush=True)
            port = free_port()
            servers[label] = Server(command(port), port, env())
        scenarios = {label: http_scenarios(server.port) for label, server in servers.items()}
        samples: dict[str, dict[str, list[tuple[float, int]]]] = {label: {} for label in labels}
        for index, (scenario, *_) in enumerate(scenarios[labels[0]]):
            for round_ in range(opts.rounds):
                turn = labels[round_ % len(labels):] + labels[:round_ % len(labels)]
                print(f"HTTP, {threads} threads: {scenario}, round {round_ + 1}...", file=sys.stderr, flush=True)
                for label in turn:
                    _, method, path, body, headers = scenarios[label][index]
                    port = servers[label].port
                    connections = write_connections(scenario, threads, opts)
                    if opts.client == "python":
                        sample = load(port, method, path, body, headers, connections, opts.seconds)
                    elif scenario in WRITES:
                        sample = wrk_write_load(port, method, path, body, headers, connections, opts.seconds)
                    else:
                        sample = wrk_load(port, path, headers, connections, opts.seconds)
                    samples[label].setdefault(scenario, []).append(sample)
    finally:
        for server in servers.values():
            server.stop()
    return {label: {scenario: (statistics.median(rate for rate, _ in runs), sum(failed for _, failed in runs))
                    for scenario, runs in by_scenario.items()} for label, by_scenario in samples.items()}


# --- report -----------------------------------------------------------------------------------

def report(command: str, opts, inproc_results, http_rows) -> str:
    lines = [f"Command: `{command}`", f"Barbican: {BARBICAN} (PyPI), no-auth pipeline, SQLite, [queue] enable = False,"
             " simple_crypto; cravat: " + opts.cravat_paste, ""]
    if inproc_results:
        medians, broken, builds = inproc_results
        lines += [f"### In-process, CPU ms per request (median of {opts.rounds} rounds)", "",
                  "| scenario | Barbican ms | cravat ms | Barbican / cravat | goal |", "|---|---:|---:|---:|---|"]
        for scenario, goal in GOALS.items():
            b, c = medians["barbican"].get(scenario), medians["cravat"].get(scenario)
            if b is None or c is None:
                lines.append(f"| {scenario} | {f'{b:.2f}' if b else 'broken'} | {f'{c:.3f}' if c else 'broken'} | – "
                             f"| ≥ {goal}× FAIL |")
                continue
            ratio = b / c
            lines.append(f"| {scenario} | {b:.2f} | {c:.3f} | {ratio:.1f}× | ≥ {goal}× "
                         f"{'PASS' if ratio >= goal else 'FAIL'} |")
        lines += ["", f"App built in {builds['barbican']:.2f} CPU s (Barbican) and {builds['cravat']:.2f} (cravat)."]
        for target, why in broken.items():
            for scenario, text in why.items():
                lines.append(f"- {target} broken in {scenario}: {text}")
        lines.append("")
    for threads, rows in (http_rows or {}).items():
        names = list(next(iter(rows.values())))
        lines += [f"### Through HTTP, requests per second ({opts.workers} worker × {threads} "
                  f"thread{'s' * (threads > 1)}, {opts.connections} connections, {opts.seconds:g} s a scenario, "
                  f"median of {opts.rounds} rounds)", "",
                  "| server | " + " | ".join(names) + " |", "|---|" + "---:|" * len(names)]
        for label, row in rows.items():
            # Each cravat row is compared with Barbican on the same server.
            base = {} if label.startswith("barbican") else rows.get(
                "barbican (granian)" if "granian" in label else "barbican (gunicorn)", {})
            cells = []
            for n in names:
                rate, failed = row[n]
                cell = f"{rate:,.1f}" if rate < 100 else f"{rate:,.0f}"
                if base and base[n][0]:
                    cell += f" ({rate / base[n][0]:.1f}×)"
                cells.append(cell + (f", {failed} failed" if failed else ""))
            lines.append(f"| {label} | " + " | ".join(cells) + " |")
        lines.append("")
    if http_rows:
        client = ("wrk (the writes with bench/wrk_writes.lua, a wrk thread a connection)" if opts.client == "wrk"
                  else "Python's http.client in threads")
        lines += ["Each cravat figure's ratio is to Barbican on the same server. The four servers run side by side;"
                  " each scenario loads each server in turn, once a round, the order rotated every round.",
                  "", f"Loaded by {client}. The writes ({', '.join(WRITES)}) on "
                  f"{opts.connections} connections with 1 thread a worker and on one with more, for every service: "
                  "Barbican on SQLite answers writes made at once with 'database is locked'."]
    return "\n".join(lines) + "\n"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--arms", default="inproc,http", help="inproc, http or both (default)")
    parser.add_argument("--cravat-paste", default="etc/api-paste.ini#noauth",
                        help="the cravat key manager's no-auth pipeline, FILE#NAME")
    parser.add_argument("--requests", type=int, default=400, help="cravat requests per scenario per round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="rounds of each arm, the figure their median: in-process the services alternate; "
                             "through HTTP each scenario loads each server in turn, the order rotated each round")
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", default="1,8",
                        help="the HTTP arm's threads a worker, a comma list, one table each (default 1,8: "
                             "Barbican's own uWSGI configuration runs one thread a process; 8 is cravat serve's "
                             "default)")
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--client", choices=("wrk", "python"), default="wrk" if shutil.which("wrk") else "python",
                        help="the HTTP scenarios' load generator (default: wrk when installed; "
                             "Debian: apt-get install wrk)")
    parser.add_argument("--setup-only", action="store_true")
    parser.add_argument("--markdown", metavar="FILE")
    argv = sys.argv[1:] if argv is None else argv
    opts = parser.parse_args(argv)
    setup()
    if opts.setup_only:
        return 0
    arms = opts.arms.split(",")
    inproc_results = inproc_arm(opts) if "inproc" in arms else None
    http_rows = {t: http_arm(opts, t) for t in map(int, opts.threads.split(","))} if "http" in arms else None
    text = report(".venv/bin/python bench/vs_barbican.py " + shlex.join(argv), opts, inproc_results, http_rows)
    print(text)
    if opts.markdown:
        Path(opts.markdown).write_text(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
