"""The task table: the truth about every asynchronous task, written in its entity's transaction.

One row per task: what to run (``name``, ``arguments``) on what (``entity``),
its ``state``, how many ``attempts`` it had and when it may run next
(``run_after``), who holds it (``lease_owner`` until ``lease_expires``),
its ``last_error``, the ``request_id`` that enqueued it and, on the broker
transport, when it was ``published_at``. Times are seconds since the epoch
by the database's clock (:func:`cravat.db.db_now`).

At most one *live* task (pending or running) per entity and name: a second
enqueue of the same work is an integrity error (a 409), not a duplicate.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Column, Float, Index, Integer, MetaData, String, Table, Text

#: Waiting to run (at ``run_after``).
PENDING = "pending"
#: Claimed by a worker, whose lease is ``lease_owner`` until ``lease_expires``.
RUNNING = "running"
#: Finished: its effect is committed.
DONE = "done"
#: Its handler failed for good: the entity is ERROR with a code and a reason.
FAILED = "failed"
#: It kept failing until its retry limit (or killed its workers that often): the entity is ERROR.
DEAD = "dead"
#: Set aside by an operator (``cravat tasks discard``).
DISCARDED = "discarded"

STATES = (PENDING, RUNNING, DONE, FAILED, DEAD, DISCARDED)
LIVE = (PENDING, RUNNING)

TABLE = "cravat_tasks"
#: The Alembic versions of the task table: a branch of its own, ``cravat_tasks``.
MIGRATIONS = Path(__file__).parent / "migrations" / "versions"

metadata = MetaData()

tasks = Table(
    TABLE, metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(255), nullable=False),
    Column("entity", String(255), nullable=False),
    Column("arguments", Text, nullable=False),
    Column("state", String(16), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("max_attempts", Integer, nullable=False),
    Column("run_after", Float, nullable=False),
    Column("lease_owner", String(255)),
    Column("lease_expires", Float),
    Column("last_error", Text),
    Column("request_id", String(64)),
    Column("created_at", Float, nullable=False),
    Column("started_at", Float),
    Column("finished_at", Float),
    Column("published_at", Float),
)

_live = tasks.c.state.in_(LIVE)
Index("cravat_tasks_live", tasks.c.entity, tasks.c.name, unique=True, sqlite_where=_live, postgresql_where=_live)
Index("cravat_tasks_due", tasks.c.state, tasks.c.run_after)
