"""The task table's operations: insert, claim with a lease, renew, finish fenced on the lease, list.

Every state change a worker makes says ``WHERE lease_owner = :me AND state =
'running'``: a worker whose lease was taken over (it was too slow, or thought
dead) changes nothing, and the transaction that would have recorded its
effect is rolled back. That fence is what makes "a task may run twice, its
effect happens once" true.

Claiming on PostgreSQL locks candidate rows with ``FOR UPDATE SKIP LOCKED``,
so workers never wait for each other; on SQLite the claim is one short
``BEGIN IMMEDIATE`` transaction, preceded by a read that takes no lock, so
an idle poll never contends for the write lock.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Float, and_, bindparam, delete, func, insert, or_, select, update
from sqlalchemy.engine import Connection, Row

from cravat.db.clock import db_now
from cravat.tasks.table import DEAD, DISCARDED, DONE, FAILED, PENDING, RUNNING, tasks

HOST = socket.gethostname()

_due = or_(and_(tasks.c.state == PENDING, tasks.c.run_after <= db_now()),
           and_(tasks.c.state == RUNNING, tasks.c.lease_expires < db_now()))


def new_owner() -> str:
    """A lease owner: ``host:pid:nonce``, so a sibling on the same host can tell when its process is gone."""
    return f"{HOST}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def owner_is_dead(owner: str | None) -> bool:
    """True when ``owner`` was a process on this host that no longer exists."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != HOST or not pid_text.isdigit():
        return False
    try:
        os.kill(int(pid_text), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return _is_zombie(int(pid_text))


def _is_zombie(pid: int) -> bool:
    """A process killed but not yet reaped (its parent died too, and whoever inherits it has not waited)."""
    try:
        stat = open(f"/proc/{pid}/stat", "rb").read()  # noqa: SIM115 - one read
    except OSError:
        return False
    # "pid (comm) S ...": the state follows the last ")", as comm may hold anything.
    return stat[stat.rfind(b")") + 2:stat.rfind(b")") + 3] in (b"Z", b"X")


#: PERF: one statement, built once: each insert only binds its values (no statement built and keyed per task).
_INSERT = insert(tasks).values(
    id=bindparam("task_id"), name=bindparam("name"), entity=bindparam("entity"), arguments=bindparam("arguments"),
    state=PENDING, attempts=0, max_attempts=bindparam("max_attempts"),
    run_after=db_now() + bindparam("delay", type_=Float()), request_id=bindparam("request_id"), created_at=db_now())


def insert_row(conn: Any, *, task_id: str, name: str, entity: str, arguments: str, max_attempts: int,
               request_id: str | None, delay: float = 0.0) -> None:
    conn.execute(_INSERT, {"task_id": task_id, "name": name, "entity": entity, "arguments": arguments,
                           "max_attempts": max_attempts, "delay": float(delay), "request_id": request_id})


def any_due(conn: Connection) -> bool:
    """Is there a task to claim? A plain read: no lock taken."""
    return conn.execute(select(tasks.c.id).where(_due).limit(1)).first() is not None


def relaxed_commit(conn: Connection) -> None:
    """This transaction's commit need not wait for the disk (PostgreSQL): for what a crash may forget.

    PERF: a claim or a "published" mark that a database crash forgets only
    means the task is claimed or published again, which the lease fence
    makes harmless; not waiting for its fsync halves the commits a task
    waits on. The entity's and the task's end are never relaxed.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL synchronous_commit TO OFF")


def claim(conn: Connection, owner: str, lease: float, *, limit: int = 1, task_id: str | None = None) -> list[Row[Any]]:
    """Claim up to ``limit`` due tasks (or the one ``task_id``, if it is due) for ``owner``, for ``lease`` s."""
    relaxed_commit(conn)
    candidates = select(tasks.c.id).where(_due)
    if task_id is not None:
        candidates = candidates.where(tasks.c.id == task_id)
    # Any due task: skip those another worker is claiming. One task by id (a broker's message): wait for
    # its lock, which may be the relay's, still marking it published, not another claim.
    candidates = candidates.order_by(tasks.c.run_after).limit(limit).with_for_update(skip_locked=task_id is None)
    stmt = (update(tasks).where(tasks.c.id.in_(candidates.scalar_subquery()))
            .values(state=RUNNING, lease_owner=owner, lease_expires=db_now() + lease,
                    attempts=tasks.c.attempts + 1, started_at=db_now())
            .returning(*tasks.c))
    return list(conn.execute(stmt))


def claim_finished(conn: Connection, owner: str, task_id: str) -> Row[Any] | None:
    """Claim the task ``task_id``, if it is due, as done already, in the caller's open transaction.

    The row is locked until that transaction ends, and is done only if it
    commits: for a short task run, and its effect written, in that same
    transaction (:func:`cravat.tasks.runner.run_short`). Another claim of it
    waits for that end, then finds it done (or, rolled back, due again).
    """
    stmt = (update(tasks).where(tasks.c.id == task_id, _due)
            .values(state=DONE, lease_owner=owner, lease_expires=None, attempts=tasks.c.attempts + 1,
                    started_at=db_now(), finished_at=db_now())
            .returning(*tasks.c))
    return conn.execute(stmt).first()


_FINISH_PENDING = (update(tasks).where(tasks.c.id == bindparam("task_id"), tasks.c.state == PENDING)
                   .values(state=DONE, lease_owner=bindparam("owner"), lease_expires=None, attempts=tasks.c.attempts + 1,
                           started_at=db_now(), finished_at=db_now()))


def claim_finished_many(conn: Connection, owner: str, task_ids: Sequence[str] | None = None, *,
                        limit: int = 1) -> list[Row[Any]]:
    """:func:`claim_finished` for several tasks at once: the rows of those that were due (now done).

    ``task_ids``: those of one message; None: up to ``limit`` due tasks, skipping those another worker
    has locked (an embedded worker's batch).
    """
    if task_ids is None:
        candidates = (select(tasks.c.id).where(_due).order_by(tasks.c.run_after).limit(limit)
                      .with_for_update(skip_locked=True))
        which = tasks.c.id.in_(candidates.scalar_subquery())
    else:
        which = and_(tasks.c.id.in_(task_ids), _due)
    stmt = (update(tasks).where(which)
            .values(state=DONE, lease_owner=owner, lease_expires=None, attempts=tasks.c.attempts + 1,
                    started_at=db_now(), finished_at=db_now())
            .returning(*tasks.c))
    return list(conn.execute(stmt))


def finish_pending(conn: Connection, owner: str, task_id: str) -> bool:
    """Mark the task ``task_id`` done if it is still pending (due or not), in the caller's transaction.

    What :func:`claim_finished` does, but before the row is due, for the one caller that knows the row
    already: the request that enqueued it, which runs it itself (:func:`cravat.tasks.runner.run_in_request`).
    PERF: nothing read back.
    """
    return conn.execute(_FINISH_PENDING, {"task_id": task_id, "owner": owner}).rowcount == 1


def make_due(conn: Connection, task_id: str) -> bool:
    """A pending task is due now (its request's own run of it did not end it): the workers take it."""
    stmt = update(tasks).where(tasks.c.id == task_id, tasks.c.state == PENDING).values(run_after=db_now())
    return conn.execute(stmt).rowcount == 1


def expire_dead_owners(conn: Connection, *, task_id: str | None = None) -> int:
    """End at once the leases of this host's processes that died (a restart after SIGKILL)."""
    stmt = select(tasks.c.id, tasks.c.lease_owner).where(tasks.c.state == RUNNING,
                                                         tasks.c.lease_owner.like(f"{HOST}:%"))
    if task_id is not None:
        stmt = stmt.where(tasks.c.id == task_id)
    dead = [(row.id, row.lease_owner) for row in conn.execute(stmt) if owner_is_dead(row.lease_owner)]
    for dead_id, dead_owner in dead:
        conn.execute(update(tasks).where(tasks.c.id == dead_id, tasks.c.lease_owner == dead_owner,
                                         tasks.c.state == RUNNING).values(lease_expires=0.0))
    return len(dead)


def renew_owner(conn: Connection, owner: str, lease: float) -> None:
    """Extend the lease of whatever ``owner`` (one worker thread) runs."""
    conn.execute(update(tasks).where(tasks.c.lease_owner == owner, tasks.c.state == RUNNING)
                 .values(lease_expires=db_now() + lease))


def expire_owner(conn: Connection, owner: str) -> None:
    """End ``owner``'s leases now: it could not record a task's end, and runs nothing else."""
    conn.execute(update(tasks).where(tasks.c.lease_owner == owner, tasks.c.state == RUNNING)
                 .values(lease_expires=0.0))


def fence(conn: Any, task_id: str, owner: str, **values: Any) -> bool:
    """Change the task this owner holds (done, failed, dead, back to pending); False if it holds it no more."""
    result = conn.execute(update(tasks).where(tasks.c.id == task_id, tasks.c.lease_owner == owner,
                                              tasks.c.state == RUNNING).values(**values))
    return result.rowcount == 1


def done(conn: Any, task_id: str, owner: str) -> bool:
    return fence(conn, task_id, owner, state=DONE, finished_at=db_now(), lease_expires=None)


def done_many(conn: Any, task_ids: Sequence[str], owner: str) -> int:
    """Mark done those of ``task_ids`` this owner still holds; how many it did (all, or the caller rolls back)."""
    result = conn.execute(update(tasks).where(tasks.c.id.in_(list(task_ids)), tasks.c.lease_owner == owner,
                                              tasks.c.state == RUNNING)
                          .values(state=DONE, finished_at=db_now(), lease_expires=None))
    return result.rowcount


def ended(conn: Any, task_id: str, owner: str, state: str, error: str) -> bool:
    return fence(conn, task_id, owner, state=state, finished_at=db_now(), lease_expires=None, last_error=error)


def again(conn: Any, task_id: str, owner: str, delay: float, error: str) -> bool:
    """Back to pending, to run after ``delay`` seconds (the relay publishes it again when it is due)."""
    return fence(conn, task_id, owner, state=PENDING, run_after=db_now() + delay, lease_owner=None,
                 lease_expires=None, last_error=error, published_at=None)


# --- the broker transport's outbox ----------------------------------------------------------

def unpublished(conn: Connection, *, ids: Iterable[str] | None = None, older_than: float = 0.0,
                limit: int = 500) -> list[str]:
    """Tasks due and not published yet: those ``ids`` (read, not locked), or any committed ``older_than`` s
    ago (locked, ``SKIP LOCKED``: the relays of many processes scan the same table and share it out)."""
    stmt = select(tasks.c.id).where(tasks.c.published_at.is_(None), tasks.c.state == PENDING,
                                    tasks.c.run_after <= db_now())
    if ids is not None:
        return list(conn.scalars(stmt.where(tasks.c.id.in_(list(ids)))))
    stmt = stmt.where(tasks.c.created_at <= db_now() - older_than)
    return list(conn.scalars(stmt.order_by(tasks.c.run_after).limit(limit).with_for_update(skip_locked=True)))


def mark_published(conn: Connection, ids: Sequence[str]) -> None:
    """Mark these rows published; those locked now (a worker is running them) are left: a later scan finds
    them done, or publishes them again (a duplicate the wrapper skips)."""
    if ids:
        relaxed_commit(conn)
        locked = (select(tasks.c.id).where(tasks.c.id.in_(list(ids)), tasks.c.published_at.is_(None),
                                           tasks.c.state == PENDING)
                  .with_for_update(skip_locked=True))
        conn.execute(update(tasks).where(tasks.c.id.in_(locked.scalar_subquery())).values(published_at=db_now()))


def unpublish_stale(conn: Connection, after: float) -> int:
    """Published ``after`` s ago and still not done, nor held by a live lease: publish again.

    Rows locked now (a worker running one under its row lock) are skipped, never waited for.
    """
    stale = (select(tasks.c.id)
             .where(tasks.c.published_at < db_now() - after,
                    or_(tasks.c.state == PENDING,
                        and_(tasks.c.state == RUNNING, tasks.c.lease_expires < db_now())))
             .with_for_update(skip_locked=True))
    stmt = (update(tasks).where(tasks.c.id.in_(stale.scalar_subquery()))
            .values(published_at=None, state=PENDING, lease_owner=None, lease_expires=None))
    return conn.execute(stmt).rowcount


# --- operators ------------------------------------------------------------------------------

def listing(conn: Connection, states: Sequence[str], limit: int = 100) -> list[Row[Any]]:
    stmt = select(tasks).where(tasks.c.state.in_(states)).order_by(tasks.c.created_at).limit(limit)
    return list(conn.execute(stmt))


def counts(conn: Connection) -> dict[str, int]:
    return {state: n for state, n in conn.execute(select(tasks.c.state, func.count()).group_by(tasks.c.state))}


def get(conn: Connection, task_id: str) -> Row[Any] | None:
    return conn.execute(select(tasks).where(tasks.c.id == task_id)).first()


def retry(conn: Connection, task_id: str) -> bool:
    """A failed, dead or discarded task runs again from its first attempt."""
    result = conn.execute(update(tasks).where(tasks.c.id == task_id, tasks.c.state.in_((FAILED, DEAD, DISCARDED)))
                          .values(state=PENDING, attempts=0, run_after=db_now(), lease_owner=None,
                                  lease_expires=None, published_at=None, finished_at=None))
    return result.rowcount == 1


def discard(conn: Connection, task_id: str) -> bool:
    """A task that is not running is set aside for good."""
    result = conn.execute(update(tasks).where(tasks.c.id == task_id, tasks.c.state.in_((PENDING, FAILED, DEAD)))
                          .values(state=DISCARDED, finished_at=db_now(), lease_owner=None, lease_expires=None))
    return result.rowcount == 1


def purge(conn: Connection) -> None:
    """Every row (tests and benchmarks)."""
    conn.execute(delete(tasks))
