"""Instructions per request, counted by valgrind: the core benchmark's figures without the machine's noise.

Timings on a shared 2-core machine drift by 2x between runs; the number of
instructions a request executes does not. For each scenario and framework,
valgrind's callgrind counts the instructions of a process that builds the
app and serves a warm-up, once with no timed requests and once with
``--requests``; the difference divided by the requests is the cost of one.

    .venv/bin/python bench/instructions.py --baseline 6e4ff4e      # raw, cravat, before
    .venv/bin/python bench/instructions.py --scenarios ping,show --requests 2000

Needs valgrind (Debian: apt-get install valgrind). Each count runs the
Python interpreter under callgrind (about 50 times slower), so a full run
takes several minutes.
"""

import argparse
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.checks import environ_factory, scenarios  # noqa: E402
from bench.report import FRAMEWORKS, markdown_table  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
_COLLECTED = re.compile(r"Collected : (\d+)")


def serve(framework: str, scenario_name: str, count: int) -> None:
    """In the counted process: build the app, warm it up, serve ``count`` requests."""
    import importlib

    if framework == "before":
        from bench.report import baseline_frameworks

        FRAMEWORKS.update(baseline_frameworks())
    module = importlib.import_module(f"bench.apps.{FRAMEWORKS[framework]}")
    scenario = next(s for s in scenarios() if s.name == scenario_name)
    app = (module.make_validated_app if scenario.validated else module.make_app)(scenario.n)
    make = environ_factory(scenario.request)

    def start_response(status, headers, exc_info=None):
        return None

    for _ in range(200 + count):
        for _chunk in app(make(), start_response):
            pass


def counted(framework: str, scenario: str, count: int) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
               "--serve", framework, scenario, str(count)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
    return int(_COLLECTED.search(result.stderr)[1])


def per_request(framework: str, scenario: str, count: int) -> int:
    return (counted(framework, scenario, count) - counted(framework, scenario, 0)) // count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--serve", nargs=3, help=argparse.SUPPRESS)
    parser.add_argument("--baseline", metavar="REV", help="also count cravat at git revision REV ('before')")
    parser.add_argument("--scenarios", default="", help="comma-separated words: only scenarios holding one")
    parser.add_argument("--requests", type=int, default=3000, help="requests per count (3000)")
    parser.add_argument("--jobs", type=int, default=2, help="counts run at once (2)")
    opts = parser.parse_args(argv)
    if opts.serve:
        serve(opts.serve[0], opts.serve[1], int(opts.serve[2]))
        return 0
    names = ["raw", "cravat"] + (["before"] if opts.baseline else [])
    if opts.baseline:
        os.environ["CRAVAT_BASELINE"] = opts.baseline
    words = [w for w in opts.scenarios.split(",") if w]
    chosen = [s.name for s in scenarios() if not words or any(w in s.name for w in words)]
    jobs = [(n, s) for s in chosen for n in names]
    with ThreadPoolExecutor(opts.jobs) as pool:
        counts = dict(zip(jobs, pool.map(lambda job: per_request(*job, opts.requests), jobs)))
    head = ["scenario"] + [f"{n} instructions" for n in names] + [f"{n}/raw" for n in names[1:]]
    rows = [[s] + [f"{counts[n, s]:,}" for n in names] + [f"{counts[n, s] / counts['raw', s]:.2f}×"
                                                          for n in names[1:]] for s in chosen]
    arguments = " ".join(argv if argv is not None else sys.argv[1:])
    print(f"Command: `.venv/bin/python bench/instructions.py {arguments}`".rstrip("` ") + "`\n")
    print(markdown_table(head, rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
