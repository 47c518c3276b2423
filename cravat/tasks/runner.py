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
from cravat.tasks import faults, store
from cravat.tasks.client import TaskClient
from cravat.tasks.table import DEAD, FAILED, RUNNING
from cravat.tasks.task import TaskFailed, TaskRun

if TYPE_CHECKING:
    from cravat.tasks.service import Tasks

LOG = logging.getLogger("cravat.tasks")

DONE_OUTCOME, RETRY_OUTCOME, FAILED_OUTCOME, DEAD_OUTCOME, LOST_OUTCOME = "done", "retry", "failed", "dead", "lost"
#: Not run: done already, or not due (a duplicate message).
SKIPPED_OUTCOME = "skipped"


@dataclass(frozen=True)
class Outcome:
    kind: str        # done, retry, failed, dead, lost (the lease was taken over: nothing recorded)
    code: int = 0
    reason: str = ""


_UNREAD: Any = object()


def claim_and_run(tasks: Tasks, owner: str, lease: float, *, task_id: str | None = None,
                  failure: BaseException | None = None) -> Outcome | None:
    """Claim a due task (or the one ``task_id``) and run it; None when there was none to claim.

    PERF: the claim and the entity's retrieval share one transaction: a
    task costs two commits (its claim, its end), not three. ``failure``:
    what an attempt of this task raised already (:func:`run_short` rolled
    it back); it is recorded as this attempt's outcome, the task not run again.
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
        if task is not None and run.attempt <= run.max_attempts and failure is None:
            try:
                entity = task.retrieve(session, run)
            except EntityNotFound as exc:
                entity = exc
    return _logged(tasks, run, entity, failure)


def claim_and_run_many(tasks: Tasks, owner: str, lease: float, limit: int) -> list[Outcome]:
    """Claim up to ``limit`` due tasks in one transaction and run them; their ends are recorded together.

    PERF: a backlog of short tasks costs two commits per batch (the
    claims, the ends), not two per task. Each task keeps its own lease,
    attempt and fenced end: when the ends cannot all be recorded together
    (a lease taken over, a ``handle_success`` that fails), each is recorded
    on its own, as :func:`claim_and_run` would, from the result in hand.
    """
    with tasks.database.transaction(write=True) as session:
        rows = store.claim(session.connection(), owner, lease, limit=limit)
        claimed: list[tuple[TaskRun, Any]] = []
        for row in rows:
            run = _run_of(row, owner)
            task = tasks.registry.get(run.name)
            entity: Any = _UNREAD
            if task is not None and run.attempt <= run.max_attempts:
                try:
                    entity = task.retrieve(session, run)
                except EntityNotFound as exc:
                    entity = exc
            claimed.append((run, entity))
    if len(claimed) < 2:
        return [_logged(tasks, run, entity) for run, entity in claimed]
    outcomes: dict[str, Outcome] = {}
    succeeded: list[tuple[Any, TaskRun, Any, Any, float]] = []
    later: list[tuple[TaskRun, Any]] = []
    for run, entity in claimed:
        task = tasks.registry.get(run.name)
        if task is None or run.attempt > run.max_attempts or entity is _UNREAD or isinstance(entity, EntityNotFound):
            outcomes[run.id] = _logged(tasks, run, entity)
            continue
        if not task.is_short(run):
            later.append((run, entity))  # after the short ones' ends are recorded: they do not wait for it
            continue
        started = _started(run)
        try:
            result = task.process(entity, run)
        except Exception as exc:
            outcomes[run.id] = _ended(run, started, _guarded(tasks, run, lambda run=run, entity=entity, exc=exc:
                                                             _attempt(tasks, run, entity, exc)))
            continue
        succeeded.append((task, run, entity, result, started))
    if succeeded:
        together = _succeed_together(tasks, succeeded)
        for task, run, entity, result, started in succeeded:
            outcome = together if together is not None else _guarded(
                tasks, run, lambda task=task, run=run, entity=entity, result=result:
                _succeed(tasks, task, run, entity, result))
            outcomes[run.id] = _ended(run, started, outcome)
    for run, entity in later:
        outcomes[run.id] = _logged(tasks, run, entity)
    return [outcomes[run.id] for run, _ in claimed]


def _succeed_together(tasks: Tasks, succeeded: list[tuple[Any, TaskRun, Any, Any, float]]) -> Outcome | None:
    """Every task's end in one transaction; None (nothing recorded) if any of them cannot be."""
    try:
        with tasks.database.transaction(write=True) as session:
            ids = [run.id for _, run, _, _, _ in succeeded]
            if store.done_many(session, ids, succeeded[0][1].owner) != len(ids):
                session.rollback()
                return None
            for task, run, entity, result, _ in succeeded:
                run.tasks = TaskClient(tasks, session, run.request_id)
                task.handle_success(session, _attached(session, task, run, entity), result, run)
            session.flush()
    except Exception:
        LOG.debug("the ends of %d tasks could not be recorded together; one by one", len(succeeded),
                  exc_info=True)
        return None
    return Outcome(DONE_OUTCOME)


def run_short(tasks: Tasks, owner: str, task_id: str) -> Outcome | None:
    """Claim, run and finish the short task ``task_id`` in ONE transaction (PostgreSQL; the Celery wrapper).

    The first statement marks the row done and so locks it: another
    delivery of the same message waits for this transaction and then finds
    the task done. The effect and the mark are committed together or not at
    all; a process killed meanwhile leaves the row as it was (pending), and
    its message, not acknowledged, is delivered again. A task that ended
    already (or whose row is gone) is ``skipped``. None: the task is running under a lease: the
    caller goes the regular way, :func:`claim_and_run`, which also frees
    the lease of a dead process of this host. A task that is not ``short``, has no handler here, or raises,
    is rolled back and handed to :func:`claim_and_run` (with what it
    raised: it is not run again), which counts the attempt and records it.
    """
    failure: BaseException | None = None
    session = tasks.database.session(write=True)
    try:
        conn = session.connection()
        row = store.claim_finished(conn, owner, task_id)
        if row is None:
            # PERF: a duplicate of a task that ended is skipped here, in this one transaction. One that is
            # running goes the regular way (its holder may be a dead process of this host).
            known = store.get(conn, task_id)
            session.rollback()
            return None if known is not None and known.state == RUNNING else Outcome(SKIPPED_OUTCOME)
        run = _run_of(row, owner)
        task = tasks.registry.get(run.name)
        if task is None or run.attempt > run.max_attempts or not task.is_short(run):
            session.rollback()
            return claim_and_run(tasks, owner, tasks.settings.lease, task_id=task_id)
        started = _started(run)
        try:
            _run_in(session, tasks, task, run)
            session.flush()
            faults.point("worker-before-commit")
            session.commit()
        except Exception as exc:
            session.rollback()
            if isinstance(exc, EntityNotFound) or not is_unavailable(exc):
                failure = exc
        else:
            return _ended(run, started, Outcome(DONE_OUTCOME))
    finally:
        session.close()
    # It raised (or the database went away): the regular way, which counts this attempt.
    return claim_and_run(tasks, owner, tasks.settings.lease, task_id=task_id, failure=failure)


def _run_in(session: Any, tasks: Tasks, task: Any, run: TaskRun) -> None:
    """A short task's template inside the transaction that ends it: retrieve, process, handle_success."""
    entity = task.retrieve(session, run)
    result = task.process(entity, run)
    run.tasks = TaskClient(tasks, session, run.request_id)
    task.handle_success(session, entity, result, run)


def run_short_many(tasks: Tasks, owner: str, task_ids: list[str] | None, *, limit: int = 1) -> int | None:
    """Claim, run and finish short tasks in ONE transaction (PostgreSQL): ``task_ids`` (one message's), or
    (None) up to ``limit`` due ones (an embedded worker's batch).

    :func:`run_short` for a group: PERF: one commit for the group, and no
    lease. All of them end together or none does: if any is not due, not
    short, has no handler, or raises, nothing is committed and the caller
    runs them the regular way. Returns how many ended here (0: none was
    due), or None when they could not end together (nothing was committed).
    """
    session = tasks.database.session(write=True)
    try:
        rows = store.claim_finished_many(session.connection(), owner, task_ids, limit=limit)
        if not rows and task_ids is None:
            session.rollback()
            return 0
        runs = [_run_of(row, owner) for row in rows]
        registry = tasks.registry
        if (task_ids is not None and len(runs) != len(task_ids)) or any(
                registry.get(run.name) is None or run.attempt > run.max_attempts
                or not registry[run.name].is_short(run) for run in runs):
            session.rollback()
            return None
        started = [_started(run) for run in runs]
        try:
            for run in runs:
                _run_in(session, tasks, registry[run.name], run)
            session.flush()
            faults.point("worker-before-commit")
            session.commit()
        except Exception:
            session.rollback()
            LOG.debug("a group of %d short tasks could not end together; one by one", len(runs), exc_info=True)
            return None
    finally:
        session.close()
    for run, start in zip(runs, started, strict=True):
        _ended(run, start, Outcome(DONE_OUTCOME))
    return len(runs)


def run_in_request(tasks: Tasks, owner: str, run: TaskRun, entity: Any = None) -> Outcome | None:
    """Run the short task ``run`` that this process's request enqueued, on its thread, its transaction ended.

    Before or after the request's answer (``TaskSettings.in_request``). The
    request inserted the row pending but not due for a grace period,
    so no worker claims it meanwhile, and knows what the row holds
    (``run``) and, often, its entity (``entity``: the instance the request
    saved; None: it is read here). The task is run with no transaction
    open, then ended in ONE write transaction fenced on the row still
    being pending (:func:`store.finish_pending`): no claim, no lease. A
    process killed before that commit leaves the row pending, and the
    workers take it when the grace ends. A task that raises, or whose end
    cannot be written, is made due and recorded the regular way
    (:func:`claim_and_run`, with what it raised: it is not run again),
    which counts the attempt. None: the database is away (the workers run
    it when it returns).
    """
    run.owner = owner
    task = tasks.registry[run.name]
    # PERF: its start is a DEBUG line, its end the INFO one (naming the entity too): the two come a moment
    # apart on one thread, and each line cost about 35 us of a key order's 0.8 ms here (INFO to a file).
    started = _started(run, logging.DEBUG)
    try:
        if entity is None:
            with tasks.database.transaction() as session:
                entity = task.retrieve(session, run)
        result = task.process(entity, run)
        with tasks.database.transaction(write=True) as session:
            if not store.finish_pending(session.connection(), owner, run.id):
                session.rollback()
                return _ended(run, started, Outcome(SKIPPED_OUTCOME))  # a worker has it, or it is gone
            run.tasks = TaskClient(tasks, session, run.request_id)
            task.handle_success(session, _attached(session, task, run, entity), result, run)
            session.flush()
            faults.point("worker-before-commit")
    except Exception as exc:
        if is_unavailable(exc):
            LOG.warning("task %s %s: the database is away; the workers run it when it returns", run.name, run.id)
            return None
        with tasks.database.connection(write=True) as conn:
            store.make_due(conn, run.id)
        return claim_and_run(tasks, owner, tasks.settings.lease, task_id=run.id, failure=exc)
    return _ended(run, started, Outcome(DONE_OUTCOME))


def run_claimed(tasks: Tasks, row: Any, owner: str) -> Outcome:
    """Run the task in ``row`` (claimed by ``owner``) and record its end; returns how it ended."""
    return _logged(tasks, _run_of(row, owner), _UNREAD)


def _run_of(row: Any, owner: str) -> TaskRun:
    return TaskRun(id=row.id, name=row.name, entity_id=row.entity, arguments=json.loads(row.arguments),
                   attempt=row.attempts, max_attempts=row.max_attempts, request_id=row.request_id, owner=owner)


def _started(run: TaskRun, level: int = logging.INFO) -> float:
    LOG.log(level, "task %s %s started: entity %s, attempt %d of %d, request %s", run.name, run.id, run.entity_id,
            run.attempt, run.max_attempts, run.request_id)
    return time.monotonic()


def _ended(run: TaskRun, started: float, outcome: Outcome) -> Outcome:
    elapsed = time.monotonic() - started
    log = LOG.info if outcome.kind == DONE_OUTCOME else LOG.warning
    log("task %s %s ended: %s in %.3fs, entity %s, attempt %d, request %s%s", run.name, run.id, outcome.kind,
        elapsed, run.entity_id, run.attempt, run.request_id,
        f" ({outcome.code}: {outcome.reason})" if outcome.reason else "")
    return outcome


def _guarded(tasks: Tasks, run: TaskRun, attempt: Any) -> Outcome:
    try:
        return attempt()
    except Exception as exc:  # recording the end failed (the database went away): the lease will expire
        LOG.exception("task %s %s: its end could not be recorded; it runs again when its lease expires",
                      run.name, run.id)
        return Outcome(LOST_OUTCOME, 503, _reason(exc))


def _logged(tasks: Tasks, run: TaskRun, entity: Any, failure: BaseException | None = None) -> Outcome:
    started = _started(run) if failure is None else time.monotonic()  # a failure's start was logged by run_short
    return _ended(run, started, _guarded(tasks, run, lambda: _attempt(tasks, run, entity, failure)))


def _attempt(tasks: Tasks, run: TaskRun, entity: Any, failure: BaseException | None = None) -> Outcome:
    task = tasks.registry.get(run.name)
    if task is None:
        return _end(tasks, None, run, DEAD, 500, f"no task is named {run.name!r} in this worker")
    if run.attempt > run.max_attempts:  # it was claimed that often: its workers keep dying
        return _end(tasks, task, run, DEAD, 500,
                    f"{run.name} was attempted {run.attempt - 1} times without finishing")
    try:
        if failure is not None:
            raise failure
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
        if exc is not failure:
            LOG.exception("task %s %s failed", run.name, run.id)
        else:
            LOG.error("task %s %s failed: %s", run.name, run.id, _reason(exc), exc_info=exc)
        return _end(tasks, task, run, FAILED, 500, _reason(exc))
    return _succeed(tasks, task, run, entity, result)


def _succeed(tasks: Tasks, task: Any, run: TaskRun, entity: Any, result: Any) -> Outcome:
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
