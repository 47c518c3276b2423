"""Benchmark cravat beside raw WSGI, Falcon, Flask, Pecan and Routes + WebOb.

Every framework serves the same API (see bench/apps/); each request is a plain
WSGI call made in-process, so the figures are the frameworks' own cost with no
server or network in them. Within each repetition the frameworks take turns in
a rotated order, so drift in the machine (frequency, other load) falls on all
of them alike; the figure reported is the median over repetitions.

    .venv/bin/python bench/run.py          # the full run, under two minutes
    .venv/bin/python bench/run.py --quick --only cravat,falcon
    .venv/bin/python bench/run.py --scenarios create   # the validated create
"""

import argparse
import gc
import importlib
import os
import shlex
import statistics
import sys
import time
from dataclasses import dataclass, field
from itertools import repeat
from pathlib import Path

if __package__ in (None, ""):
    # Run as a script: make the repo root importable so `bench.apps` resolves
    # the same way it does for a test that imports this module.
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.checks import (  # noqa: E402 - after the path fix above
    ITEM_ID,
    Expect,
    Request,
    _discard_start_response,
    check_app,
    check_validated_app,
    environ_factory,
    problem,
    scenarios,
)
from bench.report import BUILD_N, FRAMEWORKS, baseline_frameworks, report  # noqa: E402

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


def build_apps(modules, kinds, missing):
    """{(validated, n): {framework: app}} for each (validated, n) in `kinds`.

    A framework whose build fails goes to missing. One without
    make_validated_app (Pecan, Routes) is left out of the validated
    scenarios, which show '–' for it.
    """
    apps = {kind: {} for kind in kinds}
    for name, module in modules.items():
        for validated, n in kinds:
            make = "make_validated_app" if validated else "make_app"
            if not hasattr(module, make):
                continue
            try:
                apps[validated, n][name] = getattr(module, make)(n)
            except Exception as e:
                missing[name] = f"{make}({n}) raised {type(e).__name__}: {e}"
                for built in apps.values():
                    built.pop(name, None)
                break
    return apps


def check_apps(apps, results):
    """check_app (or check_validated_app) on every app built, before timing."""
    for (validated, n), built in apps.items():
        check = check_validated_app if validated else check_app
        for name, app in built.items():
            results.problems += [f"N={n}{' validated' if validated else ''}:"
                                 f" {p}" for p in check(name, app, n)]


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
    p.add_argument("--scenarios", metavar="WORDS",
                   help="comma-separated words; time only the scenarios whose"
                   " name holds one of them (e.g. 'create' or 'show,404')")
    p.add_argument("--markdown", metavar="FILE",
                   help="also write the report to FILE")
    p.add_argument("--baseline", metavar="REV",
                   help="also time cravat as it was at git revision REV, as"
                   " the framework 'before' (bench/baseline.py)")
    p.add_argument("--allow-duplicate-keys", action="store_true",
                   help="build cravat's APIs with allow_duplicate_json_keys=True (the"
                   " last value wins, as before duplicate keys were refused)")
    opts = p.parse_args(argv)
    if opts.allow_duplicate_keys:
        os.environ["CRAVAT_BENCH_ALLOW_DUPLICATE_KEYS"] = "1"
    if opts.baseline:
        os.environ["CRAVAT_BASELINE"] = opts.baseline
        FRAMEWORKS.update(baseline_frameworks())
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
    words = [w.strip() for w in (opts.scenarios or "").split(",") if w.strip()]
    chosen = [s for s in scenarios()
              if not words or any(w in s.name for w in words)]
    if not chosen:
        p.error(f"--scenarios {opts.scenarios!r} matches none of: "
                + ", ".join(s.name for s in scenarios()))
    opts.scenarios = chosen
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
    kinds = sorted({(s.validated, s.n) for s in opts.scenarios})
    apps = build_apps(modules, kinds, missing)
    check_apps(apps, results)

    # Every app stays alive for the whole run (Routes alone holds 19,000
    # routes at N=1000). Freezing them keeps full collections from
    # re-walking every framework's tables, so each pays only for its own
    # per-request garbage, as in a pre-forking server that freezes after
    # loading the app.
    gc.collect()
    gc.freeze()
    harness = harness_us(opts)
    for scenario in opts.scenarios:
        print(f"timing {scenario.name}...", file=sys.stderr)
        run_scenario(scenario, apps[scenario.validated, scenario.n], opts,
                     results)

    names = [n for n in opts.names if n not in missing]
    text = report(command, names, missing, results, harness, opts)
    print(text)
    if opts.markdown:
        Path(opts.markdown).write_text(text)
    # The table is printed either way; the status says whether it is whole.
    return 1 if missing or results.broken or results.problems else 0


if __name__ == "__main__":
    sys.exit(main())
