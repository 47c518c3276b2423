"""The broker transport's relay: publish every task row not yet published, and sweep for lost ones.

- A commit that enqueued hands its task ids over at once (:meth:`Relay.announce`):
  they are published within the moment, not at the next poll.
- Every ``poll`` seconds the relay publishes any due row still unpublished
  ``grace`` seconds after it was written: the API died between its commit
  and the publish, or a retry came due. Nothing committed is lost.
- Every so often the sweeper marks for publishing again the rows published
  ``sweep_after`` seconds ago that are neither done nor held by a live
  lease: a broker that lost a message loses nothing. It does so only while
  the broker's queue has no message waiting: a backlog older than
  ``sweep_after`` is late, not lost, and publishing it again would only
  double it (under overload, the duplicates would feed the backlog they
  were swept from).

A row is published with the broker's confirmation, then marked: a relay
killed between publishing and marking leaves the row unmarked, so it is
published again (a duplicate, which the worker's wrapper skips). PERF: the
ids a commit announced are marked in one write every ``min(poll, grace/2)``
seconds, not one per publish, and most of them are done by then: the
mark, which only keeps a scan from publishing them again, costs a
transaction per interval instead of one per task. A scan
locks the rows it publishes (``FOR UPDATE SKIP LOCKED``), so the relays of
several processes share a backlog instead of each publishing all of it. While the broker is away, tasks wait in
the table and the relay retries; nothing blocks the requests.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING

from cravat.tasks import faults, store

if TYPE_CHECKING:
    from cravat.tasks.service import Tasks

LOG = logging.getLogger("cravat.tasks.relay")

#: Messages published before waiting for the broker's confirmations.
BATCH = 100


class Relay:
    """Publishes ``tasks``'s outbox with ``publish(task_id)`` (which raises if the broker did not confirm)."""

    def __init__(self, tasks: Tasks, publish: Callable[[str], None], *, poll: float, grace: float,
                 sweep_after: float, backlog: Callable[[], int] | None = None, linger: float = 0.0,
                 name: str = "cravat-relay") -> None:
        self.tasks = tasks
        self.publish = publish
        self.backlog = backlog  # messages waiting in the broker's queue
        self.poll = poll
        self.grace = grace
        self.sweep_after = sweep_after
        self.linger = linger  # seconds to wait, after an announcement, for others to publish with it
        self._last_announced = 0.0
        self.name = name
        self._announced: queue.SimpleQueue[tuple[float, list[str]]] = queue.SimpleQueue()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._broker_ok = True
        self._unmarked: list[str] = []  # published on announcement, not yet marked

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name=self.name, daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        self._announced.put((time.monotonic(), []))
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        try:
            self.mark()
        except Exception as exc:  # they are published again by a scan: duplicates the wrapper skips
            LOG.warning("%s: %d published task(s) left unmarked: %s", self.name, len(self._unmarked), _line(exc))

    def announce(self, task_ids: Iterable[str]) -> None:
        self._announced.put((time.monotonic(), list(task_ids)))

    def _loop(self) -> None:
        next_scan = next_sweep = next_mark = 0.0
        mark_every = min(self.poll, self.grace / 2) if self.grace > 0 else 0.0
        while not self._stopping.is_set():
            since, ids = self._drain(min(self.poll, mark_every) if self._unmarked else self.poll)
            try:
                if ids and time.monotonic() - since > self.grace / 2:
                    # Behind by half the grace: another relay's scan may have published some of them already.
                    with self.tasks.database.connection() as conn:
                        ids = store.unpublished(conn, ids=ids)
                if ids:
                    self.relay(ids)
                now = time.monotonic()
                if now >= next_mark or now >= next_scan or len(self._unmarked) >= 500:
                    self.mark()
                    next_mark = now + mark_every
                if now >= next_scan:
                    self.relay(None)
                    next_scan = now + self.poll
                if now >= next_sweep:
                    self.sweep()
                    next_sweep = now + max(self.poll, self.sweep_after / 4)
            except Exception as exc:
                LOG.warning("%s: %s; trying again in %gs", self.name, _line(exc), self.poll)
                self._stopping.wait(self.poll)

    def _drain(self, timeout: float) -> tuple[float, list[str]]:
        """When the oldest of them was announced, and the ids announced since the last turn (waiting up to
        ``timeout`` s for the first)."""
        try:
            since, ids = self._announced.get(timeout=timeout)
        except queue.Empty:
            return time.monotonic(), []
        ids = list(ids)
        # Linger only under load: when announcements come closer together than twice the linger. Alone, a
        # task is published at once.
        now = time.monotonic()
        busy, self._last_announced = now - self._last_announced < 2 * self.linger, now
        until = now + (self.linger if busy else 0.0)
        while len(ids) < 10 * BATCH:
            try:
                ids.extend(self._announced.get_nowait()[1])
                continue
            except queue.Empty:
                pass
            left = until - time.monotonic()
            if left <= 0:
                break
            try:
                ids.extend(self._announced.get(timeout=left)[1])
            except queue.Empty:
                break
        return since, ids

    def relay(self, ids: list[str] | None) -> int:
        """Publish these ``ids`` (or every unpublished row past ``grace``); returns how many were published.

        Announced ids are published, then marked, holding no lock while the
        broker confirms: a worker claiming one of them never waits
        for the relay. A scan locks what it publishes (``SKIP LOCKED``) until
        it has marked it, so the relays of several processes share a backlog
        instead of each publishing all of it.
        """
        database = self.tasks.database
        if ids is not None:
            # PERF: no read first: this process's own commit announced them, unpublished. (If the scan of
            # another relay got to one first, it is published twice: a duplicate the wrapper skips.) They are
            # marked by the next mark(), before any scan of this relay.
            published = self._publish_all(ids)
            self._unmarked.extend(published)
        else:
            with database.connection(write=True) as conn:
                found = store.unpublished(conn, older_than=self.grace)
                published = self._publish_all(found)
                store.mark_published(conn, published)
        if published and not self._broker_ok:
            LOG.warning("%s: the broker is back; publishing the outbox", self.name)
            self._broker_ok = True
        return len(published)

    def mark(self) -> int:
        """Mark published what was published on announcement; how many ids that was."""
        ids, self._unmarked = self._unmarked, []
        if ids:
            try:
                with self.tasks.database.connection(write=True) as conn:
                    store.mark_published(conn, ids)
            except Exception:
                self._unmarked = ids + self._unmarked
                raise
        return len(ids)

    def _publish_all(self, task_ids: list[str]) -> list[str]:
        many = getattr(self.publish, "publish_many", None)
        if many is None:  # a plain publish(task_id): one at a time
            published: list[str] = []
            for task_id in task_ids:
                try:
                    self.publish(task_id)
                except Exception as exc:
                    self._broker_down(exc, len(task_ids) - len(published))
                    break
                published.append(task_id)
                faults.point("relay-after-publish")
            return published
        published = []
        for at in range(0, len(task_ids), BATCH):  # PERF: one wait for the broker's confirms per batch
            chunk = task_ids[at:at + BATCH]
            try:
                confirmed = many(chunk)
            except Exception as exc:
                self._broker_down(exc, len(task_ids) - len(published))
                break
            published.extend(confirmed)
            if confirmed:
                faults.point("relay-after-publish")
            if len(confirmed) < len(chunk):
                self._broker_down(RuntimeError("the broker confirmed only part of a batch"),
                                  len(task_ids) - len(published))
                break
        return published

    def _broker_down(self, exc: BaseException, waiting: int) -> None:
        if self._broker_ok:
            LOG.warning("%s: cannot publish (%s); %d task(s) wait in the outbox until the broker returns",
                        self.name, _line(exc), waiting)
        self._broker_ok = False

    def sweep(self) -> int:
        """Mark for publishing again what the broker lost; how many rows. Nothing while its queue has a backlog."""
        if self.backlog is not None:
            try:
                waiting = self.backlog()
            except Exception as exc:  # the broker is away: nothing could be published again anyway
                self._broker_down(exc, 0)
                return 0
            if waiting:
                LOG.debug("%s: %d message(s) wait in the queue: no sweep", self.name, waiting)
                return 0
        with self.tasks.database.connection(write=True) as conn:
            swept = store.unpublish_stale(conn, self.sweep_after)
        if swept:
            LOG.warning("%s: %d task(s) published %gs ago and not done: publishing them again", self.name,
                        swept, self.sweep_after)
        return swept


def _line(exc: BaseException) -> str:
    text = str(exc).strip()
    return f"{type(exc).__name__}: {text.splitlines()[0]}" if text else type(exc).__name__
