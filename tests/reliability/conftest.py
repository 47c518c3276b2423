"""Fixtures: the compute example and the no-auth key-manager pipeline, served once per module on each server."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.support import PASTE, REPO, SERVERS, TIMEOUT, Served


@pytest.fixture(scope="module", params=SERVERS)
def compute(request: pytest.FixtureRequest) -> Iterator[Served]:
    """``cravat serve --app examples.compute:app`` on each server, short deadlines so tests stay short."""
    with Served(request.param, "--header-timeout", "3", "--body-timeout", "3") as served:
        yield served


@pytest.fixture(scope="module")
def keymanager_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The key manager's environment: a scratch SQLite database, migrated as ``cravat db upgrade`` does, and a KEK."""
    database = tmp_path_factory.mktemp("keymanager") / "keymanager.sqlite"
    env = {"KEYMANAGER_DATABASE_URL": f"sqlite:///{database}",
           "KEYMANAGER_KEK": base64.b64encode(os.urandom(32)).decode()}
    subprocess.run([str(Path(sys.executable).parent / "cravat"), "db", "upgrade", "--app", "keymanager.app:app"],
                   cwd=REPO, env={**os.environ, **env}, check=True, capture_output=True, timeout=TIMEOUT)
    return env


@pytest.fixture(scope="module", params=SERVERS)
def keymanager(request: pytest.FixtureRequest, keymanager_env: dict[str, str]) -> Iterator[Served]:
    """The shipped etc/api-paste.ini's [composite:noauth] on each server, on its own migrated database."""
    with Served(request.param, "--paste", str(PASTE), "--name", "noauth", app=None, ready="/",
                env=keymanager_env) as served:
        yield served
