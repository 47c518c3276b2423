"""Work a request leaves for after its answer: run when the server closes the response, once it is sent.

>>> req.after_answer(lambda: audit.record(secret.id))   # the client does not wait for it

PEP 3333 servers call the answer's ``close()`` after its last byte is
written; the hooks run there, on the request's own thread, in the order
they were added. A hook that raises is logged and the next one runs: the
answer is sent already. A server that never calls ``close()`` never runs
them, so a hook must be work that something else would also do in time
(the task client's hook runs a task the workers take over after a grace).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Iterator

LOG = logging.getLogger("cravat.http")

#: Where a request keeps its after-answer hooks while it runs.
ENV_AFTER_ANSWER = "cravat.after_answer"

Hook = Callable[[], object]


def add_hook(environ: dict, hook: Hook) -> None:
    hooks = environ.get(ENV_AFTER_ANSWER)
    if hooks is None:
        environ[ENV_AFTER_ANSWER] = [hook]
    else:
        hooks.append(hook)


def run_hooks(hooks: Iterable[Hook]) -> None:
    for hook in hooks:
        try:
            hook()
        except Exception:
            LOG.exception("an after-answer hook failed (the answer was sent)")


class AnswerThenHooks:
    """An answer's body whose ``close()`` runs the hooks: what the dispatcher returns when there are some.

    Not a list on purpose: a server that takes a list's bytes at once (granian) skips ``close()``; an
    iterator is written, then closed.
    """

    __slots__ = ("_chunks", "_hooks", "_closed")

    def __init__(self, chunks: list[bytes], hooks: list[Hook]) -> None:
        self._chunks = chunks
        self._hooks = hooks
        self._closed = False

    def __iter__(self) -> Iterator[bytes]:
        # A HEAD answer has no chunk; one empty chunk makes uWSGI send the headers before it closes the
        # answer (with none, it sends them after close(), so after the hooks).
        return iter(self._chunks or (b"",))

    def __len__(self) -> int:  # PEP 3333: a server may take a one-chunk answer's length from it
        return len(self._chunks) or 1

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        run_hooks(self._hooks)


class ThenClose:
    """A body read already (``chunks``) with the app's ``close`` still to call: after it is sent."""

    __slots__ = ("_chunks", "_close")

    def __init__(self, chunks: list[bytes], close: Callable[[], object]) -> None:
        self._chunks = chunks
        self._close = close

    def __iter__(self) -> Iterator[bytes]:
        return iter(self._chunks)

    def __len__(self) -> int:
        return len(self._chunks)

    def close(self) -> None:
        close, self._close = self._close, None
        if close is not None:
            close()
