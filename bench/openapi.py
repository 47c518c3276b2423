"""Spec-first serving: cravat against Connexion 3 on one generated OpenAPI 3 file, validation on.

The workload is the core benchmark's (``GET /ping``; per resource ``/v1/r{i}``: index, create,
show, update, delete and ``POST .../action``), written as an OpenAPI 3.0 spec by :func:`spec`,
with create's body checked against Nova's server schema (bench/apps/server_schema.py). Four arms
serve it, each in-process, no server or socket:

- ``cravat-spec``: ``cravat.openapi.App`` on the spec, called as WSGI;
- ``cravat-code``: the same API declared as cravat controllers (``@cravat.validate`` on create),
  called as WSGI: what spec-first is compared with for its own overhead;
- ``connexion-async`` and ``connexion-flask``: Connexion 3's ``AsyncApp`` and ``FlaskApp`` on the
  same spec, driven through their ASGI interface, a batch of requests in one event-loop run.

Each arm's answer to each scenario is checked first. Figures are requests per CPU-second of this
process (``time.process_time``), the median of repetitions in which the arms take turns in
rotated order, so drift on this shared 2-core machine falls on all of them alike. Start-up is
timed in a fresh process per arm: loading a spec of 1,000 operations to the first answered request.

    .venv/bin/python bench/openapi.py                      # about three minutes
    .venv/bin/python bench/openapi.py --quick --markdown /tmp/openapi.md
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.apps.server_schema import SERVER_SCHEMA, VALID_BODY  # noqa: E402
from bench.checks import ITEM_ID  # noqa: E402

HANDLERS = "bench.apps.openapi_handlers"
ARMS = ("cravat-spec", "cravat-code", "connexion-async", "connexion-flask")
#: A body every validator refuses alike (a name that is no string): formats are checked differently.
INVALID_BODY = {"server": {**VALID_BODY["server"], "name": 7}}


def spec(n: int) -> dict[str, Any]:
    """The OpenAPI 3.0 spec of the workload with ``n`` resources (6n + 1 operations)."""
    body = {"required": True, "content": {"application/json": {"schema": {"type": "object"}}}}
    server = {"required": True, "content": {"application/json": {"schema": SERVER_SCHEMA}}}
    item = [{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}]
    ok = {"200": {"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}}}
    paths: dict[str, Any] = {"/ping": {"get": {"operationId": f"{HANDLERS}.ping", "responses": ok}}}
    for i in range(n):
        r = f"r{i}"
        paths[f"/v1/{r}"] = {
            "get": {"operationId": f"{HANDLERS}.{r}_index", "responses": ok},
            "post": {"operationId": f"{HANDLERS}.{r}_create", "requestBody": server,
                     "responses": {"201": {"description": "created"}}},
        }
        paths[f"/v1/{r}/{{id}}"] = {
            "get": {"operationId": f"{HANDLERS}.{r}_show", "parameters": item, "responses": ok},
            "put": {"operationId": f"{HANDLERS}.{r}_update", "parameters": item, "requestBody": body,
                    "responses": ok},
            "delete": {"operationId": f"{HANDLERS}.{r}_delete", "parameters": item,
                       "responses": {"204": {"description": "deleted"}}},
        }
        paths[f"/v1/{r}/{{id}}/action"] = {"post": {
            "operationId": f"{HANDLERS}.{r}_action", "parameters": item, "requestBody": body,
            "responses": {"202": {"description": "accepted"}}}}
    return {"openapi": "3.0.3", "info": {"title": "bench", "version": "1"}, "paths": paths}


def write_spec(n: int, folder: str) -> str:
    path = os.path.join(folder, f"bench-{n}.json")
    Path(path).write_text(json.dumps(spec(n)))
    return path


# --- the arms ------------------------------------------------------------------------------------


def cravat_spec_app(path: str) -> Callable[..., Any]:
    import cravat.openapi

    app = cravat.openapi.App(error_style="problem")
    app.add_api(path, swagger_ui=False)
    return app.compile()


def cravat_code_app(n: int) -> Callable[..., Any]:
    import cravat

    class Ping:
        def on_get(self, req):
            return {"ping": "pong"}

    def resource(name: str) -> Any:
        class R:
            def index(self, req):
                return {"items": []}

            @cravat.validate(body=SERVER_SCHEMA)
            def create(self, req, body):
                return body

            def show(self, req, id):  # noqa: A002
                return {"id": id, "name": name}

            def update(self, req, id, body):  # noqa: A002
                return body

            def delete(self, req, id):  # noqa: A002
                return None

        return R()

    api = cravat.API(error_style="problem")
    api.route("/ping", Ping())
    for i in range(n):
        api.resource(f"/v1/r{i}", resource(f"r{i}"))
    return api.compile()


def connexion_app(path: str, kind: str) -> Any:
    import logging
    import warnings

    warnings.filterwarnings("ignore", module="connexion")
    warnings.filterwarnings("ignore", message=".*httpx.*")
    import connexion

    # Connexion logs every refused request; the timing loop must not pay for a terminal.
    logging.getLogger("connexion").setLevel(logging.CRITICAL)

    cls = connexion.AsyncApp if kind == "async" else connexion.FlaskApp
    app = cls(__name__)
    app.add_api(path)
    return app


class ASGIDriver:
    """Calls an ASGI app in-process: a lifespan start-up, then batches of requests in one loop run."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.loop = asyncio.new_event_loop()
        self.loop.run_until_complete(self._lifespan())

    async def _lifespan(self) -> None:
        messages = [{"type": "lifespan.startup"}]
        done = asyncio.Event()

        async def receive():
            if messages:
                return messages.pop()
            await done.wait()
            return {"type": "lifespan.shutdown"}

        async def send(message):
            if message["type"] in ("lifespan.startup.complete", "lifespan.startup.failed"):
                done.set()

        task = self.loop.create_task(self.app({"type": "lifespan", "asgi": {"version": "3.0"}}, receive, send))
        await asyncio.wait_for(done.wait(), 30)
        self._lifespan_task = task

    def batch(self, method: str, path: str, body: bytes | None, count: int) -> tuple[int, bytes]:
        return self.loop.run_until_complete(self._batch(method, path, body, count))

    async def _batch(self, method: str, path: str, body: bytes | None, count: int) -> tuple[int, bytes]:
        raw_path, _, query = path.partition("?")
        headers = [(b"host", b"127.0.0.1")]
        if body is not None:
            headers += [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
        status, chunks = 0, []  # one list, emptied per request: the last request's body is returned
        for _ in range(count):
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
                     "scheme": "http", "path": raw_path, "raw_path": raw_path.encode(), "query_string":
                     query.encode(), "root_path": "", "headers": list(headers), "server": ("127.0.0.1", 80),
                     "client": ("127.0.0.1", 5000)}
            sent = False

            async def receive():
                nonlocal sent
                if not sent:
                    sent = True
                    return {"type": "http.request", "body": body or b"", "more_body": False}
                return {"type": "http.disconnect"}

            chunks.clear()

            async def send(message):
                nonlocal status
                if message["type"] == "http.response.start":
                    status = message["status"]
                elif message["type"] == "http.response.body":
                    chunks.append(message.get("body", b""))

            await self.app(scope, receive, send)
        return status, b"".join(chunks)


def wsgi_batch(app: Any) -> Callable[[str, str, bytes | None, int], tuple[int, bytes]]:
    import io

    def batch(method: str, path: str, body: bytes | None, count: int) -> tuple[int, bytes]:
        raw_path, _, query = path.partition("?")
        base = {"REQUEST_METHOD": method, "PATH_INFO": raw_path, "QUERY_STRING": query, "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "wsgi.url_scheme": "http", "SCRIPT_NAME": "",
                "wsgi.errors": sys.stderr, "HTTP_HOST": "127.0.0.1"}
        if body is not None:
            base.update(CONTENT_TYPE="application/json", CONTENT_LENGTH=str(len(body)))
        got = {}

        def start_response(status, headers, exc_info=None):
            got["status"] = status
            return lambda data: None

        payload = b""
        for _ in range(count):
            environ = dict(base)
            environ["wsgi.input"] = io.BytesIO(body or b"")
            result = app(environ, start_response)
            payload = b"".join(result)
            close = getattr(result, "close", None)
            if close is not None:
                close()
        return int(got["status"][:3]), payload

    return batch


# --- scenarios -----------------------------------------------------------------------------------


def scenarios(n: int) -> list[tuple[str, str, str, bytes | None, int]]:
    """``(name, method, path, body, expected status)``."""
    last = f"r{n - 1}"
    return [
        ("ping", "GET", "/ping", None, 200),
        (f"show N={n}", "GET", f"/v1/{last}/{ITEM_ID}", None, 200),
        (f"create valid N={n}", "POST", f"/v1/{last}", json.dumps(VALID_BODY).encode(), 201),
        (f"create invalid N={n}", "POST", f"/v1/{last}", json.dumps(INVALID_BODY).encode(), 400),
        ("404", "GET", "/nope/at/all", None, 404),
    ]


def build_arms(n: int, folder: str, only: set[str]) -> dict[str, Any]:
    path = write_spec(n, folder)
    arms: dict[str, Any] = {}
    for name in ARMS:
        if name not in only:
            continue
        if name == "cravat-spec":
            arms[name] = wsgi_batch(cravat_spec_app(path))
        elif name == "cravat-code":
            arms[name] = wsgi_batch(cravat_code_app(n))
        else:
            arms[name] = ASGIDriver(connexion_app(path, name.split("-")[1])).batch
    return arms


def check(arms: dict[str, Any], cases: list[Any], n: int) -> dict[tuple[str, str], str]:
    broken = {}
    for case, method, path, body, status in cases:
        for name, batch in arms.items():
            got, payload = batch(method, path, body, 1)
            if got != status:
                broken[case, name] = f"answered {got}, not {status}: {payload[:200]!r}"
            elif case.startswith("show") and json.loads(payload) != {"id": ITEM_ID, "name": f"r{n - 1}"}:
                broken[case, name] = f"answered {payload[:200]!r}"
            elif case.startswith("create valid") and json.loads(payload) != VALID_BODY:
                broken[case, name] = "did not echo the body"
    return broken


def measure(arms: dict[str, Any], cases: list[Any], broken: dict[Any, str], reps: int, budget: float) \
        -> dict[tuple[str, str], float]:
    """Median requests per CPU-second, per (scenario, arm)."""
    rates: dict[tuple[str, str], list[float]] = {}
    names = list(arms)
    for case, method, path, body, _ in cases:
        counts = {}
        for name in names:
            if (case, name) in broken:
                continue
            start = time.process_time()
            arms[name](method, path, body, 20)
            per = max((time.process_time() - start) / 20, 1e-7)
            counts[name] = max(20, min(5000, int(budget / per)))
        for rep in range(reps):
            turn = rep % len(names)
            for name in names[turn:] + names[:turn]:
                if name not in counts:
                    continue
                start = time.process_time()
                arms[name](method, path, body, counts[name])
                rates.setdefault((case, name), []).append(counts[name] / (time.process_time() - start))
    return {key: statistics.median(values) for key, values in rates.items()}


STARTUP = """
import sys, time, json
sys.path.insert(0, {root!r})
import bench.openapi as b
kind, path = sys.argv[1], sys.argv[2]
if kind.startswith("connexion"):
    import connexion  # imports are not loading
else:
    import cravat.openapi
wall, cpu = time.perf_counter(), time.process_time()
if kind.startswith("cravat-spec"):
    call = b.wsgi_batch(b.cravat_spec_app(path))
else:
    call = b.ASGIDriver(b.connexion_app(path, kind.split("-")[1])).batch
status, _ = call("GET", "/v1/r{last}/x", None, 1)
print(json.dumps({{"cpu": time.process_time() - cpu, "wall": time.perf_counter() - wall, "status": status}}))
"""
#: The start-up arms: cravat with an empty cache of checked specs (cold) and with this spec in it (warm).
START_ARMS = ("cravat-spec (cold)", "cravat-spec (warm)", "connexion-async", "connexion-flask")


def startup(folder: str, operations: int, reps: int, only: set[str]) -> dict[str, tuple[float, float]]:
    """(CPU, wall) seconds from loading a spec of ``operations`` operations to its first answer, fresh processes."""
    n = max(1, (operations - 1) // 6)
    path = write_spec(n, folder)
    code = STARTUP.format(root=str(Path(__file__).resolve().parent.parent), last=n - 1)
    arms = [a for a in START_ARMS if a.split(" ")[0] in only]
    warm = os.path.join(folder, "warm-cache")
    times: dict[str, list[tuple[float, float]]] = {a: [] for a in arms}

    def once(arm: str, cache: str) -> tuple[float, float]:
        env = {**os.environ, "CRAVAT_CACHE_DIR": cache}
        out = subprocess.run([sys.executable, "-c", code, arm.split(" ")[0], path], capture_output=True, text=True,
                             timeout=300, env=env)
        if out.returncode != 0:
            raise SystemExit(f"start-up of {arm} failed:\n{out.stderr[-2000:]}")
        result = json.loads(out.stdout.strip().splitlines()[-1])
        assert result["status"] == 200, result
        return result["cpu"], result["wall"]

    if any("warm" in a for a in arms):
        once("cravat-spec (warm)", warm)  # fills the cache; not timed
    for rep in range(reps):
        for arm in arms[rep % len(arms):] + arms[:rep % len(arms)]:
            cache = warm if "warm" in arm else tempfile.mkdtemp(dir=folder)
            times[arm].append(once(arm, cache))
    return {arm: (statistics.median(t[0] for t in values), statistics.median(t[1] for t in values))
            for arm, values in times.items()}


def report(command: str, rates: dict[Any, float], cases: list[Any], broken: dict[Any, str],
           starts: dict[str, tuple[float, float]], operations: int) -> str:
    import connexion

    import cravat

    lines = [f"Command: `{command}`", "",
             f"Python {sys.version.split()[0]}, cravat {getattr(cravat, '__version__', '0.1.0')}, "
             f"Connexion {getattr(connexion, '__version__', '3')}; figures are requests per CPU-second "
             "(median), the ratios cravat-spec's to each other arm's.", "",
             "| scenario | cravat-spec | cravat-code | connexion-async | connexion-flask | spec ÷ async | "
             "spec ÷ flask | code ÷ spec |",
             "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for case, *_ in cases:
        row = [case]
        for arm in ARMS:
            rate = rates.get((case, arm))
            row.append(f"{rate:,.0f}" if rate else ("broken" if (case, arm) in broken else "–"))
        spec_rate = rates.get((case, "cravat-spec"))
        for arm in ("connexion-async", "connexion-flask"):
            other = rates.get((case, arm))
            row.append(f"{spec_rate / other:.1f}×" if spec_rate and other else "–")
        code = rates.get((case, "cravat-code"))
        row.append(f"{code / spec_rate:.2f}" if spec_rate and code else "–")
        lines.append("| " + " | ".join(row) + " |")
    if broken:
        lines += ["", "Broken (not timed):"] + [f"- {arm}, {case}: {why}" for (case, arm), why in broken.items()]
    if starts:
        lines += ["", f"Start-up: a spec of {operations} operations, loaded to its first answered request "
                      "(median of CPU and of wall seconds, a fresh process each, imports not counted; cold: "
                      "cravat's cache of checked specs empty, warm: this spec in it):", "",
                  "| arm | CPU s | wall s | CPU ÷ cravat-spec (cold) |", "|---|---:|---:|---:|"]
        base = starts.get("cravat-spec (cold)", (0.0, 0.0))[0]
        for arm, (cpu, wall) in starts.items():
            lines.append(f"| {arm} | {cpu:.3f} | {wall:.3f} | {cpu / base:.1f}× |" if base else
                         f"| {arm} | {cpu:.3f} | {wall:.3f} | – |")
    goals = []
    for case, *_ in cases:
        spec_rate = rates.get((case, "cravat-spec"))
        slowest = max((spec_rate / rates[(case, a)] if (case, a) in rates else 0)
                      for a in ("connexion-async", "connexion-flask")) if spec_rate else 0
        fastest = min((spec_rate / rates[(case, a)] for a in ("connexion-async", "connexion-flask")
                       if (case, a) in rates), default=0) if spec_rate else 0
        code = rates.get((case, "cravat-code"))
        goals.append(f"- {case}: cravat-spec is {fastest:.1f}×–{slowest:.1f}× Connexion "
                     f"({'meets' if fastest >= 10 else 'misses'} ≥10×); cravat-code ÷ cravat-spec "
                     f"{code / spec_rate:.2f}" if code and spec_rate else f"- {case}: –")
        if code and spec_rate:
            goals[-1] += f" ({'meets' if code / spec_rate <= 1.3 else 'misses'} ≤1.3)"
    for arm in ("cravat-spec (cold)", "cravat-spec (warm)"):
        if arm in starts:
            cpu, wall = starts[arm]
            goals.append(f"- start-up of {operations} operations, {arm}: {cpu:.3f} CPU s, {wall:.3f} wall s "
                         f"({'meets' if wall < 1 else 'misses'} < 1 s)")
    lines += ["", "Goals:", *goals]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=100, help="resources in the timed spec (default %(default)s)")
    parser.add_argument("--reps", type=int, default=9, help="repetitions (default %(default)s)")
    parser.add_argument("--budget-ms", type=float, default=60, help="about this long per batch (default %(default)s)")
    parser.add_argument("--startup-operations", type=int, default=1000)
    parser.add_argument("--startup-reps", type=int, default=3)
    parser.add_argument("--only", default=",".join(ARMS), help="comma-separated arms")
    parser.add_argument("--quick", action="store_true", help="3 repetitions, 1 start-up each")
    parser.add_argument("--markdown", help="also write the report to this file")
    opts = parser.parse_args(argv)
    if opts.quick:
        opts.reps, opts.startup_reps = 3, 1
    only = set(opts.only.split(","))
    command = "python bench/openapi.py " + " ".join(argv if argv is not None else sys.argv[1:])
    with tempfile.TemporaryDirectory() as folder:
        arms = build_arms(opts.n, folder, only)
        cases = scenarios(opts.n)
        broken = check(arms, cases, opts.n)
        rates = measure(arms, cases, broken, opts.reps, opts.budget_ms / 1000)
        starts = startup(folder, opts.startup_operations, opts.startup_reps, only) if opts.startup_reps else {}
    text = report(command.strip(), rates, cases, broken, starts, opts.startup_operations)
    print(text)
    if opts.markdown:
        Path(opts.markdown).write_text(text + "\n")
    return 1 if broken else 0


if __name__ == "__main__":
    sys.exit(main())
