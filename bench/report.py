"""The benchmark report: Markdown tables of µs, ratios, start-up and goals."""

import os
import platform
from importlib import metadata
from pathlib import Path

from bench.apps.server_schema import BODY_BYTES, VERSION_HEADER

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
#: cravat at an older revision (--baseline REV), timed beside the current one.
BEFORE = "before"
#: Issue #7: hello (ping) and show at most this times the floor.
KERNEL_LIMIT = 1.6


def baseline_frameworks():
    """FRAMEWORKS with the baseline column right after cravat's."""
    order = list(FRAMEWORKS.items())
    at = [n for n, _ in order].index(FOCUS) + 1
    return dict(order[:at] + [(BEFORE, "cravat_before_app")] + order[at:])
DISTRIBUTIONS = ("cravat", "falcon", "Flask", "Werkzeug", "pecan", "Routes",
                 "WebOb")
BUILD_N = 1000
#: The validated-create figure the issue's goals are judged on.
PRIMARY_CREATE = "create valid N=1000"
CREATE_LIMIT = 1.3  # cravat's validated create, at most this times raw


# --- the report -----------------------------------------------------------

def fmt_us(us):
    if us < 10:
        return f"{us:.2f}"
    return f"{us:.1f}" if us < 1000 else f"{us:,.0f}"


def fmt_ratio(num, den):
    if num is None or den is None:
        return "–"
    r = num / den
    if r < 0.1:  # Falcon's validated create is ~150× cravat's: keep 2 digits
        return f"{r:.3f}×"
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
        if n in (FOCUS, BEFORE):
            for anchor in (FLOOR, PEER):
                if anchor in names:
                    head.append(f"{n}/{anchor}")
                    columns.append(lambda s, a=anchor, n=n: fmt_ratio(
                        results.us.get((s, n)), results.us.get((s, a))))
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
    floor_small, floor_large = us.get(("show N=10", FLOOR)), us.get(("show N=1000", FLOOR))
    if small and large and floor_small and floor_large:
        # Judged on the cost relative to the floor timed in the same repetitions:
        # the machine's speed drifts between scenarios, the ratio does not.
        growth = (large / floor_large) / (small / floor_small) - 1
        lines.append(f"- {FOCUS} show N=1000 within 10% of N=10 (relative to {FLOOR}): "
                     f"{growth:+.1%} ({pass_fail(growth <= 0.10)}); absolute µs {large / small - 1:+.1%}")
    if FOCUS in results.build_ms:
        ready = sum(results.build_ms[FOCUS]) / 1000
        lines.append(f"- {FOCUS} app of {6 * BUILD_N:,} routes ready in "
                     f"< 0.5 s: {ready:.3f} s ({pass_fail(ready < 0.5)})")
    return lines + kernel_goals(results, scenario_names)


def kernel_goals(results, scenario_names):
    """Issue #7: no scenario's ratio to the floor above the baseline's; hello and show at most 1.6x."""
    us, lines = results.us, []
    ratio = {(s, n): us[s, n] / us[s, FLOOR] for s in scenario_names for n in (FOCUS, BEFORE)
             if (s, n) in us and (s, FLOOR) in us}
    compared = [s for s in scenario_names if (s, FOCUS) in ratio and (s, BEFORE) in ratio]
    if compared:
        worse = [f"{s} {ratio[s, FOCUS]:.2f}× vs {ratio[s, BEFORE]:.2f}×" for s in compared
                 if ratio[s, FOCUS] > ratio[s, BEFORE]]
        lines.append(f"- {FOCUS} at or below {BEFORE}'s ratio to {FLOOR} in every scenario: "
                     + (f"FAIL ({'; '.join(worse)})" if worse else "PASS"))
    small = [s for s in scenario_names if (s.startswith("ping") or s.startswith("show")) and (s, FOCUS) in ratio]
    if small:
        cells = "; ".join(f"{s} {ratio[s, FOCUS]:.2f}× ({pass_fail(ratio[s, FOCUS] <= KERNEL_LIMIT)})" for s in small)
        lines.append(f"- {FOCUS} hello (ping) and show at most {KERNEL_LIMIT}× {FLOOR}: {cells}")
    return lines


def create_goals(results, scenario_names):
    """Issue #4: cravat's validated create against raw and Falcon+jsonschema.

    Judged on PRIMARY_CREATE; the other validated scenarios are listed
    beside it with their own ratio.
    """
    us, lines = results.us, []
    claims = ((FLOOR, f"≤ {CREATE_LIMIT}× {FLOOR}",
               lambda r: r <= CREATE_LIMIT),
              (PEER, f"< {PEER}+jsonschema", lambda r: r < 1))
    for anchor, claim, ok in claims:
        ratios = {s: us[s, FOCUS] / us[s, anchor] for s in scenario_names
                  if (s, FOCUS) in us and (s, anchor) in us}
        if PRIMARY_CREATE not in ratios:
            continue
        primary = ratios.pop(PRIMARY_CREATE)
        others = "; ".join(f"{s} {fmt_ratio(r, 1)} ({pass_fail(ok(r))})"
                           for s, r in ratios.items())
        lines.append(f"- {FOCUS} validated create {claim}, judged on "
                     f"{PRIMARY_CREATE}: {fmt_ratio(primary, 1)} "
                     f"({pass_fail(ok(primary))})"
                     + (f"; also {others}" if others else ""))
    return lines


def pass_fail(ok):
    return "PASS" if ok else "FAIL"


def report(command, names, missing, results, harness, opts):
    scenario_names = [s.name for s in opts.scenarios if not s.validated]
    create_names = [s.name for s in opts.scenarios if s.validated]
    parts = ["\n".join(environment(command)),
             f"{opts.reps} repetitions, frameworks interleaved; batches of up to"
             f" {opts.batch} requests, cut to ~{opts.budget_ms} ms each for slow"
             f" frameworks. Median µs per request; the timing loop itself costs"
             f" {harness:.2f} µs per request, included in every figure."]
    if scenario_names:
        parts += ["### Per-request cost (median µs)",
                  timing_table(names, results, scenario_names),
                  f"### Ratio to the floor ({FLOOR}) / to {PEER}",
                  ratio_table(names, results, scenario_names)]
    if create_names:
        measured = [n for n in names if any(
            (s, n) in results.us or (s, n) in results.broken
            for s in create_names)]
        parts += ["### Validated create (median µs)",
                  f"`POST /v1/r{{N-1}}` with a {BODY_BYTES:,}-byte Nova server"
                  f" body checked against one JSON Schema, every request"
                  f" sending `OpenStack-API-Version: {VERSION_HEADER[1]}`."
                  f" {FLOOR}: fastjsonschema, compiled once, no versions;"
                  f" {FOCUS}: microversions and its compiled validator;"
                  f" {PEER}: its `jsonschema.validate` decorator (the"
                  f" jsonschema library, per request); flask: a jsonschema"
                  f" validator built at start-up.",
                  timing_table(measured, results, create_names),
                  f"### Validated create: ratio to {FLOOR} / to {PEER}",
                  ratio_table(measured, results, create_names)]
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
    goal_lines += create_goals(results, create_names)
    if goal_lines:
        parts += ["### Goals", "\n".join(goal_lines)]
    return "\n\n".join(parts) + "\n"


