"""Fixtures: the compute example and the no-auth key-manager pipeline, served once per module on each server."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.support import PASTE, SERVERS, Served


@pytest.fixture(scope="module", params=SERVERS)
def compute(request: pytest.FixtureRequest) -> Iterator[Served]:
    """``cravat serve --app examples.compute:app`` on each server, short deadlines so tests stay short."""
    with Served(request.param, "--header-timeout", "3", "--body-timeout", "3") as served:
        yield served


@pytest.fixture(scope="module", params=SERVERS)
def keymanager(request: pytest.FixtureRequest) -> Iterator[Served]:
    """The shipped etc/api-paste.ini's [composite:noauth] on each server."""
    with Served(request.param, "--paste", str(PASTE), "--name", "noauth", app=None, ready="/") as served:
        yield served
