"""A seeded fuzzer, 20,000 requests per server over the compute example and the key-manager pipeline.

It fails on any 5xx (but 501 and 505, the protocol's answers to a transfer
coding or a version not implemented), any HTML error page, and any request
that got no answer (uWSGI alone may close on a request whose request line or
header lines break HTTP's syntax: its C parser drops those before any Python
runs). A failure prints the request's bytes, to replay.
"""

from __future__ import annotations

import os

from tests.reliability import fuzz

#: Requests per server, split between the two apps; FUZZ_REQUESTS to change it, FUZZ_SEED to vary it.
REQUESTS = int(os.environ.get("FUZZ_REQUESTS", "20000"))
SEED = int(os.environ.get("FUZZ_SEED", "20261201"))


def _assert_clean(report: fuzz.Report, expected: int) -> None:
    assert report.sent >= expected, report.sent
    assert report.failures == [], "\n".join(f"{why}\n    {data!r}" for why, data in report.failures)


def test_fuzzing_the_compute_example(compute):
    report = fuzz.run(compute.port, fuzz.COMPUTE, REQUESTS // 2, SEED, silent_on_syntax=compute.server == "uwsgi")
    _assert_clean(report, REQUESTS // 2)


def test_fuzzing_the_keymanager_pipeline(keymanager):
    report = fuzz.run(keymanager.port, fuzz.KEYMANAGER, REQUESTS // 2, SEED + 100,
                      silent_on_syntax=keymanager.server == "uwsgi")
    _assert_clean(report, REQUESTS // 2)
