"""The same api-paste.ini served by other servers' own command lines, through <package>.wsgi:application."""

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
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
TIMEOUT = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def command(server: str, port: int) -> list[str]:
    if server == "gunicorn":
        return [str(BIN / "gunicorn"), "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "2",
                "keymanager.wsgi:application"]
    return [str(BIN / "uwsgi"), "--http-socket", f"127.0.0.1:{port}", "--master", "--processes", "1",
            "--threads", "2", "--pythonpath", str(REPO), "--module", "keymanager.wsgi:application",
            "--die-on-term", "--need-app"]


def get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()


@pytest.fixture(params=["gunicorn", "uwsgi"])
def served(request, tmp_path):
    port = free_port()
    # The key manager's database and KEK of its own (nothing here reaches its tables: no token, no /v1 answer).
    env = {**os.environ, "KEYMANAGER_PASTE": str(REPO / "etc" / "api-paste.ini"),
           "KEYMANAGER_DATABASE_URL": f"sqlite:///{tmp_path / 'keymanager.sqlite'}",
           "KEYMANAGER_KEK": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}
    proc = subprocess.Popen(command(request.param, port), cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            if proc.poll() is not None:
                pytest.fail(f"{request.param} exited {proc.returncode}: {proc.stderr.read()[-2000:]}")
            try:
                get(port, "/healthcheck")
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail(f"{request.param} did not answer within {TIMEOUT} s")
                time.sleep(0.1)
        yield port
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


def test_the_versions_document_answers_at_the_root(served):
    status, _, body = get(served, "/")
    assert status == 300
    assert json.loads(body)["versions"]["values"][0]["id"] == "v1"


def test_the_v1_pipeline_runs_auth_token_and_answers_401_without_a_token(served):
    status, headers, body = get(served, "/v1/secrets")
    assert status == 401
    assert json.loads(body)["code"] == 401
    assert headers["x-openstack-request-id"].startswith("req-")


def test_the_healthcheck_answers(served):
    status, _, body = get(served, "/healthcheck")
    assert (status, body) == (200, b"OK")
