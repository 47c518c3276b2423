"""Benchmark policy: oslo.policy's enforce and authorize beside cravat's compiled rules; what a rule adds to show.

Two tables, every arm interleaved within each repetition (the machine is
shared, so absolute figures drift; the ratios are what to read):

1. One check of three rules (``role:reader``; ``role:reader and
   project_id:%(project_id)s``; ``rule:admin or (rule:creator and
   rule:owner)``) by oslo.policy's ``Enforcer.enforce`` and
   ``Enforcer.authorize``, by cravat's ``Policy.authorize`` (credentials from
   the request context included) and by the compiled rule alone.
2. The core benchmark's ``show`` (``GET /v1/r9/{id}`` at N=10, in-process
   WSGI calls as in bench/run.py) on ``bench.apps.cravat_app`` without policy,
   and on the same API with a rule on every operation, ``show``'s being
   ``role:reader and project_id:%(project_id)s``; the request carries an
   oslo.context request context, as the context filter leaves it.

    .venv/bin/python bench/policy.py               # about half a minute
    .venv/bin/python bench/policy.py --reps 5 --quick
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from itertools import repeat
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from importlib.metadata import version  # noqa: E402

import cravat  # noqa: E402
from bench.apps.cravat_app import make_app  # noqa: E402
from bench.checks import ITEM_ID, Request, _discard_start_response, environ_factory  # noqa: E402
from cravat.policy import Policy, RequestContext, RuleDefault  # noqa: E402
from cravat.policy.enforcer import credentials  # noqa: E402

RULES = {
    "role:reader": "role:reader",
    "role:reader and project_id:%(project_id)s": "role:reader and project_id:%(project_id)s",
    "rule:admin or (rule:creator and rule:owner)": "rule:admin or (rule:creator and rule:owner)",
}
BASE = [RuleDefault("admin", "role:admin"), RuleDefault("creator", "role:creator"),
        RuleDefault("owner", "project_id:%(project_id)s")]
SHOW_RULE = "role:reader and project_id:%(project_id)s"
N = 10


def context() -> RequestContext:
    # The caller passes every rule: creator and reader of the target's project.
    return RequestContext(user_id="u1", project_id="a1", roles=["reader", "creator", "member"])


# --- arms ---------------------------------------------------------------------------------------

def check_arms(check_str: str) -> dict[str, Callable[[], object]]:
    defaults = [*BASE, RuleDefault("checked", check_str)]
    policy = Policy()
    policy.register(defaults)
    policy.load()
    enforcer = policy.oslo_enforcer()
    enforcer.load_rules()
    ctx, target = context(), {"project_id": "a1", "user_id": "u1"}
    assert enforcer.enforce("checked", target, ctx) and policy.allows("checked", target, ctx)
    compiled = policy.rule("checked").check
    creds = credentials(ctx)
    return {
        "oslo enforce": lambda: enforcer.enforce("checked", target, ctx),
        "oslo authorize": lambda: enforcer.authorize("checked", target, ctx),
        "cravat authorize": lambda: policy.authorize("checked", target, ctx),
        "cravat compiled rule": lambda: compiled(target, creds, "checked"),
    }


def policy_app(n: int) -> cravat.API:
    """bench.apps.cravat_app's API with a rule on every operation (show's is SHOW_RULE)."""
    api = cravat.API()
    api.route("/ping", _ping_with_rule())
    for i in range(n):
        api.resource(f"/v1/r{i}", _resource_with_rules(i)())
    return api


def _ping_with_rule():
    class Ping:
        @cravat.rule("ping", "@", "Ping.")
        def on_get(self, req):
            return {"ping": "pong"}
    return Ping()


def _resource_with_rules(i: int):
    name = f"r{i}"

    class R:
        @cravat.rule(f"{name}:index", "@", "List.")
        def index(self, req):
            return {"items": []}

        @cravat.rule(f"{name}:create", "role:member", "Create.")
        def create(self, req, body):
            return body

        @cravat.rule(f"{name}:show", SHOW_RULE, "Show.")
        def show(self, req, id):
            return {"id": id, "name": name}

        @cravat.rule(f"{name}:update", "role:member", "Update.")
        def update(self, req, id, body):
            return body

        @cravat.rule(f"{name}:delete", "role:member", "Delete.")
        def delete(self, req, id):
            return None

        @cravat.action("reboot", status=202)
        @cravat.rule(f"{name}:reboot", "role:member", "Reboot.")
        def reboot(self, req, id, body):
            return None

    return R


def show_arms() -> dict[str, Callable[[], object]]:
    request = Request("GET", f"/v1/r{N - 1}/{ITEM_ID}", headers=(("cravat.context", context()),))
    make_environ = environ_factory(request)
    arms = {}
    for label, app in (("show, no policy", make_app(N).compile()), ("show, policy", policy_app(N).compile())):
        status = []
        body = b"".join(app(make_environ(), lambda s, h, e=None, status=status: status.append(s)))
        assert status == ["200 OK"] and ITEM_ID.encode() in body, (label, status, body)
        arms[label] = _serving(app, make_environ)
    return arms


def _serving(app, make_environ):
    start_response = _discard_start_response

    def one():
        result = app(make_environ(), start_response)
        for _chunk in result:
            pass
    return one


# --- timing ---------------------------------------------------------------------------------------

def per_call_us(fn, count: int) -> float:
    start = time.perf_counter_ns()
    for _ in repeat(None, count):
        fn()
    return (time.perf_counter_ns() - start) / count / 1000


def measure(arms: dict[str, Callable[[], object]], reps: int, budget_ms: float) -> dict[str, float]:
    """Median µs per call of each arm, the arms taking turns in rotated order within each repetition."""
    counts = {}
    for name, fn in arms.items():
        probe = per_call_us(fn, 200)
        counts[name] = max(200, min(20000, int(budget_ms * 1000 / max(probe, 0.05))))
    samples: dict[str, list[float]] = {name: [] for name in arms}
    names = list(arms)
    for rep in range(reps):
        turn = rep % len(names)
        for name in names[turn:] + names[:turn]:
            samples[name].append(per_call_us(arms[name], counts[name]))
    return {name: statistics.median(values) for name, values in samples.items()}


def report(args, checks: dict[str, dict[str, float]], show: dict[str, float]) -> str:
    lines = [f"Command: `{' '.join(['.venv/bin/python', 'bench/policy.py', *sys.argv[1:]])}`",
             f"Python {sys.version.split()[0]}, oslo.policy {version('oslo.policy')}, "
             f"{args.reps} repetitions, median µs per call; arms interleaved in each repetition.", "",
             "| rule | oslo enforce | oslo authorize | cravat authorize | cravat compiled rule | "
             "oslo authorize / cravat authorize |",
             "|---|---|---|---|---|---|"]
    for rule, us in checks.items():
        lines.append(f"| `{rule}` | {us['oslo enforce']:.1f} | {us['oslo authorize']:.1f} | "
                     f"{us['cravat authorize']:.2f} | {us['cravat compiled rule']:.2f} | "
                     f"{us['oslo authorize'] / us['cravat authorize']:.0f}x |")
    plain, ruled = show["show, no policy"], show["show, policy"]
    lines += ["", "| show (N=10) | µs per request | vs no policy |", "|---|---|---|",
              f"| no policy | {plain:.2f} | 1.00x |",
              f"| rule `{SHOW_RULE}` | {ruled:.2f} | {ruled / plain:.2f}x |", "",
              f"Policy adds {ruled - plain:.2f} µs to show (goal: at most 3 µs): "
              f"{'met' if ruled - plain <= 3 else 'NOT met'}."]
    return "\n".join(lines)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=15)
    parser.add_argument("--budget-ms", type=float, default=60, help="time per arm per repetition (default 60)")
    parser.add_argument("--quick", action="store_true", help="fewer calls: --budget-ms 15")
    args = parser.parse_args(argv)
    budget = 15 if args.quick else args.budget_ms
    checks = {label: measure(check_arms(rule), args.reps, budget) for label, rule in RULES.items()}
    show = measure(show_arms(), args.reps, budget)
    print(report(args, checks, show))
    return 0


if __name__ == "__main__":
    sys.exit(main())
