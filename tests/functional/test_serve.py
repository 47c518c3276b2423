"""``cravat serve --paste``, run as a real process on each production server.

Every test starts ``cravat serve`` on a free 127.0.0.1 port with a small
paste file written to a temporary directory, whose app is :func:`app_factory`
below: it answers JSON naming its settings and its worker's pid, after
sleeping ``?sleep=SECONDS``. Every wait is bounded and every process group is
killed on the way out (see ``serving`` in test_cli.py).
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

from tests.functional.test_cli import TIMEOUT, descendants, free_port, get, run_cravat, serving

INI = """\
[DEFAULT]
who = world

[app:main]
paste.app_factory = tests.functional.test_serve:app_factory
greeting = hello %(who)s
home = %(here)s

[app:other]
paste.app_factory = tests.functional.test_serve:app_factory
greeting = other

[app:broken]
paste.app_factory = tests.functional.test_serve:broken_factory

[app:missing]
paste.app_factory = tests.functional.no_such_module:app_factory
"""


def app_factory(global_conf: dict[str, str], greeting: str = "", home: str = "") -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        query = parse_qs(environ.get("QUERY_STRING", ""))
        time.sleep(float(query.get("sleep", ["0"])[0]))
        body = json.dumps({"greeting": greeting, "home": home, "pid": os.getpid()}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return app


def broken_factory(global_conf: dict[str, str]) -> Any:
    raise RuntimeError("the database URL is not set")


def _has_uwsgi() -> bool:
    return (Path(sys.executable).parent / "uwsgi").exists() or shutil.which("uwsgi") is not None


SERVERS = [
    "granian",
    "gunicorn",
    pytest.param("uwsgi", marks=pytest.mark.skipif(
        not _has_uwsgi(), reason="uWSGI is optional (pip install 'cravat[uwsgi]') and not installed")),
]


@pytest.fixture
def paste(tmp_path: Path) -> Path:
    path = tmp_path / "api-paste.ini"
    path.write_text(INI)
    return path


@dataclass
class Served:
    proc: subprocess.Popen[str]
    port: int


@contextlib.contextmanager
def served(paste: Path, *args: str, server: str = "granian", env: dict[str, str] | None = None) -> Iterator[Served]:
    """``cravat serve --paste PASTE --server SERVER ARGS...`` on a free port, once it answers."""
    port = free_port()
    with serving(port, "--paste", str(paste), "--server", server, *args, app="", path="/", env=env) as proc:
        yield Served(proc, port)


def get_json(port: int, path: str = "/", timeout: float = 2) -> dict[str, Any]:
    status, body = get(port, path, timeout)
    assert status == 200, body
    return json.loads(body)


# --- loading the paste file -------------------------------------------------

def test_the_main_application_is_runningwith_default_variables_and_here(paste):
    with served(paste) as running:
        answer = get_json(running.port)
    assert answer["greeting"] == "hello world"
    assert answer["home"] == str(paste.parent)


def test_name_chooses_the_application_section(paste):
    with served(paste, "--name", "other") as running:
        assert get_json(running.port)["greeting"] == "other"


def test_a_missing_file_exits_2_naming_it(tmp_path):
    result = run_cravat("serve", "--paste", str(tmp_path / "nope.ini"), "--bind", f"127.0.0.1:{free_port()}")
    assert result.returncode == 2
    assert str(tmp_path / "nope.ini") in result.stderr
    assert "no such file" in result.stderr


def test_a_broken_ini_exits_2_naming_the_file_and_why(tmp_path):
    path = tmp_path / "broken.ini"
    path.write_text("[app:main\nuse = egg:cravat#api\n")
    result = run_cravat("serve", "--paste", str(path), "--bind", f"127.0.0.1:{free_port()}")
    assert result.returncode == 2
    assert str(path) in result.stderr
    assert "not a valid INI file" in result.stderr


def test_a_missing_section_exits_2_naming_the_file_and_the_section(paste):
    result = run_cravat("serve", "--paste", str(paste), "--name", "nope", "--bind", f"127.0.0.1:{free_port()}")
    assert result.returncode == 2
    assert str(paste) in result.stderr
    assert "'nope'" in result.stderr


def test_an_unimportable_factory_exits_2_naming_the_file_the_section_and_the_module(paste):
    result = run_cravat("serve", "--paste", str(paste), "--name", "missing", "--bind", f"127.0.0.1:{free_port()}")
    assert result.returncode == 2
    assert f"{paste} [app:missing]" in result.stderr
    assert "no_such_module" in result.stderr


def test_a_factory_that_raises_exits_2_naming_the_file_the_section_and_the_error(paste):
    result = run_cravat("serve", "--paste", str(paste), "--name", "broken", "--bind", f"127.0.0.1:{free_port()}")
    assert result.returncode == 2
    assert f"{paste} [app:broken]" in result.stderr
    assert "RuntimeError: the database URL is not set" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_port_in_use_exits_1_naming_the_address_before_any_worker_starts(paste):
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        result = run_cravat("serve", "--paste", str(paste), "--bind", f"127.0.0.1:{port}")
    assert result.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}: the address is already in use" in result.stderr


# --- workers, SIGTERM, SIGHUP on each server ----------------------------------

@pytest.mark.parametrize("server", SERVERS)
def test_workers_are_processes_of_the_main_one(paste, server):
    # cravat serve is granian's and gunicorn's main process; it runs uWSGI's master as its child.
    expected = 2 + (server == "uwsgi")
    with served(paste, "--workers", "2", "--threads", "2", server=server) as running:
        deadline = time.monotonic() + TIMEOUT
        while len(descendants(running.proc.pid)) < expected and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(descendants(running.proc.pid)) == expected


@pytest.mark.parametrize("server", SERVERS)
def test_sigterm_drains_every_accepted_request_then_exits_0(paste, server):
    # More requests than threads: granian and gunicorn accept them all at once, so some wait
    # inside the server, accepted but not started. uWSGI accepts a connection only when a
    # thread is free; what waits in the kernel's listen queue is not accepted (and is reset).
    count, grace = 12, 10
    threads = count if server == "uwsgi" else 4
    with served(paste, "--threads", str(threads), "--graceful-timeout", str(grace), server=server) as running:
        port = running.port
        answers = _fire(port, count, "/?sleep=0.3")
        time.sleep(0.2)  # every connection made and its request sent
        running.proc.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        assert running.proc.wait(timeout=grace + 5) == 0
        waited = time.monotonic() - stopped
        for thread in answers.threads:
            thread.join(timeout=TIMEOUT)
        with pytest.raises(ConnectionRefusedError):
            get(port, "/")
    assert answers.failures == []
    assert len(answers.bodies) == count
    assert all(json.loads(body)["greeting"] == "hello world" for body in answers.bodies)
    assert waited < grace


@pytest.mark.parametrize("server", SERVERS)
def test_sigterm_kills_a_request_still_running_after_the_graceful_timeout(paste, server):
    with served(paste, "--graceful-timeout", "1", server=server) as running:
        answers = _fire(running.port, 1, "/?sleep=30", timeout=20)
        time.sleep(0.2)
        running.proc.send_signal(signal.SIGTERM)
        stopped = time.monotonic()
        assert running.proc.wait(timeout=TIMEOUT) == 0
        assert time.monotonic() - stopped < 5
        answers.threads[0].join(timeout=TIMEOUT)
    assert answers.bodies == []


@pytest.mark.parametrize("server", SERVERS)
def test_sighup_replaces_the_workers_which_read_the_paste_file_again(paste, server):
    with served(paste, server=server) as running:
        port = running.port
        before = get_json(port)
        paste.write_text(INI.replace("greeting = hello %(who)s", "greeting = reloaded"))
        traffic = _Traffic(port)
        running.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + TIMEOUT
        after = before
        while after["greeting"] != "reloaded" and time.monotonic() < deadline:
            time.sleep(0.1)
            after = get_json(port, timeout=TIMEOUT)
        traffic.stop()
        assert running.proc.poll() is None
    assert after["greeting"] == "reloaded"
    assert after["pid"] != before["pid"]
    assert traffic.failures == []
    assert traffic.answered > 0


@pytest.mark.parametrize("server", SERVERS)
def test_sighup_with_a_broken_paste_file_keeps_the_workers_serving_and_logs_why(paste, server):
    with served(paste, server=server) as running:
        before = get_json(running.port)
        paste.write_text(INI.replace("test_serve:app_factory\ngreeting = hello", "no_such_module:app_factory\n"
                                     "greeting = hello"))
        running.proc.send_signal(signal.SIGHUP)
        time.sleep(1.5)  # longer than any server here takes to act on SIGHUP
        after = get_json(running.port)
        assert running.proc.poll() is None
        running.proc.send_signal(signal.SIGTERM)
        _, err = running.proc.communicate(timeout=TIMEOUT)
    assert after == before
    assert f"SIGHUP: not reloading, the workers go on serving the app they have: {paste} [app:main]" in err
    assert "no_such_module" in err


@pytest.mark.parametrize("server", SERVERS)
def test_sighup_picks_up_changed_code(tmp_path, server):
    module = tmp_path / "svc_v.py"
    module.write_text(_SVC.format(version="v1"))
    paste = tmp_path / "api-paste.ini"
    paste.write_text("[app:main]\npaste.app_factory = svc_v:factory\n")
    with served(paste, server=server, env={"PYTHONPATH": str(tmp_path)}) as running:
        assert get(running.port, "/") == (200, b"v1")
        module.write_text(_SVC.format(version="v2"))
        later = time.time() + 5  # a newer mtime than the cached bytecode's, whatever the clock's resolution
        os.utime(module, (later, later))
        running.proc.send_signal(signal.SIGHUP)
        deadline = time.monotonic() + TIMEOUT
        answer = b"v1"
        while answer != b"v2" and time.monotonic() < deadline:
            time.sleep(0.1)
            answer = get(running.port, "/", timeout=TIMEOUT)[1]
    assert answer == b"v2"


_SVC = """
def factory(global_conf):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"{version}"]
    return app
"""


@pytest.mark.parametrize("server", SERVERS)
def test_workers_do_not_outlive_a_killed_main_process(paste, server):
    # uWSGI gives a worker still starting up to the graceful timeout to stop.
    with served(paste, "--workers", "2", "--threads", "2", "--graceful-timeout", "2", server=server) as running:
        deadline = time.monotonic() + TIMEOUT
        while len(pids := descendants(running.proc.pid)) < 2 + (server == "uwsgi") and time.monotonic() < deadline:
            time.sleep(0.05)
        left = set(pids)
        try:
            os.kill(running.proc.pid, signal.SIGKILL)
            running.proc.wait(timeout=TIMEOUT)
            while left and time.monotonic() < deadline:
                time.sleep(0.1)
                left = {pid for pid in left if _alive(pid)}
        finally:
            for pid in pids:  # served() cannot find them once their parent is gone
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
    assert left == set()


def _alive(pid: int) -> bool:
    """Whether ``pid`` is a process that has not exited (a zombie has)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] != "Z"
    except FileNotFoundError:
        return False


# --- helpers ------------------------------------------------------------------

class _Answers:
    def __init__(self) -> None:
        self.threads: list[threading.Thread] = []
        self.bodies: list[bytes] = []
        self.failures: list[str] = []


def _fire(port: int, count: int, path: str, timeout: float = TIMEOUT) -> _Answers:
    """``count`` concurrent GETs of ``path``, each on its own connection and thread."""
    answers = _Answers()

    def one() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        try:
            conn.request("GET", path)
            response = conn.getresponse()
            body = response.read()
            if response.status == 200:
                answers.bodies.append(body)
            else:
                answers.failures.append(f"{response.status} {body!r}")
        except (OSError, http.client.HTTPException) as exc:
            answers.failures.append(repr(exc))
        finally:
            conn.close()

    answers.threads = [threading.Thread(target=one, daemon=True) for _ in range(count)]
    for thread in answers.threads:
        thread.start()
    return answers


class _Traffic:
    """Requests one after another from two threads until :meth:`stop`, counting what failed."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.answered = 0
        self.failures: list[str] = []
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._run, daemon=True) for _ in range(2)]
        for thread in self._threads:
            thread.start()

    def _run(self) -> None:
        deadline = time.monotonic() + 2 * TIMEOUT
        while not self._stop.is_set() and time.monotonic() < deadline:
            try:
                status, body = get(self.port, "/?sleep=0.02", timeout=TIMEOUT)
                if status == 200:
                    self.answered += 1
                else:
                    self.failures.append(f"{status} {body!r}")
            except (OSError, http.client.HTTPException) as exc:
                self.failures.append(repr(exc))

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=TIMEOUT)


def test_serve_with_the_dev_server_still_works(paste):
    with served(paste, server="dev") as running:
        assert get_json(running.port)["greeting"] == "hello world"


def test_help_lists_the_servers_and_the_default():
    result = subprocess.run([sys.executable, "-m", "cravat.deploy.cli", "serve", "--help"],
                            capture_output=True, text=True, timeout=TIMEOUT)
    assert "granian" in result.stdout and "gunicorn" in result.stdout and "uwsgi" in result.stdout
