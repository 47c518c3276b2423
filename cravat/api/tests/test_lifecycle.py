import logging

import pytest

import cravat
from cravat.api.lifecycle import Lifecycle, LifecycleError, collecting


def test_startup_runs_once_in_order_and_shutdown_in_reverse():
    events = []
    api = cravat.API()
    api.on_startup(lambda: events.append("engine"))
    api.on_startup(lambda: events.append("worker"))
    api.on_shutdown(lambda: events.append("close engine"))
    api.on_shutdown(lambda: events.append("stop worker"))
    api.lifecycle.start()
    api.lifecycle.start()
    api.lifecycle.stop()
    api.lifecycle.stop()
    assert events == ["engine", "worker", "stop worker", "close engine"]


def test_a_failing_startup_raises_naming_the_hook_and_stops_the_rest():
    events = []
    life = Lifecycle()
    life.on_startup(lambda: events.append("a"))
    life.on_startup(lambda: 1 / 0)
    life.on_startup(lambda: events.append("never"))
    with pytest.raises(LifecycleError, match="start-up hook .*<lambda> failed: ZeroDivisionError") as info:
        life.start()
    assert isinstance(info.value.__cause__, ZeroDivisionError)
    assert events == ["a"]


def test_a_failing_shutdown_hook_is_logged_and_the_others_run(caplog):
    events = []
    life = Lifecycle()
    life.on_shutdown(lambda: events.append("first registered"))
    life.on_shutdown(lambda: 1 / 0)
    life.start()
    with caplog.at_level(logging.ERROR):
        life.stop()
    assert events == ["first registered"]
    assert "shutdown hook" in caplog.text and "failed" in caplog.text


def test_collecting_finds_every_api_built_inside_it():
    outside = cravat.API()
    with collecting() as found:
        inner = [cravat.API(), cravat.API()]
    assert [lc for lc in found] == [api.lifecycle for api in inner]
    assert outside.lifecycle not in found
