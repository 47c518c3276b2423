"""Running one claimed task through its template, and recording how it ended.

Both transports call :func:`run_claimed` with a row they claimed: the
embedded worker from its own claim, the Celery wrapper from the message's
task id. It never raises for the task's sake: whatever the task does, the
worker goes on, and the task row says what happened. The log has one line
when a task starts and one when it ends, with its attempt, duration,
outcome and the request id that enqueued it.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cravat.db.errors import EntityNotFound, is_unavailable
from cravat.tasks import store
from cravat.tasks.client import TaskClient
from cravat.tasks.table import DEAD, FAILED
from cravat.tasks.task import TaskFailed, TaskRun

if TYPE_CHECKING:
    from cravat.tasks.service import Tasks

LOG = logging.getLogger("cravat.tasks")

DONE_OUTCOME, RETRY_OUTCOME, FAILED_OUTCOME, DEAD_OUTCOME, LOST_OUTCOME = "done", "retry", "failed", "dead", "lost"


@dataclass(frozen=True)
class Outcome:
    kind: str        # done, retry, failed, dead, lost (the lease was taken over: nothing recorded)
    code: int = 0
    reason: str = ""


_UNREAD: Any = object()


def claim_and_run(tasks: Tasks, owner: str, lease: float, *, task_id: str | None = None) -> Outcome | None:
    """Claim a due task (or the one ``task_id``) and run it; None when there was none to claim.

    PERF: the claim and the entity's retrieval share one transaction: a
    task costs two commits (its claim, its end), not three.
    """
    with tasks.database.transaction(write=True) as session:
        conn = session.connection()
        rows = store.claim(conn, owner, lease, task_id=task_id)
        if not rows and task_id is not None and store.expire_dead_owners(conn, task_id=task_id):
            rows = store.claim(conn, owner, lease, task_id=task_id)  # its holder was a dead process here
        if not rows:
            return None
        run = _run_of(rows[0], owner)
        task = tasks.registry.get(run.name)
        entity: Any = _UNREAD
        if task is not None and run.attempt <= run.max_attempts:
            try:
                entity = task.retrieve(session, run)
            except EntityNotFound as exc:
                entity = exc
    return _logged(tasks, run, entity)


def run_claimed(tasks: Tasks, row: Any, owner: str) -> Outcome:
    """Run the task in ``row`` (claimed by ``owner``) and record its end; returns how it ended."""
    return _logged(tasks, _run_of(row, owner), _UNREAD)


def _run_of(row: Any, owner: str) -> TaskRun:
    return TaskRun(id=row.id, name=row.name, entity_id=row.entity, arguments=json.loads(row.arguments),
                   attempt=row.attempts, max_attempts=row.max_attempts, request_id=row.request_id, owner=owner)


def _logged(tasks: Tasks, run: TaskRun, entity: Any) -> Outcome:
    started = time.monotonic()
    LOG.info("task %s %s started: entity %s, attempt %d of %d, request %s", run.name, run.id, run.entity_id,
             run.attempt, run.max_attempts, run.request_id)
    try:
        outcome = _attempt(tasks, run, entity)
    except Exception as exc:  # recording the end failed (the database went away): the lease will expire
        LOG.exception("task %s %s: its end could not be recorded; it runs again when its lease expires",
                      run.name, run.id)
        outcome = Outcome(LOST_OUTCOME, 503, _reason(exc))
    elapsed = time.monotonic() - started
    log = LOG.info if outcome.kind == DONE_OUTCOME else LOG.warning
    log("task %s %s ended: %s in %.3fs, attempt %d, request %s%s", run.name, run.id, outcome.kind, elapsed,
        run.attempt, run.request_id, f" ({outcome.code}: {outcome.reason})" if outcome.reason else "")
    return outcome


def _attempt(tasks: Tasks, run: TaskRun, entity: Any) -> Outcome:
    task = tasks.registry.get(run.name)
    if task is None:
        return _end(tasks, None, run, DEAD, 500, f"no task is named {run.name!r} in this worker")
    if run.attempt > run.max_attempts:  # it was claimed that often: its workers keep dying
        return _end(tasks, task, run, DEAD, 500,
                    f"{run.name} was attempted {run.attempt - 1} times without finishing")
    try:
        if entity is _UNREAD:
            with tasks.database.transaction() as session:
                entity = task.retrieve(session, run)
        elif isinstance(entity, EntityNotFound):
            raise entity
        result = task.process(entity, run)
    except EntityNotFound as exc:
        return _end(tasks, None, run, FAILED, 404, str(exc))
    except TaskFailed as exc:
        return _end(tasks, task, run, FAILED, exc.code, exc.reason)
    except Exception as exc:
        if isinstance(exc, task.retry_on) or is_unavailable(exc):
            return _again(tasks, task, run, exc)
        LOG.exception("task %s %s failed", run.name, run.id)
        return _end(tasks, task, run, FAILED, 500, _reason(exc))
    try:
        with tasks.database.transaction(write=True) as session:
            if not store.done(session, run.id, run.owner):
                session.rollback()
                return Outcome(LOST_OUTCOME, 409, "the lease was taken over; the effect is left to its new owner")
            run.tasks = TaskClient(tasks, session, run.request_id)
            task.handle_success(session, _attached(session, task, run, entity), result, run)
    except Exception as exc:
        if is_unavailable(exc):
            raise
        LOG.exception("task %s %s: handle_success failed", run.name, run.id)
        return _end(tasks, task, run, FAILED, 500, _reason(exc))
    return Outcome(DONE_OUTCOME)


def _attached(session: Any, task: Any, run: TaskRun, entity: Any) -> Any:
    """The entity in the finishing session: the one retrieved, attached without reading it again.

    PERF: one query fewer per task; only what ``handle_success`` changes is
    written (an entity deleted meanwhile fails the flush, and so the task).
    """
    try:
        return session.merge(entity, load=False)
    except Exception:  # not a clean mapped instance: read it again
        return task.retrieve(session, run)


def _again(tasks: Tasks, task: Any, run: TaskRun, exc: BaseException) -> Outcome:
    reason = _reason(exc)
    if run.attempt >= run.max_attempts:
        return _end(tasks, task, run, DEAD, 500, f"gave up after {run.attempt} attempts: {reason}")
    delay = task.delay(run.attempt)
    with tasks.database.transaction(write=True) as session:
        if not store.again(session, run.id, run.owner, delay, reason):
            return Outcome(LOST_OUTCOME, 409, "the lease was taken over")
    tasks.announce_later(delay)
    return Outcome(RETRY_OUTCOME, 503, f"{reason}; retry in {delay:g}s")


def _end(tasks: Tasks, task: Any, run: TaskRun, state: str, code: int, reason: str) -> Outcome:
    """Record a failed or dead task and, if it has an entity, the entity in ERROR, in one transaction."""
    with tasks.database.transaction(write=True) as session:
        if not store.ended(session, run.id, run.owner, state, f"{code}: {reason}"):
            session.rollback()
            return Outcome(LOST_OUTCOME, 409, "the lease was taken over")
        if task is not None:
            try:
                with session.begin_nested():
                    task.handle_error(session, task.retrieve(session, run), code, reason, run)
            except Exception:
                LOG.exception("task %s %s: handle_error failed; the task is %s all the same", run.name, run.id,
                              state)
    return Outcome(FAILED_OUTCOME if state == FAILED else DEAD_OUTCOME, code, reason)


def _reason(exc: BaseException) -> str:
    text = str(exc).strip()
    first = text.splitlines()[0] if text else ""
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__
