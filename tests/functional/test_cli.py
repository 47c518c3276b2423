"""The ``cravat`` command, run as a real process: ``routes`` and ``serve``."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
APP = "examples.compute:app"
#: Every wait on a process is bounded by this many seconds.
TIMEOUT = 15.0


def cravat_command() -> list[str]:
    script = Path(sys.executable).parent / "cravat"
    return [str(script)] if script.exists() else [sys.executable, "-m", "cravat.deploy.cli"]


def run_cravat(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*cravat_command(), *args], cwd=REPO, capture_output=True, text=True, timeout=TIMEOUT)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def get_json(port: int, path: str) -> tuple[int, object]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, json.loads(response.read())
    finally:
        conn.close()


@contextlib.contextmanager
def serving(port: int, *args: str, app: str = APP, path: str = "/ping",
            env: dict[str, str] | None = None, command: str = "serve") -> Iterator[subprocess.Popen[str]]:
    """``cravat serve --app APP ARGS...`` on 127.0.0.1:port, once ``path`` answers.

    It runs in a session of its own, and on the way out, whatever happened,
    its process group and every process under it are killed: a server's
    workers are its children and would outlive their main process.
    """
    serve_args = ["--app", app] if app else []
    proc = subprocess.Popen([*cravat_command(), command, *serve_args, "--bind", f"127.0.0.1:{port}", *args],
                            cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, env=None if env is None else {**os.environ, **env})
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            if proc.poll() is not None:
                out, err = proc.communicate(timeout=TIMEOUT)
                pytest.fail(f"cravat serve exited with {proc.returncode} before answering:\n{out}\n{err}")
            try:
                get(port, path)
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"cravat serve did not answer on 127.0.0.1:{port} within {TIMEOUT} s")
                time.sleep(0.05)
        yield proc
    finally:
        pids = descendants(proc.pid)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        proc.communicate(timeout=TIMEOUT)


def descendants(pid: int) -> set[int]:
    """The pids of ``pid``'s children, their children, and so on (Linux /proc); none once it is gone."""
    found: set[int] = set()
    with contextlib.suppress(FileNotFoundError):
        for task in Path(f"/proc/{pid}/task").iterdir():
            with contextlib.suppress(FileNotFoundError):
                for child in (task / "children").read_text().split():
                    found |= {int(child)} | descendants(int(child))
    return found


def get(port: int, path: str, timeout: float = 2) -> tuple[int, bytes]:
    """One GET on a fresh connection: the status and the whole body."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_routes_prints_the_route_table():
    result = run_cravat("routes", APP)
    assert result.returncode == 0, result.stderr
    rows = [line.split() for line in result.stdout.splitlines()]
    assert rows[0] == ["METHOD", "TEMPLATE", "VERSIONS", "OPERATION", "STATUS", "RULE", "HANDLER"]
    assert ["GET", "/servers/{id}", "all", "servers:show", "200", "os_compute_api:servers:show",
            "examples.compute.ServersController.show"] in rows
    # What an installed extension adds is in the same table, with its rule.
    assert ["PUT", "/servers/{server_id}/tags/{tag}", "all", "tags:update", "201",
            "os_compute_api:os-server-tags:update", "compute_extensions.tags.TagsController.update"] in rows


def test_routes_lists_declared_statuses_and_actions():
    lines = run_cravat("routes", APP).stdout.splitlines()
    assert any(line.split()[:5] == ["POST", "/servers", "2.1-2.4", "servers:create", "202"] for line in lines)
    assert any(line.split()[:5] == ["POST", "/servers", "2.5-latest", "servers:create", "201"] for line in lines)
    assert any('/servers/{id}/action {"os-stop": ...}' in line and "servers:stop" in line for line in lines)


def test_routes_with_an_unimportable_module_exits_2_naming_it():
    result = run_cravat("routes", "no_such_module_xyz:app")
    assert result.returncode == 2
    assert "no_such_module_xyz" in result.stderr
    assert result.stdout == ""


def test_routes_with_a_missing_attribute_exits_2_naming_it():
    result = run_cravat("routes", "examples.compute:no_such_app")
    assert result.returncode == 2
    assert "no_such_app" in result.stderr


def test_routes_of_an_object_that_is_not_an_api_exits_2_naming_it():
    result = run_cravat("routes", "examples.compute:Ping")
    assert result.returncode == 2
    assert "examples.compute:Ping" in result.stderr
    assert "not a cravat API" in result.stderr


def test_serve_with_a_malformed_bind_exits_2_naming_it():
    result = run_cravat("serve", "--app", APP, "--bind", "localhost")
    assert result.returncode == 2
    assert "'localhost'" in result.stderr
    assert "HOST:PORT" in result.stderr


def test_serve_answers_ping():
    port = free_port()
    with serving(port):
        assert get_json(port, "/ping") == (200, {"ping": "pong"})


def test_serve_exits_0_on_sigterm():
    port = free_port()
    with serving(port) as proc:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=TIMEOUT) == 0


def test_serve_says_where_it_listens():
    port = free_port()
    with serving(port) as proc:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=TIMEOUT)
    assert f"http://127.0.0.1:{port}/" in out


def test_serve_on_a_port_in_use_exits_non_zero_naming_the_address():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run_cravat("serve", "--app", APP, "--bind", f"127.0.0.1:{port}")
    assert result.returncode != 0
    assert f"127.0.0.1:{port}" in result.stderr
