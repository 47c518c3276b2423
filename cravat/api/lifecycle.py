"""Lifecycle: what an API starts before it serves and stops after (engines, worker threads, policy files).

Each API has a :class:`Lifecycle`; ``api.on_startup(fn)`` and
``api.on_shutdown(fn)`` add to it. Servers start it in each worker after
loading the app and stop it on a graceful stop. They find every API a load
built, however deep in a paste pipeline, with :func:`collecting`:

>>> with collecting() as lifecycles:
...     app = load_paste_app("etc/api-paste.ini")
>>> for lifecycle in lifecycles:
...     lifecycle.start()
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from collections.abc import Callable, Iterator

LOG = logging.getLogger(__name__)

Hook = Callable[[], object]

_COLLECTING: contextvars.ContextVar[list[Lifecycle] | None] = contextvars.ContextVar("cravat_lifecycles",
                                                                                     default=None)


class Lifecycle:
    """Start-up and shutdown hooks: startup runs once, in order; shutdown once, in reverse order.

    A start-up hook that raises stops the start (the hooks already run are
    shut down, in reverse, and the error goes on); a shutdown hook that
    raises is logged, and the others still run.
    """

    def __init__(self, name: str = "api") -> None:
        self.name = name
        self._startup: list[Hook] = []
        self._shutdown: list[Hook] = []
        self._lock = threading.Lock()
        self._started: list[Hook] | None = None
        self._stopped = False

    def on_startup(self, hook: Hook) -> Hook:
        """Run ``hook()`` when the server starts this app; usable as a decorator."""
        self._startup.append(hook)
        return hook

    def on_shutdown(self, hook: Hook) -> Hook:
        """Run ``hook()`` when the server stops this app; usable as a decorator."""
        self._shutdown.append(hook)
        return hook

    @property
    def started(self) -> bool:
        return self._started is not None and not self._stopped

    def start(self) -> None:
        with self._lock:
            if self._started is not None:
                return
            self._started = []
            for hook in self._startup:
                try:
                    hook()
                except BaseException:
                    LOG.error("%s: start-up hook %s failed; stopping what started", self.name, _name(hook))
                    self._stop_locked()
                    raise
                self._started.append(hook)

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()

    def _stop_locked(self) -> None:
        if self._stopped or self._started is None:
            return
        self._stopped = True
        for hook in reversed(self._shutdown):
            try:
                hook()
            except Exception:
                LOG.exception("%s: shutdown hook %s failed", self.name, _name(hook))


def _name(hook: Hook) -> str:
    return getattr(hook, "__qualname__", None) or repr(hook)


def register(lifecycle: Lifecycle) -> None:
    """Called for each new Lifecycle: the active :func:`collecting` block, if any, keeps it."""
    collected = _COLLECTING.get()
    if collected is not None:
        collected.append(lifecycle)


@contextlib.contextmanager
def collecting() -> Iterator[list[Lifecycle]]:
    """Collect the lifecycles of every API built inside the block (in this context only)."""
    collected: list[Lifecycle] = []
    token = _COLLECTING.set(collected)
    try:
        yield collected
    finally:
        _COLLECTING.reset(token)
