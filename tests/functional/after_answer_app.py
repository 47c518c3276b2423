"""An API whose operations leave work for after their answer (``req.after_answer``), for test_after_answer.py.

The hooks talk to the test through files in ``$AFTER_ANSWER_DIR``, named by
the request's ``?token=``:

- ``GET /wait?token=T`` (and HEAD, and DELETE, which answers 204): a hook waits, at most :data:`HOOK_WAIT`
  seconds, for ``T.marker``, which the test creates only once it has the
  whole answer; it then writes ``T.done``. Had the server run the hook before
  sending, the client would get nothing until the hook gave up (it then writes
  ``T.gave-up`` instead).
- ``GET /raise?token=T``: a first hook raises, a second one writes ``T.done``:
  the failure changes neither the answer nor the hooks after it.
- ``GET /ping``: answers at once (the servers' readiness check).
"""

from __future__ import annotations

import os
import re
import time
from pathlib import Path

import cravat
from cravat.http.errors import BadRequest

#: Seconds the waiting hook waits for the test's marker before it gives up.
HOOK_WAIT = 10.0

_TOKEN = re.compile(r"[a-z0-9-]{1,64}")


def files(directory: Path | str, token: str) -> tuple[Path, Path, Path]:
    """The marker the test creates, the file a hook writes when done, and the one it writes if it gave up."""
    directory = Path(directory)
    return directory / f"{token}.marker", directory / f"{token}.done", directory / f"{token}.gave-up"


def _token(req: cravat.Request) -> str:
    token = req.GET.get("token", "")
    if not _TOKEN.fullmatch(token):
        raise BadRequest("token must be 1 to 64 of a-z, 0-9 and '-'")
    return token


def _write(path: Path, text: str) -> None:
    # Written whole under another name, then renamed: the test never reads half a file.
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text)
    partial.rename(path)


def _wait_for_marker(directory: str, token: str, method: str) -> None:
    marker, done, gave_up = files(directory, token)
    deadline = time.monotonic() + HOOK_WAIT
    while not marker.exists():
        if time.monotonic() > deadline:
            _write(gave_up, f"no marker within {HOOK_WAIT} s\n")
            return
        time.sleep(0.02)
    _write(done, f"{method} {os.getpid()}\n")


def _fail() -> None:
    raise RuntimeError("the after-answer hook of /raise failed on purpose")


class Ping:
    def on_get(self, req: cravat.Request) -> dict:
        return {"pid": os.getpid()}


class Wait:
    def on_get(self, req: cravat.Request) -> dict:
        token = _token(req)
        directory = os.environ["AFTER_ANSWER_DIR"]
        method = req.method
        req.after_answer(lambda: _wait_for_marker(directory, token, method))
        return {"token": token, "pid": os.getpid()}

    @cravat.response(204)
    def on_delete(self, req: cravat.Request) -> None:
        self.on_get(req)  # the same hook; the answer is a 204, without a body


class Raise:
    def on_get(self, req: cravat.Request) -> dict:
        token = _token(req)
        _, done, _ = files(os.environ["AFTER_ANSWER_DIR"], token)
        req.after_answer(_fail)
        req.after_answer(lambda: _write(done, f"after the failed hook {os.getpid()}\n"))
        return {"token": token, "pid": os.getpid()}


app = cravat.API()
app.route("/ping", Ping())
app.route("/wait", Wait())
app.route("/raise", Raise())
