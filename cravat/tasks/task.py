"""The task base class: Barbican's template, retrieve -> process -> handle success or error.

>>> class GenerateKey(Task):
...     name = "keymanager.generate_key"
...     repository = Repository(Order, label="Order")
...     def process(self, order, run):             # the slow work; no transaction is open
...         return {"secret": make_key(order.algorithm, order.bit_length)}
...     def handle_success(self, session, order, result, run):
...         session.add(Secret(order_id=order.id, **result))
...         super().handle_success(session, order, result, run)   # the order is ACTIVE

The worker runs a task in three steps, so that no transaction (and on
SQLite no write lock) is held while the work is done:

1. ``retrieve(session, run)`` in a read transaction: the entity (detached);
2. ``process(entity, run)`` outside any transaction: the result;
3. in one write transaction, fenced on the worker's lease so the effect
   happens once even if the task ran twice: the entity again, then
   ``handle_success(session, entity, result, run)``, or on failure
   ``handle_error(session, entity, code, reason, run)``, with the task
   row's own change (done, failed, retry, dead) and any follow-up tasks
   (``run.tasks.enqueue(...)``).

``process`` raising :class:`TaskFailed` ends the task with that code and
reason; an exception in ``retry_on`` (or the database being away) retries
it with exponential backoff up to ``max_attempts``, then it is dead; any
other exception fails it with code 500. Either way the entity is ERROR and
the worker goes on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import sqlalchemy
from sqlalchemy import bindparam, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.exc import StaleDataError

from cravat.db.repository import Repository

#: The longest error reason kept on an entity (Barbican's ``error_reason`` is 255 characters).
MAX_REASON = 255


class TaskFailed(Exception):
    """A task's definitive failure: the entity becomes ERROR with ``code`` and ``reason``."""

    def __init__(self, reason: str, code: int = 500) -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


@dataclass
class TaskRun:
    """One attempt at a task: what the hooks are told."""

    id: str
    name: str
    entity_id: str
    arguments: dict[str, Any]
    attempt: int
    max_attempts: int
    request_id: str | None
    owner: str
    #: The task client of the finishing transaction, for follow-up tasks (set in that transaction only).
    tasks: Any = field(default=None, repr=False)


class Task:
    """A kind of task: subclass it, name it, give it a repository, write ``process``."""

    #: The name the client enqueues it by: "compute.snapshot".
    name: ClassVar[str] = ""
    #: The repository of the entity it works on (``retrieve`` uses it).
    repository: ClassVar[Repository[Any] | None] = None
    #: Attempts before a retried task is dead.
    max_attempts: ClassVar[int] = 5
    #: The first retry waits this many seconds, each next one twice as long, up to ``max_backoff``.
    backoff: ClassVar[float] = 1.0
    max_backoff: ClassVar[float] = 300.0
    #: Exceptions that mean "try again later", not "failed".
    retry_on: ClassVar[tuple[type[BaseException], ...]] = ()
    #: ``process`` takes a moment (well under a second, as a key's generation or a status change does), so a
    #: worker may hold the task's row lock while it runs: the Celery wrapper on PostgreSQL claims, runs and
    #: finishes it in one transaction, and an embedded worker claims a backlog of such tasks several at a time
    #: and records their ends together. Leave it False for work that takes seconds.
    short: ClassVar[bool] = False
    #: The entity's status column and the values the template sets.
    status_field: ClassVar[str] = "status"
    active_status: ClassVar[str] = "ACTIVE"
    error_status: ClassVar[str] = "ERROR"

    def retrieve(self, session: Session, run: TaskRun) -> Any:
        """The entity to work on (``EntityNotFound`` fails the task: there is nothing to do it to)."""
        if self.repository is None:
            raise TypeError(f"task {self.name!r} has no repository: set one or override retrieve()")
        return self.repository.get(session, run.entity_id)

    def is_short(self, run: TaskRun) -> bool:
        """Is this run a moment's work (see ``short``)? By default, what ``short`` says for every run."""
        return self.short

    def process(self, entity: Any, run: TaskRun) -> Any:
        """Do the work and return its result; no transaction is open. Must be written to run twice safely."""
        raise NotImplementedError(f"task {self.name!r} does not define process()")

    def handle_success(self, session: Session, entity: Any, result: Any, run: TaskRun) -> None:
        """Record the result, in the transaction that marks the task done: by default, the entity is ACTIVE."""
        setattr(entity, self.status_field, self.active_status)

    def record(self, session: Session, entity: Any, **values: Any) -> None:
        """Set ``values`` (attribute names) on ``entity``, written at once by one UPDATE of its row.

        PERF: an entity changed by setting its attributes is written by the
        session's flush, which cost a third of a short task's end (a key
        order's). A ``handle_success`` that makes all its changes with one
        ``record`` (the status among them, in place of ``super()``'s) saves
        it. The instance holds the values as saved: the flush finds nothing
        to write. A row that is gone raises ``StaleDataError``, as the flush
        would, and the task fails.
        """
        mapper = sqlalchemy.inspect(entity).mapper
        statement = _update_of(mapper, tuple(values))
        if statement is None:  # a versioned or inherited mapper: the flush's to write
            for key, value in values.items():
                setattr(entity, key, value)
            return
        params = dict(values)
        for index, key in enumerate(mapper.primary_key_from_instance(entity)):
            params[f"_pk{index}"] = key
        result = session.connection().execute(statement, params)
        if result.rowcount != 1:
            raise StaleDataError(f"UPDATE of {mapper.local_table.name} matched {result.rowcount} rows, not 1: "
                                 "the row is gone")
        for key, value in values.items():
            set_committed_value(entity, key, value)

    def handle_error(self, session: Session, entity: Any, code: int, reason: str, run: TaskRun) -> None:
        """Record the failure on the entity, as Barbican's orders do: ERROR, a status code and a reason."""
        setattr(entity, self.status_field, self.error_status)
        if hasattr(entity, "error_status_code"):
            entity.error_status_code = str(code)
        if hasattr(entity, "error_reason"):
            entity.error_reason = reason[:MAX_REASON]

    def delay(self, attempt: int) -> float:
        """Seconds before retry number ``attempt`` (1 for the first): exponential, capped."""
        return min(self.max_backoff, self.backoff * (2 ** max(0, attempt - 1)))

    def __repr__(self) -> str:
        return f"<task {self.name}>"


_UPDATES: dict[tuple[Any, tuple[str, ...]], Any] = {}


def _update_of(mapper: Any, keys: tuple[str, ...]) -> Any:
    """``UPDATE <table> SET <the keys' columns> WHERE <primary key>``, built once for each set of keys; None
    where one UPDATE of one table cannot do the flush's work (a version to check and bump, or a column of
    another table, as an inherited mapper's)."""
    try:
        return _UPDATES[(mapper, keys)]
    except KeyError:
        pass
    table = mapper.local_table
    columns = {key: mapper.get_property(key).columns[0] for key in keys}
    statement = None
    if mapper.version_id_col is None and all(column.table is table for column in columns.values()):
        where = [column == bindparam(f"_pk{index}") for index, column in enumerate(mapper.primary_key)]
        statement = update(table).where(*where).values({column.name: bindparam(key) for key, column in columns.items()})
    _UPDATES[(mapper, keys)] = statement
    return statement
