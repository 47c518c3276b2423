"""``req.after_answer(hook)`` on every server: the hook runs once the client has the whole answer.

The API is :mod:`tests.functional.after_answer_app`, served once per module on
each server ``cravat serve`` offers (granian, gunicorn, uWSGI, and the
standard-library dev server) and on :class:`cravat.deploy.devserver.BackgroundServer`
in this process, without the serving guard. Nothing here measures time: the
hook of ``/wait`` waits for a marker file that the test creates only once it
has read the whole answer, then writes a "done" file. A server that ran the
hooks before sending the answer would send nothing until the hook gave up
(:data:`HOOK_WAIT` seconds), and the client, which waits :data:`CLIENT_TIMEOUT`
seconds, would fail the test. Every wait is bounded; traffic goes to 127.0.0.1 only.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cravat.deploy.devserver import BackgroundServer
from tests.functional.after_answer_app import HOOK_WAIT, files
from tests.reliability.support import SERVERS, TIMEOUT, Answer, Served, read_answer, request

APP = "tests.functional.after_answer_app:app"
#: Seconds the client waits for an answer: well below the hook's wait, so a hook run first fails the test.
CLIENT_TIMEOUT = 3.0
assert CLIENT_TIMEOUT * 2 < HOOK_WAIT
#: The servers that keep an HTTP/1.1 connection open after an answer. uWSGI is served with a
#: ``Connection: close`` on every answer, and the dev server speaks HTTP/1.0, one request per connection.
KEEPS_ALIVE = {"granian", "gunicorn"}
FAILED = "an after-answer hook failed (the answer was sent)"


@dataclass
class Target:
    """A server running the app: its port, where the hooks' files go, and what it logged so far."""

    name: str
    port: int
    directory: Path
    output: Callable[[], str]

    def files(self, token: str) -> tuple[Path, Path, Path]:
        return files(self.directory, token)

    @property
    def keeps_alive(self) -> bool:
        return self.name in KEEPS_ALIVE


class _Lines(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@contextlib.contextmanager
def _in_process(directory: Path) -> Iterator[Target]:
    from tests.functional.after_answer_app import app

    lines = _Lines()
    lines.setFormatter(logging.Formatter("%(message)s"))  # and the traceback, as format() appends it
    logger = logging.getLogger("cravat.http")
    logger.addHandler(lines)
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("AFTER_ANSWER_DIR", str(directory))
            with BackgroundServer(app) as url:
                yield Target("in-process", int(url.rsplit(":", 1)[1]), directory, lambda: "\n".join(lines.lines))
    finally:
        logger.removeHandler(lines)


@pytest.fixture(scope="module", params=[*SERVERS, "dev", "in-process"])
def target(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Target]:
    directory = tmp_path_factory.mktemp(f"after-answer-{request.param}")
    if request.param == "in-process":
        with _in_process(directory) as target:
            yield target
        return
    with Served(request.param, app=APP, env={"AFTER_ANSWER_DIR": str(directory)}) as served:
        yield Target(request.param, served.port, directory, served.output)


@dataclass
class Hook:
    """One request's token and the hook's files: ``marker`` (the test's), ``done`` and ``gave_up`` (the hook's)."""

    token: str
    marker: Path
    done: Path
    gave_up: Path

    def finished(self) -> bool:
        return self.done.exists() or self.gave_up.exists()


@pytest.fixture
def hook(target: Target) -> Iterator[Hook]:
    """A fresh token; on the way out its marker is made, so a hook still waiting (a failed test's) lets go."""
    token = uuid.uuid4().hex[:16]
    made = Hook(token, *target.files(token))
    yield made
    made.marker.touch()
    deadline = time.monotonic() + CLIENT_TIMEOUT
    while not made.finished() and time.monotonic() < deadline:
        time.sleep(0.02)


def wait_for_done(target: Target, hook: Hook) -> None:
    """Until the hook wrote ``done`` (failing if it gave up, or wrote nothing within TIMEOUT seconds)."""
    deadline = time.monotonic() + TIMEOUT
    while not hook.done.exists():
        assert not hook.gave_up.exists(), f"the hook did not see the marker: {hook.gave_up.read_text()}"
        if time.monotonic() > deadline:
            pytest.fail(f"no hook wrote {hook.done.name} within {TIMEOUT} s on {target.name}:\n{target.output()}")
        time.sleep(0.02)


def connect(target: Target) -> socket.socket:
    return socket.create_connection(("127.0.0.1", target.port), timeout=CLIENT_TIMEOUT)


def ask(sock: socket.socket, method: str, path: str) -> Answer:
    sock.sendall(request(method, path))
    return read_answer(sock, CLIENT_TIMEOUT, head_only=method == "HEAD")


def assert_whole(answer: Answer, token: str) -> None:
    assert answer.status == 200, f"no whole answer before the client's {CLIENT_TIMEOUT} s: {answer.error}"
    assert len(answer.body) == int(answer.headers["content-length"])
    assert answer.json()["token"] == token


def test_the_hook_runs_once_the_client_has_the_whole_answer(target, hook):
    with connect(target) as sock:
        answer = ask(sock, "GET", f"/wait?token={hook.token}")
        assert_whole(answer, hook.token)
        assert not hook.finished()  # the hook waits for the marker: it has not finished
        hook.marker.touch()
        wait_for_done(target, hook)
    assert hook.done.read_text().split()[0] == "GET"


def test_a_head_requests_hook_runs_once_the_client_has_the_answer(target, hook):
    with connect(target) as sock:
        answer = ask(sock, "HEAD", f"/wait?token={hook.token}")
        assert answer.status == 200, f"no answer before the client's {CLIENT_TIMEOUT} s: {answer.error}"
        assert int(answer.headers["content-length"]) > 0  # GET's length, without its body
        assert not hook.finished()
        hook.marker.touch()
        wait_for_done(target, hook)
    assert hook.done.read_text().split()[0] == "HEAD"


def test_a_204_answers_hook_runs_once_the_client_has_it(target, hook):
    # No body at all, and no Content-Length: the answer is its status line and headers.
    with connect(target) as sock:
        answer = ask(sock, "DELETE", f"/wait?token={hook.token}")
        assert answer.status == 204, f"no answer before the client's {CLIENT_TIMEOUT} s: {answer.error}"
        assert "content-length" not in answer.headers
        assert not hook.finished()
        hook.marker.touch()
        wait_for_done(target, hook)
    assert hook.done.read_text().split()[0] == "DELETE"


def test_a_hook_that_raises_changes_neither_the_answer_nor_the_hooks_after_it(target, hook):
    with connect(target) as sock:
        answer = ask(sock, "GET", f"/raise?token={hook.token}")
        assert_whole(answer, hook.token)
        assert answer.headers["content-type"] == "application/json"
        wait_for_done(target, hook)  # the hook after the one that raised ran
        if target.keeps_alive:
            assert answer.version == "HTTP/1.1" and not answer.closes
            following = ask(sock, "GET", "/ping")  # the same connection serves the next request
            assert following.status == 200, following.error
            assert following.json() == {"pid": answer.json()["pid"]}
        else:
            # No keep-alive to test: the server says it closes the connection after each answer.
            assert answer.closes or answer.version == "HTTP/1.0", answer.headers
    deadline = time.monotonic() + TIMEOUT
    while "failed on purpose" not in target.output() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert FAILED in target.output()
    assert "RuntimeError: the after-answer hook of /raise failed on purpose" in target.output()


def test_a_request_runs_its_own_hooks_not_an_earlier_ones(target, hook):
    with connect(target) as sock:
        assert_whole(ask(sock, "GET", f"/raise?token={hook.token}"), hook.token)
    wait_for_done(target, hook)
    hook.done.unlink()
    later = Hook("later-" + hook.token, *target.files("later-" + hook.token))
    with connect(target) as sock:
        assert_whole(ask(sock, "GET", f"/raise?token={later.token}"), later.token)
    wait_for_done(target, later)  # the later request's hooks ran, and the earlier request's did not again
    assert not hook.done.exists()


def test_a_hook_still_waiting_does_not_hold_up_the_next_request_on_its_connection(target, hook):
    if not target.keeps_alive:
        pytest.skip(f"{target.name} closes the connection after each answer (once the hooks are done)")
    if target.name == "gunicorn":
        # gthread closes the answer (runs the hooks) before it reads the connection's next request: a client
        # that reuses its connection waits for the previous request's hooks (docs/serving.md says so).
        pytest.skip("gunicorn reads a connection's next request once the hooks of the last one are done")
    with connect(target) as sock:
        assert_whole(ask(sock, "GET", f"/wait?token={hook.token}"), hook.token)
        following = ask(sock, "GET", "/ping")  # while the first request's hook waits for its marker
        assert following.status == 200, f"the next request on the connection waited for the hook: {following.error}"
        assert not hook.finished()
        hook.marker.touch()
        wait_for_done(target, hook)
