"""The broker transport: Celery 5 on RabbitMQ runs the workers; cravat adds the wrapper it runs.

Celery is configured for at-least-once delivery:

- ``task_acks_late``: a message is acknowledged after the task returns, and
  the wrapper returns only after the task's end is committed;
- ``task_reject_on_worker_lost``: a child killed mid-task puts its message back;
- ``worker_prefetch_multiplier = 1``: a worker holds one unacknowledged message per process;
- a quorum queue (replicated, durable) with ``x-delivery-limit``, past which a
  message goes to the dead-letter queue ``<queue>.dead`` instead of looping;
- publisher confirms: a task is marked published only once the broker confirmed it (:class:`Publisher`).

The message carries only the task's id: the row is the truth. The wrapper
claims that row with a lease (skipping it if it is done, or held by a live
worker), runs it through the same template as the embedded workers, and
returns: Celery acknowledges after that. A ``short`` task on PostgreSQL, at
its first delivery, is claimed, run and finished in one transaction under
the row's lock (:func:`cravat.tasks.runner.run_short`): nothing is
committed but its end, so a child killed meanwhile leaves the row pending
and its message is delivered again; that redelivery takes the regular way,
which counts the attempt (a task that keeps killing its workers ends dead). Retries are the row's too
(``run_after``): the relay publishes a retried task again when it is due,
so no ETA message waits in the broker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import time
from typing import TYPE_CHECKING, Any

from cravat.tasks import faults

if TYPE_CHECKING:
    from celery import Celery

    from cravat.tasks.service import Tasks

LOG = logging.getLogger("cravat.tasks.broker")

#: The one Celery task cravat registers: ``cravat.run(task_id)``.
RUN = "cravat.run"


class BrokerUnavailable(Exception):
    """The broker cannot be reached; the message names it (its password hidden)."""


def celery_app(tasks: Tasks) -> Celery:
    """The Celery application of ``tasks``: its broker, its queues, the wrapper registered."""
    try:
        from celery import Celery
        from celery.signals import worker_process_init
        from kombu import Exchange, Queue
    except ImportError:
        raise RuntimeError("the broker transport needs Celery: pip install 'cravat[celery]'") from None
    settings = tasks.settings
    app = Celery(f"cravat-{tasks.database.name}", broker=settings.broker_url, set_as_current=False)
    exchange = Exchange(settings.queue, type="topic", durable=True)
    app.conf.update(
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_acks_on_failure_or_timeout=True,
        worker_prefetch_multiplier=1,
        task_queues=[Queue(settings.queue, exchange, routing_key=settings.queue, durable=True,
                           queue_arguments=quorum_arguments(settings.queue, settings.delivery_limit))],
        task_default_queue=settings.queue,
        task_default_exchange=settings.queue,
        task_default_routing_key=settings.queue,
        worker_detect_quorum_queues=True,
        broker_transport_options={"confirm_publish": True},
        broker_connection_timeout=settings.broker_timeout,
        broker_connection_retry_on_startup=True,
        task_publish_retry=False,
        task_ignore_result=True,
        task_serializer="json",
        accept_content=["json"],
        worker_hijack_root_logger=False,
        worker_enable_remote_control=False,
        worker_send_task_events=False,
        broker_heartbeat=10,
    )

    @app.task(name=RUN, acks_late=True, reject_on_worker_lost=True, ignore_result=True, bind=True)
    def run(self: Any, task_ids: str | list[str]) -> str:
        delivery = self.request.delivery_info or {}
        # A message delivered again may have killed the child that had it: its attempts are counted this time.
        redelivered = bool(delivery.get("redelivered"))
        outcomes = tasks.run_many([task_ids] if isinstance(task_ids, str) else list(task_ids), redelivered=redelivered)
        faults.point("worker-after-commit")
        return outcomes[0] if len(outcomes) == 1 else ",".join(outcomes)

    def forked(**kwargs: Any) -> None:
        tasks.database.after_fork()

    worker_process_init.connect(forked, weak=False)
    return app


def quorum_arguments(queue: str, delivery_limit: int) -> dict[str, Any]:
    return {"x-queue-type": "quorum", "x-delivery-limit": delivery_limit,
            "x-dead-letter-exchange": "", "x-dead-letter-routing-key": f"{queue}.dead"}


def declare_queues(app: Celery, queue: str, delivery_limit: int) -> None:
    """The task queue and its dead-letter queue, declared (idempotent) before anything is published."""
    from kombu import Exchange, Queue
    from kombu.exceptions import OperationalError
    from kombu.utils.url import maybe_sanitize_url

    exchange = Exchange(queue, type="topic", durable=True)
    try:
        with app.connection_for_write() as connection:
            connection.ensure_connection(max_retries=1, timeout=app.conf.broker_connection_timeout)
            channel = connection.default_channel
            Queue(f"{queue}.dead", durable=True, queue_arguments={"x-queue-type": "quorum"})(channel).declare()
            Queue(queue, exchange, routing_key=queue, durable=True,
                  queue_arguments=quorum_arguments(queue, delivery_limit))(channel).declare()
    except (OSError, OperationalError) as exc:
        raise BrokerUnavailable(f"cannot reach the broker {maybe_sanitize_url(app.conf.broker_url)}: {exc}") from None


class Publisher:
    """Publishes task ids, each confirmed by the broker, on a connection kept between calls.

    ``publish_many(ids)`` sends a batch, then waits once for the broker's
    confirmations of all of it (the channel is in confirm mode; RabbitMQ
    acknowledges a batch with one ``basic.ack multiple``): PERF: a backlog
    costs one round trip per batch, not one per message. What it returns was
    confirmed; anything else was not, and is published again later.

    PERF: ids that come together share a message, up to ``per_message`` of
    them (``cravat.run([id, ...])``): under load the broker, the pool and
    the acknowledgements cost one message per group, not one per task. A
    message is acknowledged once every task in it has ended; one delivered
    again runs only those not done (the wrapper skips the rest).
    """

    def __init__(self, app: Celery, queue: str, delivery_limit: int, per_message: int = 1) -> None:
        self.app = app
        self.queue = queue
        self.delivery_limit = delivery_limit
        self.per_message = max(1, per_message)
        self._producer: Any = None
        self._connection: Any = None
        self._declared = False
        self._pid = os.getpid()
        self._sent = 0            # delivery tags: the channel numbers published messages from 1
        self._acked = 0           # every tag up to this one is confirmed
        self._confirmed: set[int] = set()
        self._nacked: set[int] = set()

    def __call__(self, task_id: str) -> None:
        if self.publish_many([task_id]) != [task_id]:
            raise BrokerUnavailable(f"the broker did not confirm task {task_id}")

    def publish_many(self, task_ids: list[str]) -> list[str]:
        """Publish ``task_ids``; those the broker confirmed, in order (all of them, unless it failed)."""
        if not task_ids:
            return []
        producer = self._ready()
        tags: list[tuple[int, list[str]]] = []
        size = self.per_message
        try:
            for at in range(0, len(task_ids), size):
                group = task_ids[at:at + size]
                self.app.send_task(RUN, args=[group[0] if len(group) == 1 else group], queue=self.queue,
                                   routing_key=self.queue, producer=producer, retry=False)
                self._sent += 1
                tags.append((self._sent, group))
            self._wait(tags[-1][0])
        except Exception as exc:
            confirmed = [task_id for tag, group in tags if self._is_confirmed(tag) for task_id in group]
            self.close()
            if not confirmed:
                raise
            LOG.warning("publish: %d of %d task(s) confirmed before %s", len(confirmed), len(task_ids), exc)
            return confirmed
        if self._nacked:
            confirmed = [task_id for tag, group in tags if self._is_confirmed(tag) for task_id in group]
            self.close()  # a nack: the broker could not take them; a new channel next time
            return confirmed
        self._confirmed = {t for t in self._confirmed if t > self._acked}
        return task_ids

    def _is_confirmed(self, tag: int) -> bool:
        return tag not in self._nacked and (tag <= self._acked or tag in self._confirmed)

    def _wait(self, last: int) -> None:
        timeout = self.app.conf.broker_connection_timeout
        deadline = time.monotonic() + timeout
        connection = self._connection
        while not (self._acked >= last or all(t in self._confirmed or t in self._nacked
                                              for t in range(self._acked + 1, last + 1))):
            left = deadline - time.monotonic()
            if left <= 0:
                raise BrokerUnavailable(f"the broker confirmed no publish within {timeout:g}s")
            try:
                connection.drain_events(timeout=left)
            except socket.timeout:
                continue

    def _on_ack(self, tag: int, multiple: bool) -> None:
        if multiple:
            self._acked = max(self._acked, tag)
        else:
            self._confirmed.add(tag)
            while self._acked + 1 in self._confirmed:
                self._acked += 1

    def _on_nack(self, tag: int, multiple: bool) -> None:
        if multiple:
            self._nacked.update(range(self._acked + 1, tag + 1))
        else:
            self._nacked.add(tag)

    def backlog(self) -> int:
        """Messages waiting in the queue (not yet delivered to a worker), by a passive declare."""
        producer = self._ready()
        try:
            return int(producer.channel.queue_declare(queue=self.queue, passive=True).message_count)
        except Exception:
            self.close()
            raise

    def _ready(self) -> Any:
        if self._pid != os.getpid():  # forked: the parent's connection is not ours
            self._producer, self._connection, self._declared, self._pid = None, None, False, os.getpid()
        if not self._declared:
            declare_queues(self.app, self.queue, self.delivery_limit)
            self._declared = True
        if self._producer is None:
            # Confirms are ours to wait for, per batch (kombu's confirm_publish would wait for each message).
            connection = self.app.connection_for_write(transport_options={"confirm_publish": False})
            connection.ensure_connection(max_retries=1, timeout=self.app.conf.broker_connection_timeout)
            channel = connection.default_channel
            channel.confirm_select()
            channel.events["basic_ack"].add(self._on_ack)
            channel.events["basic_nack"].add(self._on_nack)
            self._sent = self._acked = 0
            self._confirmed, self._nacked = set(), set()
            self._connection = connection
            self._producer = self.app.amqp.Producer(channel)
        return self._producer

    def close(self) -> None:
        connection, self._connection, self._producer = self._connection, None, None
        self._declared = False
        if connection is not None:
            with contextlib.suppress(Exception):  # it is broken already
                connection.release()


def worker_main(app: Celery, *, concurrency: int, queue: str, loglevel: str = "INFO") -> None:
    """Run a Celery worker (prefork, ``concurrency`` children) on ``queue`` until it is stopped."""
    app.worker_main(["worker", "--pool=prefork", f"--concurrency={concurrency}", f"--queues={queue}",
                     f"--loglevel={loglevel}", f"--hostname=cravat-{os.getpid()}@{socket.gethostname()}",
                     "--without-mingle", "--without-gossip"])
