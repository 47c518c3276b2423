"""``Tasks``: a service's asynchronous tasks, on the transport one setting chooses.

>>> tasks = Tasks(database)                       # embedded: worker threads in the API process
>>> tasks = Tasks(database, transport="celery", broker_url="amqp://guest:guest@127.0.0.1:5672//")
>>> tasks.register(Snapshot)                      # a Task subclass, by its name
>>> tasks.attach(api)                             # handlers that take ``tasks`` get the request's client

Handlers and tasks are the same on both transports. ``embedded`` needs
nothing but the database: the API's own threads run tasks (``threads``;
0 to leave them to ``cravat worker`` processes). ``celery`` publishes each
task to RabbitMQ through the relay, and ``cravat worker`` runs Celery
workers with cravat's wrapper.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import os
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

from cravat.db.engine import Database
from cravat.db.errors import install_error_handlers
from cravat.db.resource import after_transaction, request_transaction
from cravat.http import errors
from cravat.tasks import faults, store
from cravat.tasks.client import EnqueueError, TaskClient
from cravat.tasks.relay import Relay
from cravat.tasks.runner import SKIPPED_OUTCOME, claim_and_run, run_in_request, run_short, run_short_many
from cravat.tasks.table import MIGRATIONS, TABLE
from cravat.tasks.task import Task
from cravat.tasks.worker import Worker

LOG = logging.getLogger("cravat.tasks")

TRANSPORTS = ("embedded", "celery")
#: When a request runs its short tasks itself (``TaskSettings.in_request``).
IN_REQUEST = ("before_answer", "after_answer", "no")


@dataclass(frozen=True)
class TaskSettings:
    """How tasks run. Every field can come from a paste section or the environment as text."""

    #: "embedded" (the task table is the queue; no broker) or "celery" (RabbitMQ through Celery).
    transport: str = "embedded"
    #: Worker threads in each API process (embedded), or in each ``cravat worker`` unless it says.
    threads: int = 2
    #: Seconds between polls when nothing wakes a worker (a commit in the same process, or NOTIFY, does).
    poll: float = 0.5
    #: Seconds a claim holds a task before another worker may take it over (renewed while it runs).
    lease: float = 30.0
    #: The broker (celery transport).
    broker_url: str = "amqp://guest:guest@127.0.0.1:5672//"
    queue: str = "cravat.tasks"
    #: Deliveries of one message before RabbitMQ dead-letters it.
    delivery_limit: int = 10
    broker_timeout: float = 2.0
    #: Seconds after its commit that the relay publishes a row no request published.
    relay_grace: float = 2.0
    #: Seconds after publishing that a task not done (nor held by a live lease) is published again.
    sweep_after: float = 60.0
    #: Celery worker processes per ``cravat worker``.
    concurrency: int = 2
    #: Task ids the relay puts in one message when several wait to be published (under load): each
    #: message costs the broker, the pool and an acknowledgement once for all of them (1: one per task).
    per_message: int = 8
    #: Under load (commits announcing tasks less than twice this apart), seconds the relay waits after an
    #: announcement for more to share their messages (only when ``per_message`` > 1): a few milliseconds
    #: of latency for a fraction of the messages; a task alone is published at once.
    relay_linger: float = 0.005
    #: Embedded, in an API process that runs tasks (``threads`` > 0): a ``short`` task enqueued by a request
    #: is run by that request's own thread instead of a worker thread (one transaction: no claim, no
    #: wake-up): "before_answer", once the request's transaction has committed, so the client's next
    #: request finds it done; "after_answer", once the answer is sent (the client hears sooner, and its next
    #: request meets the task still running); "no", by the workers. The workers take it over if it has not
    #: ended within ``in_request_grace`` seconds (the server did not close the answer, or the process died).
    in_request: str = "before_answer"
    in_request_grace: float = 1.0
    #: Tasks an embedded worker thread claims at once when every registered task is ``short``: a backlog
    #: costs two commits per batch, not per task (1: one at a time, always).
    claim_batch: int = 8

    def __post_init__(self) -> None:
        if self.transport not in TRANSPORTS:
            raise ValueError(f"task transport {self.transport!r} is not one of {', '.join(TRANSPORTS)}")
        if self.in_request not in IN_REQUEST:
            raise ValueError(f"task setting in_request {self.in_request!r} is not one of {', '.join(IN_REQUEST)}")
        for name in ("poll", "lease", "broker_timeout", "sweep_after", "in_request_grace"):
            if getattr(self, name) <= 0:
                raise ValueError(f"task setting {name} must be positive, not {getattr(self, name)}")
        if self.relay_linger < 0:
            raise ValueError(f"task setting relay_linger must not be negative, not {self.relay_linger}")
        if (self.threads < 0 or self.concurrency < 1 or self.delivery_limit < 1 or self.claim_batch < 1
                or self.per_message < 1):
            raise ValueError("task settings: threads >= 0, concurrency >= 1, delivery_limit >= 1, "
                             "claim_batch >= 1 and per_message >= 1")


class Tasks:
    """The registry of a service's tasks, its task client, and the transport that runs them."""

    def __init__(self, database: Database, settings: TaskSettings | None = None, **overrides: Any) -> None:
        self.database = database
        self.settings = replace(settings or TaskSettings(), **overrides)
        self.registry: dict[str, Task] = {}
        database.add_migrations(MIGRATIONS, tables=(TABLE,))
        self._worker: Worker | None = None
        self._relay: Relay | None = None
        self._celery: Any = None
        self._owners: dict[int, str] = {}
        self._lock = threading.Lock()

    @property
    def transport(self) -> str:
        return self.settings.transport

    def register(self, task: type[Task] | Task) -> Any:
        """Add a task (a ``Task`` subclass or instance) by its ``name``; usable as a class decorator."""
        instance = task() if isinstance(task, type) else task
        if not isinstance(instance, Task):
            raise TypeError(f"{task!r} is not a cravat.tasks.Task")
        if not instance.name:
            raise ValueError(f"{type(instance).__qualname__} has no name: set name = 'service.verb'")
        if instance.name in self.registry:
            raise ValueError(f"a task named {instance.name!r} is registered already "
                             f"({type(self.registry[instance.name]).__qualname__})")
        if instance.max_attempts < 1:
            raise ValueError(f"task {instance.name!r}: max_attempts must be at least 1")
        self.registry[instance.name] = instance
        return task

    def client(self, session: Any, request_id: str | None = None) -> TaskClient:
        """A task client writing in ``session``'s transaction."""
        return TaskClient(self, session, request_id)

    # --- the API ------------------------------------------------------------------------------

    def attach(self, api: Any, *, name: str = "tasks") -> TasksResource:
        """Give ``api`` the ``tasks`` resource; start the transport with it, stop it after."""
        resource = TasksResource(self)
        api.add_resource(name, resource)
        install_error_handlers(api)
        api.add_error_handler(EnqueueError, _enqueue_failed)
        api.on_startup(self.start)
        api.on_shutdown(self.stop)
        return resource

    def start(self) -> None:
        """In an API process: the embedded worker threads, or the relay that publishes to the broker."""
        self.database.start()
        if self.transport == "embedded":
            if self.settings.threads:
                self._worker = Worker(self, threads=self.settings.threads, poll=self.settings.poll,
                                      lease=self.settings.lease, name="cravat-api-worker")
                self._worker.start()
        else:
            self._start_relay()

    def stop(self) -> None:
        if self._worker is not None:
            self._worker.stop()
            self._worker = None
        if self._relay is not None:
            self._relay.stop()
            self._relay = None

    @property
    def runs_in_request(self) -> bool:
        """Do requests run their short tasks themselves (embedded, ``in_request``, ``threads`` > 0)?"""
        return self.transport == "embedded" and self.settings.in_request != "no" and self.settings.threads > 0

    def announce(self, task_ids: list[str], in_request_runs: list[tuple[Any, Any]] = (),  # type: ignore[assignment]
                 in_request: Any = None) -> None:
        """After a commit that enqueued ``task_ids``: wake this process's workers, or publish them now.

        ``in_request_runs``: the short tasks the request runs itself (:meth:`run_in_request`), handed to
        ``in_request`` (see :meth:`TasksResource.later`).
        """
        faults.point("api-after-commit")
        if task_ids:
            if self._worker is not None:
                self._worker.wake()
            if self._relay is not None:
                self._relay.announce(task_ids)
        if in_request_runs:
            runs = list(in_request_runs)
            in_request(lambda: self.run_in_request(runs))

    def run_in_request(self, runs: list[tuple[Any, Any]]) -> None:
        """Run the short tasks a request of this process enqueued, on the request's thread once its
        transaction committed: ``runs`` is (TaskRun, the entity or None) for each."""
        owner = self._owner()
        for run, entity in runs:
            run_in_request(self, owner, run, entity)

    def announce_later(self, delay: float) -> None:
        """A retry comes due in ``delay`` s: wake a worker then (the relay's poll publishes it)."""
        worker = self._worker
        if worker is not None:
            timer = threading.Timer(delay, worker.wake)
            timer.daemon = True
            timer.start()

    # --- workers ------------------------------------------------------------------------------

    def celery(self) -> Any:
        """The Celery application (made once)."""
        with self._lock:
            if self._celery is None:
                from cravat.tasks.broker import celery_app
                self._celery = celery_app(self)
            return self._celery

    def _start_relay(self) -> Relay:
        from cravat.tasks.broker import Publisher

        settings = self.settings
        # Ids share a message only when every task is short: a long one would hold up the others in it.
        registry = self.registry
        per_message = settings.per_message if registry and all(t.short for t in registry.values()) else 1
        publisher = Publisher(self.celery(), settings.queue, settings.delivery_limit, per_message)
        self._relay = Relay(self, publisher, poll=settings.poll, grace=settings.relay_grace,
                            sweep_after=settings.sweep_after, backlog=publisher.backlog,
                            linger=settings.relay_linger if per_message > 1 else 0.0)
        self._relay.start()
        return self._relay

    def serve(self, *, threads: int | None = None, concurrency: int | None = None, log_level: str = "INFO") -> int:
        """``cravat worker``: run this process's workers until SIGTERM or SIGINT; returns the exit status."""
        self.database.start()
        if self.transport == "embedded":
            worker = Worker(self, threads=threads or self.settings.threads or 1, poll=self.settings.poll,
                            lease=self.settings.lease)
            self._worker = worker
            stopped = threading.Event()
            for signum in (signal.SIGTERM, signal.SIGINT):
                signal.signal(signum, lambda *_: stopped.set())
            worker.start()
            stopped.wait()
            LOG.info("cravat worker: stopping; finishing the tasks in hand")
            self.stop()
            return 0
        from cravat.tasks.broker import declare_queues, worker_main

        app = self.celery()
        declare_queues(app, self.settings.queue, self.settings.delivery_limit)  # the broker must be there
        self._start_relay()
        try:
            worker_main(app, concurrency=concurrency or self.settings.concurrency, queue=self.settings.queue,
                        loglevel=log_level)
        finally:
            self.stop()
        return 0

    def run_many(self, task_ids: list[str], *, redelivered: bool = False) -> list[str]:
        """The Celery wrapper's body for one message's ids; how each ended.

        PERF: short tasks at their first delivery on PostgreSQL end in one transaction for the group
        (``run_short_many``); otherwise, or if that cannot be, each runs as :meth:`run_one` runs it.
        """
        if len(task_ids) > 1 and not redelivered and self.database.dialect == "postgresql":
            if run_short_many(self, self._owner(), task_ids) == len(task_ids):
                return ["done"] * len(task_ids)
        return [self.run_one(task_id, redelivered=redelivered) for task_id in task_ids]

    def run_one(self, task_id: str, *, redelivered: bool = False) -> str:
        """The Celery wrapper's body: claim ``task_id``, run it, record its end; how it ended.

        PERF: a short task's first delivery on PostgreSQL costs one transaction, not two (``run_short``).
        """
        outcome = None
        if not redelivered and self.database.dialect == "postgresql":
            outcome = run_short(self, self._owner(), task_id)
        if outcome is None:
            outcome = claim_and_run(self, self._owner(), self.settings.lease, task_id=task_id)
        if outcome is None or outcome.kind == SKIPPED_OUTCOME:
            LOG.info("task %s: skipped (done already, not due, or held by a live worker)", task_id)
            return "skipped"
        return outcome.kind

    def _owner(self) -> str:
        pid = os.getpid()
        owner = self._owners.get(pid)
        if owner is None:
            owner = self._owners[pid] = store.new_owner()
        return owner

    # --- operators ----------------------------------------------------------------------------

    @contextlib.contextmanager
    def _conn(self, write: bool = False) -> Iterator[Any]:
        with self.database.connection(write=write) as conn:
            yield conn

    def list(self, states: tuple[str, ...], limit: int = 100) -> list[Any]:
        with self._conn() as conn:
            return store.listing(conn, states, limit)

    def counts(self) -> dict[str, int]:
        with self._conn() as conn:
            return store.counts(conn)

    def get(self, task_id: str) -> Any:
        with self._conn() as conn:
            return store.get(conn, task_id)

    def retry(self, task_id: str) -> bool:
        with self._conn(write=True) as conn:
            return store.retry(conn, task_id)

    def discard(self, task_id: str) -> bool:
        with self._conn(write=True) as conn:
            return store.discard(conn, task_id)


class TasksResource:
    """``provider(req)`` for ``api.add_resource``: a task client in the request's transaction."""

    def __init__(self, tasks: Tasks) -> None:
        self.tasks = tasks
        self.database = tasks.database
        self._after_answer = tasks.settings.in_request == "after_answer"  # settings are fixed: decided once

    def __call__(self, req: Any) -> Any:
        return self._open(req)

    @contextlib.contextmanager
    def _open(self, req: Any) -> Iterator[TaskClient]:
        with request_transaction(req, self.database) as session:
            yield TaskClient(self.tasks, session, req.request_id, self.later(req))

    def later(self, req: Any) -> Any:
        """How ``req`` runs its own short tasks (``in_request``): a function taking the work to run.

        "before_answer": once the request's transaction has committed and closed, whichever resource
        opened it (:func:`cravat.db.after_transaction`). PERF: measured on the key manager (granian, 8
        threads, an order then its GET on one keep-alive connection), 0.93 ms of CPU an order against
        1.12 after the answer, where the GET arrives while the task runs, on another of granian's
        threads, and the two trade the GIL and the machine's two cores (5 preemptions an order).
        """
        if self._after_answer:
            return req.after_answer
        return functools.partial(after_transaction, req.environ)


def _enqueue_failed(req: Any, exc: EnqueueError) -> errors.HTTPError:
    LOG.error("request %s: %s", getattr(req, "request_id", "-"), exc)
    return errors.InternalServerError(f"A task could not be enqueued: {exc}.")


def tasks_of(api: Any) -> Tasks | None:
    """The ``Tasks`` attached to ``api`` (found among its resources), or None."""
    for provider in api.resources.values():
        if isinstance(provider, TasksResource):
            return provider.tasks
    return None
