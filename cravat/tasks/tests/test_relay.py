"""The relay and its sweeper against the real RabbitMQ and PostgreSQL: what the broker lost is published again,
what waits in its queue is not."""

import json
import os
import threading
import time
import uuid

import pytest

from cravat.db import database_of, migrations
from cravat.db.testing import scratch_database
from cravat.tasks import tasks_of
from cravat.tasks.broker import Publisher
from cravat.tasks.relay import Relay
from tests.functional import taskapp
from tests.functional.taskharness import delete_queues

BROKER = os.environ.get("CRAVAT_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")


@pytest.fixture
def outbox(tmp_path):
    queue = f"cravat.test.{uuid.uuid4().hex[:8]}"
    with scratch_database("postgresql", tmp_path) as url:
        api = taskapp.build_app(url, transport="celery", threads=0, queue=queue, broker_url=BROKER)
        database, tasks = database_of(api), tasks_of(api)
        migrations.upgrade(database)
        database.start()
        publisher = Publisher(tasks.celery(), queue, 10)
        try:
            yield tasks, publisher
        finally:
            publisher.close()
            database.stop()
            delete_queues(BROKER, [queue, f"{queue}.dead"])


def enqueue(tasks):
    with tasks.database.transaction(write=True) as session:
        order = taskapp.ORDERS.create(session, id=str(uuid.uuid4()), status="PENDING", created=0.0)
        return tasks.client(session).enqueue("orders.generate", order.id)


def published_at(tasks, task_id):
    return tasks.get(task_id).published_at


def test_announced_tasks_are_marked_published_in_one_write_and_a_scan_skips_them(outbox):
    tasks, publisher = outbox
    relay = Relay(tasks, publisher, poll=60, grace=0.01, sweep_after=60, backlog=publisher.backlog)
    ids = [enqueue(tasks) for _ in range(3)]
    assert relay.relay(ids) == 3
    assert [published_at(tasks, i) for i in ids] == [None] * 3  # published, the mark deferred
    assert relay.mark() == 3
    assert all(published_at(tasks, i) is not None for i in ids)
    time.sleep(0.05)
    assert relay.relay(None) == 0  # past its grace, but marked: not published twice
    assert publisher.backlog() == 3


def test_the_sweeper_publishes_again_what_the_broker_lost_not_what_waits_in_its_queue(outbox):
    tasks, publisher = outbox
    relay = Relay(tasks, publisher, poll=60, grace=0.01, sweep_after=0.1, backlog=publisher.backlog)
    task_id = enqueue(tasks)
    relay.relay([task_id])
    relay.mark()
    time.sleep(0.2)  # published longer ago than sweep_after, not done: its message is still queued
    assert publisher.backlog() == 1
    assert relay.sweep() == 0
    assert published_at(tasks, task_id) is not None
    with tasks.celery().connection_for_write() as connection:  # the broker loses it
        connection.default_channel.queue_purge(publisher.queue)
    assert relay.sweep() == 1
    assert published_at(tasks, task_id) is None
    assert relay.relay(None) == 1  # the scan publishes it again
    assert publisher.backlog() == 1


def queued_bodies(tasks, queue):
    """The task ids of each message in the queue, taken off it (the Celery message's first argument)."""
    bodies = []
    with tasks.celery().connection_for_write() as connection:
        channel = connection.default_channel
        while (message := channel.basic_get(queue, no_ack=True)) is not None:
            args = json.loads(message.body)[0]  # Celery's protocol 2: [args, kwargs, embed]
            bodies.append(args[0])
    return bodies


def test_ids_published_together_share_messages_up_to_per_message(outbox):
    tasks, _ = outbox
    publisher = Publisher(tasks.celery(), outbox[1].queue, 10, per_message=3)
    try:
        ids = [enqueue(tasks) for _ in range(7)]
        assert publisher.publish_many(ids) == ids
        # Three messages: two of three ids, then one of the one left, as a plain id (a lone task's message).
        assert queued_bodies(tasks, publisher.queue) == [ids[0:3], ids[3:6], ids[6]]
    finally:
        publisher.close()


def test_the_relay_lingers_only_when_announcements_come_close_together(outbox):
    tasks, publisher = outbox
    relay = Relay(tasks, publisher, poll=60, grace=60, sweep_after=60, linger=0.2)
    relay.announce(["a"])
    started = time.monotonic()
    assert relay._drain(1)[1] == ["a"]  # the first one alone: published at once
    assert time.monotonic() - started < 0.2
    relay.announce(["b"])  # a second close behind the first: the relay waits for a third to join it
    threading.Timer(0.05, relay.announce, (["c"],)).start()
    assert relay._drain(1)[1] == ["b", "c"]
