"""Start-up hooks run in each worker once the app is built; shutdown hooks when the worker stops."""

from __future__ import annotations

import os
import signal
import time

import pytest

from tests.reliability.support import SERVERS, TIMEOUT, Served, exchange, request

APP = "tests.reliability.lifecycle_app:app"


def events(path) -> list[tuple[str, int]]:
    if not os.path.exists(path):
        return []
    return [(line.split()[0], int(line.split()[1])) for line in open(path).read().splitlines()]


def wait_for(predicate, what: str) -> None:
    deadline = time.monotonic() + TIMEOUT
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} did not happen within {TIMEOUT} s")
        time.sleep(0.05)


@pytest.mark.parametrize("server", [*SERVERS, "dev"])
def test_startup_runs_in_the_serving_process_and_shutdown_at_sigterm(tmp_path, server):
    log = tmp_path / "events"
    with Served(server, app=APP, env={"LIFECYCLE_LOG": str(log)}) as served:
        worker = exchange(served.port, request("GET", "/ping")).json()["pid"]
        assert events(log) == [("start", worker)]  # once, in the worker; not in cravat's own check
        served.proc.send_signal(signal.SIGTERM)
        served.proc.wait(timeout=TIMEOUT)
    assert events(log) == [("start", worker), ("stop", worker)]


@pytest.mark.parametrize("server", SERVERS)
def test_a_reload_stops_the_old_workers_hooks_and_starts_the_new_ones(tmp_path, server):
    log = tmp_path / "events"
    with Served(server, app=APP, env={"LIFECYCLE_LOG": str(log)}) as served:
        old = exchange(served.port, request("GET", "/ping")).json()["pid"]
        served.proc.send_signal(signal.SIGHUP)
        wait_for(lambda: ("stop", old) in events(log) and len([e for e in events(log) if e[0] == "start"]) >= 2,
                 "a reload")
        new = exchange(served.port, request("GET", "/ping")).json()["pid"]
    assert new != old
    assert ("start", new) in events(log)
    assert events(log).index(("start", old)) < events(log).index(("stop", old))


def test_a_failing_startup_hook_stops_the_worker_with_its_error(tmp_path):
    bad = tmp_path / "bad_app.py"
    bad.write_text("import cravat\napp = cravat.API()\n"
                   "def boom():\n    raise RuntimeError('the pool cannot connect')\napp.on_startup(boom)\n")
    served = Served("gunicorn", app="bad_app:app", env={"PYTHONPATH": str(tmp_path)})
    with pytest.raises(pytest.fail.Exception, match="the pool cannot connect"), served:
        pass
