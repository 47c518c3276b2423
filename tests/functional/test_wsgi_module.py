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


def _threads(pid: int) -> int:
    with open(f"/proc/{pid}/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("Threads:"))


def test_under_uwsgis_master_the_start_up_hooks_run_in_the_worker_not_before_the_fork(tmp_path):
    # Loaded once in uWSGI's master (no --lazy-apps), the key manager's task worker threads used to start
    # in the master: the worker forked from it had none, and now and then hung before its first answer
    # (a fork taken while one of them held the GIL). They start after the fork now, in the worker.
    port = free_port()
    env = {**os.environ, "KEYMANAGER_PASTE": str(REPO / "etc" / "api-paste.ini"), "KEYMANAGER_PASTE_NAME": "noauth",
           "KEYMANAGER_DATABASE_URL": f"sqlite:///{tmp_path / 'keymanager.sqlite'}",
           "KEYMANAGER_KEK": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}
    subprocess.run([str(BIN / "cravat"), "db", "upgrade", "--app", "keymanager.app:app"], cwd=REPO, env=env,
                   check=True, capture_output=True, timeout=60)
    proc = subprocess.Popen(command("uwsgi", port), cwd=REPO, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + TIMEOUT
        while True:
            assert proc.poll() is None, f"uwsgi exited {proc.returncode}"
            try:
                get(port, "/healthcheck")
                break
            except OSError:
                assert time.monotonic() < deadline, f"uwsgi did not answer within {TIMEOUT} s"
                time.sleep(0.1)
        workers = [int(pid) for pid in open(f"/proc/{proc.pid}/task/{proc.pid}/children").read().split()]
        assert len(workers) == 1
        assert _threads(proc.pid) == 1, "the master runs threads of the app's start-up hooks"
        # The worker's two request threads, and the task worker's threads beside them.
        assert _threads(workers[0]) > 2
        # An order goes ACTIVE, done by the worker process's own task threads (uWSGI closes every
        # connection after its answer: one connection a request).
        def call(method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            try:
                conn.request(method, path, json.dumps(body) if body is not None else None,
                             {"Content-Type": "application/json", "X-Project-Id": "p1"})
                response = conn.getresponse()
                return response.status, json.loads(response.read())
            finally:
                conn.close()

        order = {"type": "key", "meta": {"name": "k", "algorithm": "aes", "bit_length": 256, "mode": "cbc"}}
        code, answer = call("POST", "/v1/orders", order)
        assert code == 202, answer
        path = "/v1/orders/" + answer["order_ref"].rsplit("/", 1)[1]
        for _ in range(100):
            status = call("GET", path)[1]["status"]
            if status != "PENDING":
                break
            time.sleep(0.05)
        assert status == "ACTIVE"
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
