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
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlalchemy.orm import Session
from sqlalchemy.orm.util import identity_key

from cravat.db.engine import after_commit, transaction_info
from cravat.tasks import store
from cravat.tasks.task import Task, TaskRun

if TYPE_CHECKING:  # the service module imports this one; the type only names it
    from cravat.tasks.service import Tasks

_ENQUEUED = "cravat.tasks.enqueued"

#: The PostgreSQL channel on which a commit that enqueued wakes the worker processes.
CHANNEL = "cravat_tasks"


class EnqueueError(ValueError):
    """A task could not be enqueued (unknown name, arguments that do not serialize); the message names it."""


class TaskClient:
    """Enqueues tasks in ``session``'s transaction. The request's is the ``tasks`` resource.

    ``in_request``: how the request runs work of its own once its transaction has committed (before or
    after its answer, ``TaskSettings.in_request``): a short task it enqueues on the embedded transport
    is run by the request's thread that way, not by a worker.
    """

    def __init__(self, tasks: Tasks, session: Session, request_id: str | None = None,
                 in_request: Callable[[Callable[[], object]], None] | None = None) -> None:
        self._tasks = tasks
        self.session = session
        self.request_id = request_id
        self._in_request = in_request

    def enqueue(self, name: str, entity_id: Any, arguments: Mapping[str, Any] | None = None, *,
                delay: float = 0.0) -> str:
        """Add task ``name`` for entity ``entity_id``; returns the task's id. Runs once the transaction commits."""
        task = self._tasks.registry.get(name)
        if task is None:
            known = ", ".join(sorted(self._tasks.registry)) or "none"
            raise EnqueueError(f"no task is named {name!r} (registered: {known})")
        arguments = dict(arguments or {})
        encoded = _encode(name, arguments)
        task_id = str(uuid.uuid4())
        entity = str(entity_id)
        settings = self._tasks.settings
        # The request's own thread runs it: the workers wait out a grace before they may.
        run = None
        if self._in_request is not None and not delay and self._tasks.runs_in_request:
            run = TaskRun(id=task_id, name=name, entity_id=entity, arguments=arguments, attempt=1,
                          max_attempts=task.max_attempts, request_id=self.request_id, owner="")
        now = run is not None and task.is_short(run)
        store.insert_row(self.session, task_id=task_id, name=name, entity=entity, arguments=encoded,
                         max_attempts=task.max_attempts, request_id=self.request_id,
                         delay=settings.in_request_grace if now else delay)
        scoped = transaction_info(self.session)
        enqueued = scoped.get(_ENQUEUED)
        if enqueued is None:
            enqueued = scoped[_ENQUEUED] = _Enqueued()
            tasks, in_request = self._tasks, self._in_request
            after_commit(self.session, lambda: tasks.announce(enqueued.later, enqueued.now, in_request))
        if now:
            enqueued.now.append((run, _saved_entity(self.session, task, entity_id)))
        else:
            enqueued.later.append(task_id)
            if (not enqueued.notified and self._tasks.database.dialect == "postgresql"
                    and self._tasks.transport == "embedded"):
                # Delivered when (and only if) the transaction commits: wakes `cravat worker` processes.
                # (Celery's workers are woken by the broker: the relay publishes after the commit.)
                self.session.execute(text("SELECT pg_notify(:channel, '')"), {"channel": CHANNEL})
                enqueued.notified = True
        return task_id


class _Enqueued:
    """What one transaction enqueued: ids for the workers (``later``); for the request's thread (``now``),
    each task's run and entity."""

    __slots__ = ("later", "now", "notified")

    def __init__(self) -> None:
        self.later: list[str] = []
        self.now: list[tuple[TaskRun, Any]] = []
        self.notified = False


def _saved_entity(session: Session, task: Task, entity_id: Any) -> Any:
    """The entity the request holds in its session, which the task's ``retrieve`` would read; else None.

    PERF: the request that saved the entity runs its task without reading
    it again (sessions keep what they committed).
    """
    if task.repository is None or type(task).retrieve is not Task.retrieve:
        return None
    return session.identity_map.get(identity_key(task.repository.model, entity_id))


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
