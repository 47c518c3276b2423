"""Lifecycle hooks and the collector the servers load apps in (cravat/api/lifecycle.py)."""

from __future__ import annotations

import logging
import threading

import pytest

import cravat
from cravat.api.lifecycle import Lifecycle, LifecycleError, collecting, register, start_all, stop_all


def test_startup_hooks_run_once_in_the_order_added():
    calls = []
    life = Lifecycle()
    life.on_startup(lambda: calls.append(1))
    life.on_startup(lambda: calls.append(2))
    life.start()
    life.start()
    assert calls == [1, 2]


def test_shutdown_hooks_run_once_in_reverse_order():
    calls = []
    life = Lifecycle()
    life.on_shutdown(lambda: calls.append("pool"))
    life.on_shutdown(lambda: calls.append("cache"))
    life.stop()
    life.stop()
    assert calls == ["cache", "pool"]


def test_a_failing_startup_hook_raises_naming_it_and_is_logged(caplog):
    def connect():
        raise OSError("no database")

    life = Lifecycle()
    life.on_startup(connect)
    with caplog.at_level(logging.ERROR), pytest.raises(LifecycleError, match="connect failed: OSError: no database"):
        life.start()
    assert "connect" in caplog.text


def test_a_failing_shutdown_hook_is_logged_and_the_others_still_run(caplog):
    calls = []
    life = Lifecycle()
    life.on_shutdown(lambda: calls.append("first added"))
    life.on_shutdown(lambda: 1 / 0)
    with caplog.at_level(logging.ERROR):
        life.stop()
    assert calls == ["first added"]
    assert "ZeroDivisionError" in caplog.text


def test_hooks_can_be_added_as_decorators():
    life = Lifecycle()

    @life.on_startup
    def open_pool():
        pass

    assert open_pool is not None and life.hooks


def test_collecting_gathers_every_api_created_inside_it():
    with collecting() as lifecycles:
        first, second = cravat.API(), cravat.API()
    outside = cravat.API()
    assert lifecycles == [first.lifecycle, second.lifecycle]
    assert outside.lifecycle not in lifecycles


def test_registering_outside_collecting_does_nothing():
    register(Lifecycle())  # no collector active: nothing to hand it to, and no error


def test_two_threads_collecting_at_once_see_only_their_own():
    seen = {}
    ready = threading.Barrier(2)

    def load(name):
        with collecting() as lifecycles:
            ready.wait(timeout=5)
            cravat.API()
            ready.wait(timeout=5)
        seen[name] = lifecycles

    threads = [threading.Thread(target=load, args=(n,)) for n in "ab"]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=5)
    assert len(seen["a"]) == len(seen["b"]) == 1 and seen["a"][0] is not seen["b"][0]


def test_start_all_stops_what_started_when_a_later_one_fails():
    calls = []
    good, bad = Lifecycle(), Lifecycle()
    good.on_shutdown(lambda: calls.append("good stopped"))
    bad.on_startup(lambda: 1 / 0)
    with pytest.raises(LifecycleError):
        start_all([good, bad])
    assert calls == ["good stopped"]
    stop_all([good, bad])
    assert calls == ["good stopped"]


def test_the_api_exposes_its_hooks():
    api = cravat.API()
    calls = []
    api.on_startup(lambda: calls.append("up"))
    api.on_shutdown(lambda: calls.append("down"))
    api.lifecycle.start()
    api.lifecycle.stop()
    assert calls == ["up", "down"]
