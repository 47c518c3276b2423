"""Benchmark cravat beside raw WSGI, Falcon, Flask, Pecan and Routes + WebOb.

Every framework serves the same API (see bench/apps/); each request is a plain
WSGI call made in-process, so the figures are the frameworks' own cost with no
server or network in them. Within each repetition the frameworks take turns in
a rotated order, so drift in the machine (frequency, other load) falls on all
of them alike; the figure reported is the median over repetitions.

    .venv/bin/python bench/run.py          # the full run, a minute or so
    .venv/bin/python bench/run.py --quick --only cravat,falcon
"""

import argparse
import gc
import importlib
import io
import json
import os
import platform
import shlex
import statistics
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from itertools import repeat
from pathlib import Path
from wsgiref.util import setup_testing_defaults

if __package__ in (None, ""):
    # Run as a script: make the repo root importable so `bench.apps` resolves
    # the same way it does for a test that imports this module.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

# Table column order; the first two are the anchors figures are compared to.
FRAMEWORKS = {
    "raw": "raw_wsgi",
    "falcon": "falcon_app",
    "cravat": "cravat_app",
    "flask": "flask_app",
    "pecan": "pecan_app",
    "routes": "routes_webob",
}
FLOOR, PEER, FOCUS = "raw", "falcon", "cravat"
DISTRIBUTIONS = ("cravat", "falcon", "Flask", "Werkzeug", "pecan", "Routes",
                 "WebOb")
BUILD_N = 1000
ITEM_ID = "8c2b2f1e-6f4d-4d36-9c8e-2f5b0f7f4a10"  # ids are UUIDs in the field


# --- requests and what a correct app answers ------------------------------

@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: object = None  # sent as JSON when not None

    def __str__(self):
        return f"{self.method} {self.path}"


@dataclass(frozen=True)
class Expect:
    status: int
    json: object = None          # the exact JSON body, when given
    empty: bool = False          # no body at all (204, 202)
    allow: frozenset = frozenset()  # methods the Allow header must list


@dataclass
class Response:
    status: int
    headers: dict  # lower-cased names
    body: bytes


def api_checks(n):
    """Every (request, expectation) an app built with make_app(n) must meet."""
    checks = [(Request("GET", "/ping"), Expect(200, json={"ping": "pong"}))]
    for name in dict.fromkeys(("r0", f"r{n - 1}")):  # first and last
        col, item = f"/v1/{name}", f"/v1/{name}/{ITEM_ID}"
        checks += [
            (Request("GET", col), Expect(200, json={"items": []})),
            (Request("POST", col, {"name": "a"}),
             Expect(201, json={"name": "a"})),
            (Request("GET", item),
             Expect(200, json={"id": ITEM_ID, "name": name})),
            (Request("PUT", item, {"name": "b"}),
             Expect(200, json={"name": "b"})),
            (Request("DELETE", item), Expect(204, empty=True)),
            (Request("POST", item + "/action", {"reboot": None}),
             Expect(202, empty=True)),
        ]
    checks += [
        (Request("PATCH", f"/v1/r{n - 1}/abc"),
         Expect(405, allow=frozenset({"GET", "PUT", "DELETE"}))),
        (Request("GET", "/nope/at/all"), Expect(404)),
    ]
    return checks


@dataclass(frozen=True)
class Scenario:
    name: str
    n: int
    request: Request
    expect: Expect


def scenarios():
    show = lambda n: Scenario(  # noqa: E731
        f"show N={n}", n, Request("GET", f"/v1/r{n - 1}/{ITEM_ID}"),
        Expect(200, json={"id": ITEM_ID, "name": f"r{n - 1}"}))
    return [
        Scenario("ping N=10", 10, Request("GET", "/ping"),
                 Expect(200, json={"ping": "pong"})),
        show(10), show(100), show(1000),
        Scenario("405 N=1000", 1000, Request("PATCH", "/v1/r999/abc"),
                 Expect(405, allow=frozenset({"GET", "PUT", "DELETE"}))),
        Scenario("404 N=1000", 1000, Request("GET", "/nope/at/all"),
                 Expect(404)),
    ]


# --- calling a WSGI app as a server would ----------------------------------

def base_environ(request):
    """The environ of `request`, built once; each call sends a copy."""
    environ = {
        "REQUEST_METHOD": request.method,
        "PATH_INFO": request.path,
        "SCRIPT_NAME": "",
        "QUERY_STRING": "",
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1:8774",
        # API clients (novaclient, openstacksdk) ask for JSON; it also lets
        # Falcon and webob render their errors as JSON on their own.
        "HTTP_ACCEPT": "application/json",
    }
    if request.body is not None:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(json.dumps(request.body)))
    setup_testing_defaults(environ)
    return environ


def environ_factory(request):
    """A no-argument callable returning a fresh environ for each call."""
    base = base_environ(request)
    if request.body is None:
        return base.copy
    payload = json.dumps(request.body).encode()

    def make():
        environ = base.copy()
        environ["wsgi.input"] = io.BytesIO(payload)
        return environ
    return make


def _discard_start_response(status, headers, exc_info=None):
    return _discard_write


def _discard_write(data):
    pass


def call(app, request):
    """Send one request and collect the whole response."""
    got = {}

    def start_response(status, headers, exc_info=None):
        got["status"], got["headers"] = status, headers
        return _discard_write

    result = app(environ_factory(request)(), start_response)
    try:
        body = b"".join(result)
    finally:
        if hasattr(result, "close"):
            result.close()
    headers = {k.lower(): v for k, v in got["headers"]}
    return Response(int(got["status"][:3]), headers, body)


def problem(app, request, expect):
    """What is wrong with the app's answer to `request`, or None."""
    try:
        resp = call(app, request)
    except Exception as e:  # a broken app is reported, not fatal
        return f"{request}: raised {type(e).__name__}: {e}"
    if resp.status != expect.status:
        return f"{request}: status {resp.status}, expected {expect.status}"
    if expect.json is not None:
        if not resp.headers.get("content-type", "").startswith(
                "application/json"):
            return (f"{request}: content-type "
                    f"{resp.headers.get('content-type')!r}, expected JSON")
        try:
            body = json.loads(resp.body)
        except ValueError:
            return f"{request}: body is not JSON: {resp.body[:80]!r}"
        if body != expect.json:
            return f"{request}: body {body!r}, expected {expect.json!r}"
    if expect.empty and resp.body:
        return f"{request}: body {resp.body[:80]!r}, expected none"
    if expect.allow:
        allow = {m.strip() for m in resp.headers.get("allow", "").split(",")}
        if not expect.allow <= allow or request.method in allow:
            return (f"{request}: Allow {resp.headers.get('allow')!r}, "
                    f"expected {', '.join(sorted(expect.allow))}")
    return None


def check_app(name, app, n=10):
    """Problems with `app` (built by make_app(n)) serving the API; [] if none.

    >>> check_app("raw", load("raw").make_app(10))
    []
    """
    return [f"{name}: {p}" for p in
            (problem(app, req, exp) for req, exp in api_checks(n)) if p]


# --- timing -----------------------------------------------------------------

def time_batch(app, make_environ, count):
    """Nanoseconds to serve `count` requests, consuming bodies as a server."""
    start_response = _discard_start_response
    start = time.perf_counter_ns()
    for _ in repeat(None, count):
        result = app(make_environ(), start_response)
        for _chunk in result:
            pass
        # PEP 3333: the server calls close() when the iterable has one.
        close = getattr(result, "close", None)
        if close is not None:
            close()
    return time.perf_counter_ns() - start


def batch_size(app, make_environ, opts):
    """Warm the app up, then size its batch to fit the time budget.

    Slow frameworks (Routes scans every route) would take minutes at the full
    batch; a smaller batch gives the same per-request mean in bounded time.
    """
    time_batch(app, make_environ, opts.warmup)
    probe = max(1, min(opts.warmup, opts.batch))
    per_request = max(1, time_batch(app, make_environ, probe) // probe)
    return max(opts.min_batch, min(opts.batch, opts.budget_ns // per_request))


def rotated(names, turn):
    turn %= len(names)
    return names[turn:] + names[:turn]


def null_app(environ, start_response):
    start_response("200 OK", [])
    return [b""]


def harness_us(opts):
    """The timing loop's own cost per request, in every figure below."""
    make = environ_factory(Request("GET", "/ping"))
    return min(time_batch(null_app, make, opts.batch) / opts.batch / 1000
               for _ in range(5))


@dataclass
class Results:
    us: dict = field(default_factory=dict)        # (scenario, fw) -> median µs
    build_ms: dict = field(default_factory=dict)  # fw -> (make_app, first req)
    broken: dict = field(default_factory=dict)    # (scenario|"build", fw) -> why
    problems: list = field(default_factory=list)  # check_app findings


def run_scenario(scenario, apps, opts, results):
    """Time every working app on one scenario, interleaved by repetition."""
    make_environ = environ_factory(scenario.request)
    batches = {}
    for name, app in apps.items():
        why = problem(app, scenario.request, scenario.expect)
        if why:
            results.broken[scenario.name, name] = why
            continue
        batches[name] = batch_size(app, make_environ, opts)
    samples = {name: [] for name in batches}
    for rep in range(opts.reps):
        for name in rotated(list(samples), rep):
            count = batches[name]
            try:
                ns = time_batch(apps[name], make_environ, count)
            except Exception as e:  # one flaky app must not sink the others
                results.broken[scenario.name, name] = (
                    f"raised {type(e).__name__} while timed: {e}")
                del samples[name]
                continue
            samples[name].append(ns / count / 1000)
    for name, values in samples.items():
        results.us[scenario.name, name] = statistics.median(values)


def measure_builds(modules, opts, results):
    """Median time to build an N=1000 app and to serve its first request.

    The first request is timed apart because Falcon, werkzeug and Routes
    compile their routers lazily, on it; 'ready to serve' is the sum.
    """
    request = Request("GET", f"/v1/r{BUILD_N - 1}/{ITEM_ID}")
    expect = Expect(200, json={"id": ITEM_ID, "name": f"r{BUILD_N - 1}"})
    make_environ = environ_factory(request)
    times = {name: [] for name in modules}
    names = list(modules)
    for turn in range(opts.builds):
        for name in rotated(names, turn):
            if ("build", name) in results.broken:
                continue
            gc.collect()
            try:
                start = time.perf_counter_ns()
                app = modules[name].make_app(BUILD_N)
                built = time.perf_counter_ns()
                time_batch(app, make_environ, 1)
                served = time.perf_counter_ns()
            except Exception as e:
                results.broken["build", name] = f"{type(e).__name__}: {e}"
                continue
            why = problem(app, request, expect)
            if why:
                results.broken["build", name] = why
                continue
            times[name].append(((built - start) / 1e6, (served - built) / 1e6))
            del app
    for name, pairs in times.items():
        if pairs and ("build", name) not in results.broken:
            results.build_ms[name] = tuple(
                statistics.median(p[i] for p in pairs) for i in (0, 1))


# --- loading the apps -----------------------------------------------------

def load(name):
    return importlib.import_module(f"bench.apps.{FRAMEWORKS[name]}")


def load_modules(names):
    """The framework modules that import, and why the others did not."""
    modules, missing = {}, {}
    for name in names:
        try:
            modules[name] = load(name)
        except Exception as e:
            missing[name] = f"{type(e).__name__}: {e}"
    return modules, missing


def build_apps(modules, sizes, missing):
    """{n: {framework: app}}; a framework whose build fails goes to missing."""
    apps = {n: {} for n in sizes}
    for name, module in modules.items():
        for n in sizes:
            try:
                apps[n][name] = module.make_app(n)
            except Exception as e:
                missing[name] = f"make_app({n}) raised {type(e).__name__}: {e}"
                for built in apps.values():
                    built.pop(name, None)
                break
    return apps


# --- the report -----------------------------------------------------------

def fmt_us(us):
    if us < 10:
        return f"{us:.2f}"
    return f"{us:.1f}" if us < 1000 else f"{us:,.0f}"


def fmt_ratio(num, den):
    if num is None or den is None:
        return "–"
    r = num / den
    return f"{r:.2f}×" if r < 10 else f"{r:.1f}×" if r < 100 else f"{r:.0f}×"


def environment(command):
    versions = []
    for dist in DISTRIBUTIONS:
        try:
            versions.append(f"{dist} {metadata.version(dist)}")
        except metadata.PackageNotFoundError:
            versions.append(f"{dist} (not installed)")
    return [
        f"Command: `{command}`",
        f"Python {platform.python_version()} ({platform.python_implementation()}),"
        f" {platform.system()} {platform.machine()}, {os.cpu_count()} CPUs"
        f"{cpu_model()}",
        "Versions: " + ", ".join(versions),
    ]


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return ", " + line.split(":", 1)[1].strip()
    except OSError:
        pass
    return ""


def timing_table(names, results, scenario_names):
    """µs/request per framework; cravat's column is followed by its ratios."""
    head, columns = ["scenario"], []
    for n in names:
        head.append(f"{n} µs")
        columns.append(lambda s, n=n: cell_us(results, s, n))
        if n == FOCUS:
            for anchor in (FLOOR, PEER):
                if anchor in names:
                    head.append(f"{FOCUS}/{anchor}")
                    columns.append(lambda s, a=anchor: fmt_ratio(
                        results.us.get((s, FOCUS)), results.us.get((s, a))))
    rows = [[s] + [column(s) for column in columns] for s in scenario_names]
    return markdown_table(head, rows)


def cell_us(results, scenario, name):
    us = results.us.get((scenario, name))
    if us is not None:
        return fmt_us(us)
    return "broken" if (scenario, name) in results.broken else "–"


def ratio_table(names, results, scenario_names):
    """Each framework's cost as a multiple of the floor and of Falcon."""
    head = ["scenario"] + names
    rows = []
    for s in scenario_names:
        cells = [s]
        for n in names:
            us = results.us.get((s, n))
            cells.append(f"{fmt_ratio(us, results.us.get((s, FLOOR)))} / "
                         f"{fmt_ratio(us, results.us.get((s, PEER)))}")
        rows.append(cells)
    return markdown_table(head, rows)


def build_table(names, results):
    head = ["framework", "make_app(1000) ms", "first request ms",
            "ready to serve ms"]
    rows = []
    for n in names:
        if n in results.build_ms:
            made, first = results.build_ms[n]
            rows.append([n, f"{made:.1f}", f"{first:.1f}",
                         f"{made + first:.1f}"])
        elif ("build", n) in results.broken:
            rows.append([n, "broken", "", ""])
    return markdown_table(head, rows)


def markdown_table(head, rows):
    lines = ["| " + " | ".join(head) + " |",
             "|" + "|".join("---" if i == 0 else "---:"
                            for i in range(len(head))) + "|"]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return "\n".join(lines)


def goals(results, scenario_names):
    """The issue's goals for cravat, each with its figures and a verdict."""
    us, lines = results.us, []
    compared = [s for s in scenario_names
                if (s, FOCUS) in us and (s, PEER) in us]
    if compared:
        slower = [s for s in compared if us[s, FOCUS] > us[s, PEER]]
        verdict = f"FAIL ({', '.join(slower)})" if slower else "PASS"
        lines.append(f"- {FOCUS} no slower than {PEER} in every scenario: "
                     f"{verdict}")
    small, large = us.get(("show N=10", FOCUS)), us.get(("show N=1000", FOCUS))
    if small and large:
        growth = large / small - 1
        lines.append(f"- {FOCUS} show N=1000 within 10% of N=10: "
                     f"{growth:+.1%} ({pass_fail(growth <= 0.10)})")
    if FOCUS in results.build_ms:
        ready = sum(results.build_ms[FOCUS]) / 1000
        lines.append(f"- {FOCUS} app of {6 * BUILD_N:,} routes ready in "
                     f"< 0.5 s: {ready:.3f} s ({pass_fail(ready < 0.5)})")
    return lines


def pass_fail(ok):
    return "PASS" if ok else "FAIL"


def report(command, names, missing, results, harness, opts):
    scenario_names = [s.name for s in scenarios()]
    parts = ["\n".join(environment(command)),
             f"{opts.reps} repetitions, frameworks interleaved; batches of up to"
             f" {opts.batch} requests, cut to ~{opts.budget_ms} ms each for slow"
             f" frameworks. Median µs per request; the timing loop itself costs"
             f" {harness:.2f} µs per request, included in every figure.",
             "### Per-request cost (median µs)",
             timing_table(names, results, scenario_names),
             f"### Ratio to the floor ({FLOOR}) / to {PEER}",
             ratio_table(names, results, scenario_names)]
    if opts.builds:
        parts += [f"### Start-up at N={BUILD_N} ({6 * BUILD_N:,} routes), "
                  f"median of {opts.builds}",
                  build_table(names, results)]
    trouble = [f"- {n}: unavailable: {why}" for n, why in missing.items()]
    trouble += [f"- {n} in {s}: {why}"
                for (s, n), why in results.broken.items()]
    trouble += [f"- {p}" for p in results.problems]
    if trouble:
        parts += ["### Problems (not measured where broken)",
                  "\n".join(trouble)]
    goal_lines = goals(results, scenario_names)
    if goal_lines:
        parts += ["### Goals", "\n".join(goal_lines)]
    return "\n\n".join(parts) + "\n"


# --- command line -----------------------------------------------------------

def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--only", help="comma-separated frameworks, from: "
                   + ",".join(FRAMEWORKS))
    p.add_argument("--reps", type=int, default=15,
                   help="timed batches per framework per scenario (15)")
    p.add_argument("--batch", type=int, default=2000,
                   help="requests per timed batch, at most (2000)")
    p.add_argument("--budget-ms", type=int, default=100,
                   help="cut a slow framework's batch to about this long (100)")
    p.add_argument("--builds", type=int, default=3,
                   help="N=1000 app builds to time per framework; 0 skips (3)")
    p.add_argument("--quick", action="store_true",
                   help="a rough run: 5 reps, batches of 300, one build")
    p.add_argument("--markdown", metavar="FILE",
                   help="also write the report to FILE")
    opts = p.parse_args(argv)
    if opts.quick:
        opts.reps, opts.batch, opts.budget_ms = 5, 300, 30
        opts.builds = min(opts.builds, 1)
    names = opts.only.split(",") if opts.only else list(FRAMEWORKS)
    unknown = [n for n in names if n not in FRAMEWORKS]
    if unknown:
        p.error(f"unknown framework(s) {', '.join(unknown)}; "
                f"choose from {', '.join(FRAMEWORKS)}")
    if min(opts.reps, opts.batch, opts.budget_ms) < 1 or opts.builds < 0:
        p.error("--reps, --batch and --budget-ms must be positive, "
                "--builds not negative")
    opts.names = [n for n in FRAMEWORKS if n in names]  # keep column order
    opts.warmup = min(200, opts.batch)
    opts.min_batch = min(20, opts.batch)
    opts.budget_ns = opts.budget_ms * 1_000_000
    return opts


def command_line(argv):
    """The command as typed from the repo root, to paste into the docs."""
    exe = Path(sys.executable)
    root = Path(__file__).resolve().parent.parent
    if exe.is_relative_to(root):
        exe = exe.relative_to(root)
    return shlex.join([str(exe), "bench/run.py", *argv])


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    opts = parse_args(argv)
    command = command_line(argv)
    modules, missing = load_modules(opts.names)
    for name, why in missing.items():
        print(f"{name}: unavailable: {why}", file=sys.stderr)

    results = Results()
    if opts.builds:
        print(f"timing {opts.builds} builds at N={BUILD_N}...",
              file=sys.stderr)
        measure_builds(modules, opts, results)
    sizes = sorted({s.n for s in scenarios()})
    apps = build_apps(modules, sizes, missing)
    for name in list(modules):
        if name in missing:
            continue
        for n in sizes:
            results.problems += [f"N={n}: {p}"
                                 for p in check_app(name, apps[n][name], n)]

    # Every app stays alive for the whole run (Routes alone holds 19,000
    # routes at N=1000). Freezing them keeps full collections from
    # re-walking every framework's tables, so each pays only for its own
    # per-request garbage, as in a pre-forking server that freezes after
    # loading the app.
    gc.collect()
    gc.freeze()
    harness = harness_us(opts)
    for scenario in scenarios():
        print(f"timing {scenario.name}...", file=sys.stderr)
        run_scenario(scenario, apps[scenario.n], opts, results)

    names = [n for n in opts.names if n not in missing]
    text = report(command, names, missing, results, harness, opts)
    print(text)
    if opts.markdown:
        Path(opts.markdown).write_text(text)
    # The table is printed either way; the status says whether it is whole.
    return 1 if missing or results.broken or results.problems else 0


if __name__ == "__main__":
    sys.exit(main())
