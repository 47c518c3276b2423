"""Admission: how many requests of one worker process run the app at once.

At most ``threads``, and no more than keep the interpreter busy. A worker's
Python threads share one GIL, so a second request running beside one that
computes gains nothing; worse, each time either lets go of the GIL for a
short C call (every SQLite step, every socket write) the two trade it, at two
context switches a trade. Measured on the key manager (granian, one worker,
its list of 10 on SQLite loaded by wrk on 8 connections): 1,190 requests/s
with 8 of them running at once, 2,197 with one at a time.

So a request is admitted at once while none runs, and beside others only
while each of them is blocked: its thread used less than :data:`BUSY` of its
time on the CPU over the last probe (waiting on a database across the
network, another service, a lock), or it has run for a ``time_slice`` already (a
long request then shares the interpreter with the next, as it would without
admission, rather than hold every short one back). A watcher thread, awake
only while requests wait for a free slot, probes the running ones: every
``probe`` seconds while it finds them blocked, less often (down to every
:data:`SLOWEST_PROBE`) while it finds one computing. Requests that compute
therefore run one after the other, and a request that waits on I/O lets the
next one in within a few probes, up to ``threads``. A slot that frees wakes
the longest waiter, which takes it unless a request arriving on a thread
that is running already takes it first (that one costs no context switch).

A server that can answer a request from any thread (granian) comes in by
:meth:`Admission.run` instead, and a request that finds no room there is
not parked on its own thread: its work is left in the queue, for the thread
whose slot frees next to run in that same slot (or, let in beside blocked
requests, for one of the admission's own threads). Its server thread then
waits in reserve, up to :data:`RESERVE`, rather than take the next request
from the server: that one waits in the server's queue for the thread that
is running, which takes it when done. So a worker's requests run one after
another on a thread that is running already, without the GIL traded at
each arrival (about 15 context switches a request on granian's pool). A
thread in reserve goes back sooner when a slot has room beside blocked
requests, or when one of the admission's own threads finishes.

Where a thread's CPU clock cannot be read (``time.pthread_getcpuclockid`` is
Linux's and a few others'), every running request counts as blocked: up to
``threads`` run at once, as a plain semaphore would allow.
"""

from __future__ import annotations

import collections
import logging
import threading
import time
from collections.abc import Callable

LOG = logging.getLogger(__name__)

#: A running request whose thread had the CPU for less than this share of a probe counts as blocked.
BUSY = 0.25
#: Seconds a request may compute before the next is let in beside it (``time_slice``, its default).
SLICE = 0.02
#: Seconds between two probes of the running requests while others wait, at first and after a probe
#: found them all blocked; each probe that finds one computing doubles it, up to :data:`SLOWEST_PROBE`.
PROBE = 0.001
#: Seconds a thread of the server that left its request's work stays in reserve, at most (see the module):
#: the longest a request arriving meanwhile waits in the server's queue while every thread is busy or here.
RESERVE = 0.02
#: A probe wakes a thread, which costs a request's worth of CPU on a busy virtual machine: an app that
#: computes is probed at most this often.
SLOWEST_PROBE = 0.016


def thread_cpu_time(ident: int) -> float:
    """Seconds of CPU the thread ``ident`` (a ``threading.get_ident()``) has used."""
    return time.clock_gettime(time.pthread_getcpuclockid(ident))


class _Running:
    """A request in the app: its thread's CPU time and the time it was last probed."""

    __slots__ = ("cpu", "at", "since", "blocked")

    def __init__(self) -> None:
        self.cpu: float | None = None  # not probed yet: taken to compute
        self.at = 0.0
        self.since = time.monotonic()
        self.blocked = False


class _Waiter:
    """A request waiting for a slot: a thread parked on ``gate``, or ``work`` left to run (:meth:`Admission.run`)."""

    __slots__ = ("ident", "gate", "work")

    def __init__(self, ident: int | None, gate: threading.Lock | None, work: Callable[[], object] | None) -> None:
        self.ident = ident
        self.gate = gate
        self.work = work


class _Helper:
    """A thread of the admission's own that runs left work handed to it in a slot (see :meth:`Admission.run`)."""

    __slots__ = ("gate", "work", "ident")

    def __init__(self) -> None:
        self.ident = 0
        self.gate = threading.Lock()
        self.gate.acquire()
        self.work: Callable[[], object] | None = None


class Admission:
    """A context manager: entering waits for a slot, leaving frees it (see the module).

    :meth:`run` is the other way in, for a server that can answer a request
    from any thread (granian): the work runs at once if a slot is free, else
    it is left for the next thread whose slot frees, which runs it next in
    that same slot (no thread waits, none is woken), or for one of the
    admission's own threads when the watcher lets it in beside others.
    """

    def __init__(self, threads: int, *, probe: float = PROBE, time_slice: float = SLICE,
                 cpu_time: Callable[[int], float] | None = thread_cpu_time) -> None:
        if threads < 1:
            raise ValueError(f"threads must be >= 1, not {threads}")
        if cpu_time is thread_cpu_time and not hasattr(time, "pthread_getcpuclockid"):
            cpu_time = None
        self.threads = threads
        self.probe = probe
        self.slice = time_slice
        self._cpu_time = cpu_time
        self._lock = threading.Lock()
        self._running: dict[int, _Running] = {}
        self._waiting: collections.deque[_Waiter] = collections.deque()
        self._idle_helpers: list[_Helper] = []
        self._reserve = threading.Condition(self._lock)  # the server's threads in reserve (see run)
        self._wake_watcher = threading.Condition(self._lock)
        self._watcher: threading.Thread | None = None
        self._watcher_idle = False  # it waits to be told there is something to probe
        self._interval = probe
        self._waking = False  # a waiter is woken to take a free slot

    @property
    def running(self) -> int:
        """How many requests are in the app now."""
        return len(self._running)

    def __enter__(self) -> None:
        ident = threading.get_ident()
        with self._lock:
            if not self._running or (not self._waiting and self._room()):
                self._running[ident] = _Running()
                return
            gate = threading.Lock()
            gate.acquire()
            waiter = _Waiter(ident, gate, None)
            self._wait(waiter)
        while True:
            gate.acquire()  # released by the watcher once this request is counted as running, or by a leaving one
            with self._lock:
                if ident in self._running:
                    return
                self._waking = False
                if not self._running or self._room():
                    self._running[ident] = _Running()
                    return
                self._waiting.appendleft(waiter)  # a newcomer took the slot first: still the next

    def __exit__(self, *exc: object) -> None:
        with self._lock:
            del self._running[threading.get_ident()]
            self._hand_on()

    def run(self, work: Callable[[], object]) -> None:
        """Run ``work`` in a slot: now, on this thread, or later on another; returns once it ran or was left.

        ``work`` must not raise (what it raises is logged). A thread whose slot frees runs the work left
        meanwhile before it returns: the server's thread it is on must not be the one its own answer needs.
        """
        ident = threading.get_ident()
        with self._lock:
            if self._running and (self._waiting or not self._room()):
                self._wait(_Waiter(None, None, work))
                # Back in the server now, this thread would take the next request as it arrives and trade
                # the GIL with the running one to leave that too. In reserve, it leaves the next request
                # to wait in the server's queue for the running thread (see the module).
                self._reserve.wait(RESERVE)
                return
            self._running[ident] = _Running()
        self._work_in_slot(ident, work)

    def _work_in_slot(self, ident: int, work: Callable[[], object]) -> None:
        """Run ``work`` in the slot ``ident`` holds, then the work left for it, then free the slot."""
        while True:
            try:
                work()
            except BaseException:
                LOG.exception("a request's work failed in its admission slot")
            with self._lock:
                del self._running[ident]
                head = self._waiting[0] if self._waiting else None
                if head is not None and head.work is not None and not self._waking and (
                        not self._running or self._room()):
                    # The next one is left work: run it here, in this slot, at no context switch.
                    self._waiting.popleft()
                    self._running[ident] = _Running()
                    work = head.work
                    continue
                self._hand_on()
                return

    def _wait(self, waiter: _Waiter) -> None:
        """Queue ``waiter`` (under the lock), with the watcher awake to let it in when the running ones block."""
        self._waiting.append(waiter)
        if self._watcher is None:
            self._watcher = threading.Thread(target=self._watch, name="cravat-admission", daemon=True)
            self._watcher.start()
        elif self._watcher_idle and len(self._running) < self.threads:
            self._wake_watcher.notify()

    def _hand_on(self) -> None:
        """A slot was freed (under the lock): the longest waiter's to take, or the watcher's to fill."""
        if not self._waiting:
            return
        if not self._waking and (not self._running or self._room()):
            head = self._waiting[0]
            if head.work is not None:
                self._admit_next()  # left work: to one of the admission's threads
                return
            # Wake the longest waiter, to take the slot unless a newcomer has first (see the module).
            self._waking = True
            self._waiting.popleft()
            head.gate.release()
        elif self._watcher_idle:
            self._wake_watcher.notify()  # a slot is free for the watcher to fill

    def _room(self) -> bool:
        """A slot is free and every running request is blocked (as last probed)."""
        if len(self._running) >= self.threads:
            return False
        if self._cpu_time is None:
            return True
        for request in self._running.values():
            if not request.blocked:
                return False
        return True

    def _admit_next(self) -> None:
        """Count the longest waiter as running (under the lock) and set it going."""
        waiter = self._waiting.popleft()
        if waiter.work is None:
            self._running[waiter.ident] = _Running()
            waiter.gate.release()
            return
        helper = self._idle_helpers.pop() if self._idle_helpers else None
        if helper is None:
            helper = _Helper()
            thread = threading.Thread(target=self._help, args=(helper,), name="cravat-admission-helper", daemon=True)
            thread.start()
            helper.ident = thread.ident
        self._running[helper.ident] = _Running()
        helper.work = waiter.work
        helper.gate.release()

    def _help(self, helper: _Helper) -> None:
        """A helper thread: runs the work it is handed, in the slot counted for it, until the process ends."""
        while True:
            helper.gate.acquire()
            work, helper.work = helper.work, None
            self._work_in_slot(helper.ident, work)
            with self._lock:
                self._idle_helpers.append(helper)
                if not self._waiting:
                    # This thread is not the server's: one in reserve goes back, to take the next request.
                    self._reserve.notify()

    def _watch(self) -> None:
        with self._lock:
            while True:
                if not self._waiting or len(self._running) >= self.threads:
                    # Nothing to probe for: no waiter, or no free slot (a leaving request hands its own on).
                    self._watcher_idle = True
                    self._wake_watcher.wait()
                    self._watcher_idle = False
                    continue
                self._wake_watcher.wait(self._interval)
                if not self._waiting:
                    continue
                self._probe()
                if not self._room():
                    self._interval = min(2 * self._interval, max(self.probe, SLOWEST_PROBE))
                    continue
                if self._running:  # all of them blocked: probe often while the app waits on I/O
                    self._interval = self.probe
                while self._waiting and self._room():
                    self._admit_next()
                if self._room():
                    self._reserve.notify()  # room beside blocked requests: a thread to take the next one

    def _probe(self) -> None:
        """Mark each running request blocked or not, by its thread's CPU time since the last probe."""
        if self._cpu_time is None:
            return
        now = time.monotonic()
        for ident, request in self._running.items():
            cpu = self._cpu_time(ident)
            if request.cpu is not None:
                request.blocked = cpu - request.cpu < BUSY * (now - request.at) or now - request.since >= self.slice
            request.cpu, request.at = cpu, now
