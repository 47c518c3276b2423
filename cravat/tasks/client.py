"""The task client: enqueue a task in the transaction that saves its entity (the outbox).

>>> class Images:
...     def create(self, req, session, tasks, body):
...         image = images.create(session, name=body["image"]["name"], status="PENDING")
...         tasks.enqueue("compute.snapshot", image.id, {"server_id": body["image"]["server_id"]})
...         return Result({"image": view(image)}, status=202)

The row is written with the entity, in the request's one transaction: both
are saved or neither is. Once that transaction commits, and only then, the
transport is told (the embedded workers woken, the relay asked to publish).
A task name nobody registered, or arguments that are not JSON, is an error
at the ``enqueue`` line, naming it, and the request's transaction is rolled
back with it.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from cravat.db.engine import after_commit, transaction_info
from cravat.tasks import store

if TYPE_CHECKING:  # the service module imports this one; the type only names it
    from cravat.tasks.service import Tasks

_ENQUEUED = "cravat.tasks.enqueued"

#: The PostgreSQL channel on which a commit that enqueued wakes the worker processes.
CHANNEL = "cravat_tasks"


class EnqueueError(ValueError):
    """A task could not be enqueued (unknown name, arguments that do not serialize); the message names it."""


class TaskClient:
    """Enqueues tasks in ``session``'s transaction. The request's is the ``tasks`` resource."""

    def __init__(self, tasks: Tasks, session: Session, request_id: str | None = None) -> None:
        self._tasks = tasks
        self.session = session
        self.request_id = request_id

    def enqueue(self, name: str, entity_id: Any, arguments: Mapping[str, Any] | None = None, *,
                delay: float = 0.0) -> str:
        """Add task ``name`` for entity ``entity_id``; returns the task's id. Runs once the transaction commits."""
        task = self._tasks.registry.get(name)
        if task is None:
            known = ", ".join(sorted(self._tasks.registry)) or "none"
            raise EnqueueError(f"no task is named {name!r} (registered: {known})")
        encoded = _encode(name, dict(arguments or {}))
        task_id = str(uuid.uuid4())
        store.insert_row(self.session, task_id=task_id, name=name, entity=str(entity_id), arguments=encoded,
                         max_attempts=task.max_attempts, request_id=self.request_id, delay=delay)
        scoped = transaction_info(self.session)
        enqueued = scoped.get(_ENQUEUED)
        if enqueued is None:
            enqueued = scoped[_ENQUEUED] = []
            tasks = self._tasks
            after_commit(self.session, lambda: tasks.announce(enqueued))
            if self._tasks.database.dialect == "postgresql" and self._tasks.transport == "embedded":
                # Delivered when (and only if) the transaction commits: wakes `cravat worker` processes.
                # (Celery's workers are woken by the broker: the relay publishes after the commit.)
                self.session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
        enqueued.append(task_id)
        return task_id


def _encode(name: str, arguments: dict[str, Any]) -> str:
    try:
        return json.dumps(arguments, allow_nan=False, separators=(",", ":"))
    except (TypeError, ValueError):
        for key, value in arguments.items():
            try:
                json.dumps(value, allow_nan=False)
            except (TypeError, ValueError) as exc:
                raise EnqueueError(f"task {name!r}: argument {key!r} ({type(value).__name__}) is not "
                                   f"JSON: {exc}") from None
        raise EnqueueError(f"task {name!r}: its arguments are not JSON") from None
