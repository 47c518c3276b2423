"""The embedded transport's worker: threads that claim tasks from the table and run them.

They run in the API's process (``Tasks(..., threads=2)``, started with the
API) or in ``cravat worker`` processes on the same database. A thread
claims one due task with a lease, runs it (no transaction open while it
works), records its end fenced on that lease, and claims the next; when
there is none it sleeps until woken (PERF: when every registered task is
``short``, a thread takes up to ``claim_batch`` due tasks at once: on
PostgreSQL it claims, runs and ends them in ONE transaction, holding their
rows locked (``FOR UPDATE SKIP LOCKED``) instead of leasing them, so a
worker that dies meanwhile leaves them pending; on SQLite, which must not
hold its write lock while tasks run, it claims them in one transaction and
records their ends in one more): at once by a commit in its own process
that enqueued, by PostgreSQL's ``NOTIFY`` from other processes, or by the
poll as a fallback.

A heartbeat renews the leases of the tasks being run. A task whose worker
died is claimed again when its lease expires, and at once when the dead
worker was a process on this host (its pid is gone): a single-host
deployment restarted after SIGKILL picks up where it stopped.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from cravat.tasks import store
from cravat.tasks.client import CHANNEL
from cravat.tasks.runner import DONE_OUTCOME, LOST_OUTCOME, Outcome, claim_and_run, claim_and_run_many, run_short_many

if TYPE_CHECKING:
    from cravat.tasks.service import Tasks

LOG = logging.getLogger("cravat.tasks.worker")


class Worker:
    """``threads`` worker threads on ``tasks``'s database; ``start()``, ``wake()``, ``stop()``."""

    def __init__(self, tasks: Tasks, *, threads: int, poll: float, lease: float, name: str = "cravat-worker") -> None:
        if threads < 1:
            raise ValueError(f"a worker needs at least one thread, not {threads}")
        self.tasks = tasks
        self.threads = threads
        self.poll = poll
        self.lease = lease
        self.name = name
        self._wakeup = threading.Event()
        self._stopping = threading.Event()
        self._held: dict[str, str | None] = {}  # owner (a thread) -> itself while it runs a task
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        self._reap()
        for i in range(self.threads):
            owner = f"{store.new_owner()}-{i}"
            self._held[owner] = None
            self._spawn(f"{self.name}-{i}", self._loop, owner)
        self._spawn(f"{self.name}-heartbeat", self._heartbeat)
        if self.tasks.database.dialect == "postgresql":
            self._spawn(f"{self.name}-listen", self._listen)
        LOG.info("%s: %d thread(s) on %s", self.name, self.threads, self.tasks.database.safe_url)

    def _spawn(self, name: str, target: Any, *args: Any) -> None:
        thread = threading.Thread(target=target, args=args, name=name, daemon=True)
        thread.start()
        self._threads.append(thread)

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the tasks in hand (up to ``timeout`` s), then stop."""
        self._stopping.set()
        self._wakeup.set()
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    @property
    def running(self) -> bool:
        return any(t.is_alive() for t in self._threads)

    def _loop(self, owner: str) -> None:
        # A task's end, or a claim, could not be written (the database went away): this thread may still
        # hold a lease although it runs nothing, so it frees its leases before claiming again.
        unrecorded = False
        while not self._stopping.is_set():
            try:
                if unrecorded:
                    with self.tasks.database.connection(write=True) as conn:
                        store.expire_owner(conn, owner)
                    unrecorded = False
                outcome = self._run_next(owner)
                unrecorded = outcome is not None and outcome.kind == LOST_OUTCOME and outcome.code == 503
            except Exception as exc:
                unrecorded = True  # a claim whose commit was in doubt may hold a task: free it first
                LOG.warning("%s: cannot claim tasks (%s); trying again in %gs", self.name,
                            str(exc).splitlines()[0] if str(exc) else type(exc).__name__, self.poll)
                self._stopping.wait(self.poll)
                continue
            if outcome is None:
                self._wakeup.wait(self.poll)
                self._wakeup.clear()

    def _run_next(self, owner: str) -> Any:
        database = self.tasks.database
        if database.dialect == "sqlite":
            with database.connection() as conn:  # a read first: an idle poll takes no write lock
                if not store.any_due(conn):
                    return None
        with self._lock:
            self._held[owner] = owner  # renewed by owner: whichever tasks it holds
        try:
            batch = self._batch()
            if batch > 1 and database.dialect == "postgresql":
                # PERF: short tasks claimed, run and ended in one transaction for the batch, no lease.
                ended = run_short_many(self.tasks, owner, None, limit=batch)
                if ended == 0:
                    return None
                if ended is not None:
                    return Outcome(DONE_OUTCOME)
            if batch > 1:
                outcomes = claim_and_run_many(self.tasks, owner, self.lease, batch)
                if not outcomes:
                    return None
                unrecorded = [o for o in outcomes if o.kind == LOST_OUTCOME and o.code == 503]
                return unrecorded[0] if unrecorded else outcomes[-1]
            return claim_and_run(self.tasks, owner, self.lease)
        finally:
            with self._lock:
                self._held[owner] = None

    def _batch(self) -> int:
        """How many tasks a thread claims at once: ``claim_batch`` when every registered task is short."""
        registry = self.tasks.registry
        if registry and all(task.short for task in registry.values()):
            return self.tasks.settings.claim_batch
        return 1

    def _heartbeat(self) -> None:
        interval = max(0.1, self.lease / 3)
        while not self._stopping.wait(interval):
            with self._lock:
                held = [(owner, task_id) for owner, task_id in self._held.items() if task_id is not None]
            try:
                with self.tasks.database.connection(write=True) as conn:
                    for owner, _task_id in held:
                        store.renew_owner(conn, owner, self.lease)
                self._reap()
            except Exception as exc:
                LOG.warning("%s: heartbeat failed: %s", self.name, str(exc).splitlines()[0] if str(exc) else exc)

    def _reap(self) -> None:
        """Free at once the tasks of this host's dead processes."""
        try:
            with self.tasks.database.connection(write=True) as conn:
                freed = store.expire_dead_owners(conn)
        except Exception as exc:
            LOG.warning("%s: cannot look for dead workers' tasks: %s", self.name, exc)
            return
        if freed:
            LOG.warning("%s: %d task(s) of dead processes on this host claimed again", self.name, freed)
            self.wake()

    def _listen(self) -> None:
        """PostgreSQL ``LISTEN``: a commit in any process that enqueued wakes this worker at once."""
        import psycopg

        conninfo = self.tasks.database.url.set(drivername="postgresql").render_as_string(hide_password=False)
        while not self._stopping.is_set():
            try:
                with psycopg.connect(conninfo, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    while not self._stopping.is_set():
                        for _ in conn.notifies(timeout=0.2, stop_after=1):
                            self.wake()
            except Exception as exc:
                LOG.warning("%s: LISTEN %s failed (%s); polling meanwhile", self.name, CHANNEL, exc)
                self._stopping.wait(self.poll)
