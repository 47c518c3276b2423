"""Start-up and shutdown hooks of an application, run once per worker process by the server.

An API registers what it must open before serving (a connection pool, a
background thread) and close when it stops::

    >>> api.on_startup(pool.connect)
    >>> api.on_shutdown(pool.close)

Every server ``cravat serve`` offers builds the app in each worker inside
:func:`collecting`, which gathers every :class:`Lifecycle` created while it
is active, then starts them after the app loaded and stops them when the
worker stops (after SIGTERM's drain, at a reload, at exit)::

    >>> with collecting() as lifecycles:
    ...     app = build_the_app()
    >>> for lifecycle in lifecycles:
    ...     lifecycle.start()

The collector is a ``contextvars.ContextVar``, not a module-level list, so two
loads (two threads, two tests) never see each other's lifecycles.
"""

from __future__ import annotations

import contextlib
import contextvars
import logging
import threading
from collections.abc import Callable, Iterator
from typing import Any

LOG = logging.getLogger(__name__)

Hook = Callable[[], Any]

_COLLECTOR: contextvars.ContextVar[list[Lifecycle] | None] = contextvars.ContextVar("cravat_lifecycles",
                                                                                     default=None)


class LifecycleError(RuntimeError):
    """A start-up hook failed; the message names it, the original exception is ``__cause__``."""


class Lifecycle:
    """Start-up hooks run once in the order added; shutdown hooks once, in reverse order.

    >>> life = Lifecycle()
    >>> life.on_startup(lambda: print("open"))
    >>> life.on_shutdown(lambda: print("close"))
    >>> life.start(); life.stop()
    open
    close
    """

    def __init__(self) -> None:
        self._startup: list[Hook] = []
        self._shutdown: list[Hook] = []
        self._lock = threading.Lock()
        self._started = False
        self._stopped = False

    def on_startup(self, fn: Hook) -> Hook:
        """Run ``fn()`` when the worker starts serving; usable as a decorator."""
        self._startup.append(fn)
        return fn

    def on_shutdown(self, fn: Hook) -> Hook:
        """Run ``fn()`` when the worker stops; usable as a decorator."""
        self._shutdown.append(fn)
        return fn

    @property
    def hooks(self) -> bool:
        """Whether there is anything to run."""
        return bool(self._startup or self._shutdown)

    def start(self) -> None:
        """Run the start-up hooks, once; the first that fails is logged and raised as :class:`LifecycleError`.

        The shutdown hooks of what did start still run at :meth:`stop`.
        """
        with self._lock:
            if self._started:
                return
            self._started = True
        for fn in self._startup:
            try:
                fn()
            except Exception as exc:
                LOG.exception("start-up hook %s failed", _name(fn))
                raise LifecycleError(f"start-up hook {_name(fn)} failed: {type(exc).__name__}: {exc}") from exc

    def stop(self) -> None:
        """Run the shutdown hooks once, last added first; each failure is logged and the rest still run."""
        with self._lock:
            if self._stopped:
                return
            self._stopped = True
        for fn in reversed(self._shutdown):
            try:
                fn()
            except Exception:
                LOG.exception("shutdown hook %s failed", _name(fn))


def register(lifecycle: Lifecycle) -> None:
    """Hand ``lifecycle`` to the active :func:`collecting` block, if there is one (else nothing happens)."""
    collected = _COLLECTOR.get()
    if collected is not None and not any(known is lifecycle for known in collected):
        collected.append(lifecycle)


@contextlib.contextmanager
def collecting() -> Iterator[list[Lifecycle]]:
    """Collect every :class:`Lifecycle` registered inside the block, in the order registered."""
    collected: list[Lifecycle] = []
    token = _COLLECTOR.set(collected)
    try:
        yield collected
    finally:
        _COLLECTOR.reset(token)


def start_all(lifecycles: list[Lifecycle]) -> None:
    """Start each in order; if one fails, stop those already started (in reverse) and raise."""
    started: list[Lifecycle] = []
    try:
        for lifecycle in lifecycles:
            started.append(lifecycle)
            lifecycle.start()
    except BaseException:
        stop_all(started)
        raise


def stop_all(lifecycles: list[Lifecycle]) -> None:
    """Stop each, last started first."""
    for lifecycle in reversed(lifecycles):
        lifecycle.stop()


def _name(fn: Hook) -> str:
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None) or repr(fn)
    return f"{module}.{qualname}" if module else qualname
