"""SIGKILL at every step: no task lost, none run twice in effect, no entity without its task.

Each test kills one process of a real deployment (the orders API of
taskapp.py and ``cravat worker`` processes, on SQLite or PostgreSQL, with
or without Celery on RabbitMQ) at one step, restarts what it killed, and
checks the outcome in the database: every order ACTIVE, each with exactly
one effect, nothing left PENDING, no order without its task. A kill at a
named step uses the kill points of ``cravat.tasks.faults``; a kill
mid-task waits for the task to be running first.
"""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest

from cravat.db.testing import DEFAULT_POSTGRESQL, scratch_postgresql
from tests.functional.taskharness import Deployment, RabbitNode, wait_until

BROKER = os.environ.get("CRAVAT_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")


@pytest.fixture
def deploy(tmp_path):
    made: list[Deployment] = []
    schemas = []

    def make(database: str, transport: str = "embedded", **settings):
        if database == "sqlite":
            url = f"sqlite:///{tmp_path}/orders.db"
        else:
            schema = scratch_postgresql(os.environ.get("CRAVAT_TEST_POSTGRESQL", DEFAULT_POSTGRESQL))
            url = schema.__enter__()
            schemas.append(schema)
        if transport == "celery":
            settings.setdefault("broker_url", BROKER)
            settings.setdefault("queue", f"cravat.test.{uuid.uuid4().hex[:8]}")
        deployment = Deployment(tmp_path, url, transport, **settings)
        deployment.migrate()
        made.append(deployment)
        return deployment

    yield make
    for deployment in made:
        deployment.close()
    for schema in schemas:
        schema.__exit__(None, None, None)


def assert_all_active_once(d: Deployment, orders: int) -> None:
    outcome = d.settled()
    assert outcome["orders"] == {"ACTIVE": orders}, outcome
    assert outcome["effects"] == [1] and outcome["effect_rows"] == orders, outcome
    assert outcome["orphans"] == 0, outcome
    assert set(outcome["tasks"]) == {"done"}, outcome


def kill_once(tmp_path, point: str) -> dict[str, str]:
    return {"CRAVAT_TASKS_KILL_AT": point, "CRAVAT_TASKS_KILL_ONCE": str(tmp_path / f"killed-{point}")}


# --- the embedded transport, on SQLite and on PostgreSQL -----------------------------------

@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_embedded_api_killed_before_its_commit_leaves_neither_order_nor_task(deploy, database):
    d = deploy(database)
    d.start_api(threads=1)
    with pytest.raises(OSError):
        d.client.post("/orders", json={"order": {"kill": "before-commit"}})
    d.api.kill()
    d.start_api(threads=1)
    d.order()
    outcome = d.settled()
    assert outcome["orders"] == {"ACTIVE": 1} and outcome["tasks"] == {"done": 1}, outcome


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_embedded_api_killed_after_its_commit_runs_the_task_on_restart(deploy, database, tmp_path):
    d = deploy(database)
    d.start_api(threads=1, **kill_once(tmp_path, "api-after-commit"))
    with pytest.raises(OSError):  # it died before answering
        d.order()
    d.api.kill()
    assert d.summary()["orders"] == {"PENDING": 1} and d.summary()["tasks"] == {"pending": 1}
    d.start_api(threads=1)
    assert_all_active_once(d, 1)


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_embedded_worker_killed_mid_task_is_reclaimed_at_once_on_restart(deploy, database):
    d = deploy(database)
    d.start_api(threads=0)
    worker = d.start_worker("--threads", "1")
    order_id = d.order(sleep=3)
    d.order()
    d.wait_state(order_id, "running")
    worker.kill()
    d.start_worker("--threads", "2")
    assert_all_active_once(d, 2)
    (attempts,) = d.sql("SELECT attempts FROM cravat_tasks WHERE entity = :o", o=order_id)[0]
    assert attempts == 2


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_a_thousand_tasks_across_two_worker_processes_each_take_effect_once(deploy, database):
    d = deploy(database)
    d.start_api(threads=0)
    insert = d.run("tasks", "list", "--app", "tests.functional.taskapp:app")  # the CLI sees the same table
    assert insert.returncode == 0, insert.stderr
    _enqueue_directly(d, 1000)
    d.start_worker("--threads", "2")
    d.start_worker("--threads", "2")
    assert_all_active_once(d, 1000)


def _enqueue_directly(d: Deployment, n: int) -> None:
    """n orders and their tasks, committed in batches as many requests would."""
    from cravat.db import database_of, db_now
    from cravat.tasks import tasks_of
    from tests.functional import taskapp

    api = taskapp.build_app(d.url, threads=0)
    database, tasks = database_of(api), tasks_of(api)
    for start in range(0, n, 250):
        with database.transaction(write=True) as session:
            client = tasks.client(session)
            for i in range(start, min(n, start + 250)):
                order_id = f"bulk-{i:04}-{uuid.uuid4().hex[:8]}"
                session.add(taskapp.Order(id=order_id, status="PENDING", created=session.scalar(db_now().select())))
                client.enqueue("orders.generate", order_id)
    database.stop()


# --- Celery on RabbitMQ, on PostgreSQL -----------------------------------------------------

def test_celery_api_killed_after_commit_before_publishing_loses_nothing(deploy, tmp_path):
    d = deploy("postgresql", "celery")
    d.start_worker("--concurrency", "1")
    d.start_api(**kill_once(tmp_path, "api-after-commit"))
    with pytest.raises(OSError):
        d.order()
    d.api.kill()
    assert d.sql("SELECT published_at FROM cravat_tasks")[0][0] is None  # committed, never published
    d.start_api()
    d.order()
    assert_all_active_once(d, 2)


def test_celery_relay_killed_between_publishing_and_marking_runs_the_task_once(deploy, tmp_path):
    d = deploy("postgresql", "celery")
    d.start_worker("--concurrency", "1")
    d.start_api(**kill_once(tmp_path, "relay-after-publish"))
    order_id = d.order()
    wait_until(lambda: d.api.popen.poll() is not None, 10, "the API's relay to die after publishing")
    d.start_api()
    d.order()
    assert_all_active_once(d, 2)
    (attempts,) = d.sql("SELECT attempts FROM cravat_tasks WHERE entity = :o", o=order_id)[0]
    assert attempts == 1  # run from the message the dead relay published; its row is not published again


def test_celery_worker_killed_mid_task_is_run_again_once(deploy):
    d = deploy("postgresql", "celery")
    d.start_api()
    worker = d.start_worker("--concurrency", "1")
    order_id = d.order(sleep=3)
    d.wait_state(order_id, "running")
    children = worker.children()
    worker.kill()
    for pid in children:  # the pool would finish the task orphaned: kill it too, as a crashed host would
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, 9)
    d.start_worker("--concurrency", "1")
    assert_all_active_once(d, 1)


def test_celery_child_killed_mid_task_is_rejected_and_run_again_once(deploy):
    d = deploy("postgresql", "celery")
    d.start_api()
    d.start_worker("--concurrency", "1")
    order_id = d.order(sleep=3)
    d.wait_state(order_id, "running")
    (owner,) = d.sql("SELECT lease_owner FROM cravat_tasks WHERE entity = :o", o=order_id)[0]
    os.kill(int(owner.split(":")[1]), 9)  # the pool child that holds the lease
    assert_all_active_once(d, 1)
    (attempts,) = d.sql("SELECT attempts FROM cravat_tasks WHERE entity = :o", o=order_id)[0]
    assert attempts == 2


def test_celery_worker_killed_after_commit_before_its_ack_skips_the_redelivery(deploy, tmp_path):
    d = deploy("postgresql", "celery")
    d.start_api()
    worker = d.start_worker("--concurrency", "1", **kill_once(tmp_path, "worker-after-commit"))
    order_id = d.order()
    wait_until(lambda: (tmp_path / "killed-worker-after-commit").exists(), 20, "the child to die after commit")
    d.order()
    assert_all_active_once(d, 2)
    wait_until(lambda: "skipped" in worker.text(), 20, "the redelivered message to be skipped")
    (attempts,) = d.sql("SELECT attempts FROM cravat_tasks WHERE entity = :o", o=order_id)[0]
    assert attempts == 1


def test_celery_child_killed_in_a_short_tasks_one_transaction_leaves_it_pending_then_runs_it_once(deploy, tmp_path):
    # A short task is claimed, run and finished in one transaction: killed before its commit, nothing of it
    # is saved (no effect, the row still pending, its attempt not counted), and its message, never
    # acknowledged, is delivered again and run the regular way: once in effect.
    d = deploy("postgresql", "celery")
    d.start_api()
    worker = d.start_worker("--concurrency", "1", **kill_once(tmp_path, "worker-before-commit"))
    order_id = d.order()
    wait_until(lambda: (tmp_path / "killed-worker-before-commit").exists(), 20, "the child to die before commit")
    assert_all_active_once(d, 1)
    (task,) = d.sql("SELECT attempts, lease_owner FROM cravat_tasks WHERE entity = :o", o=order_id)
    assert task.attempts == 1  # the killed attempt left nothing, its count included; the redelivery's counts
    # (Its row was locked when the relay marked it published, so a scan may publish it once more: a
    # duplicate, skipped, never a second effect: asserted above.)
    assert worker.text().count("ended: done") == 1


def test_rabbitmq_killed_right_after_a_burst_loses_no_task(deploy, tmp_path):
    node = RabbitNode(tmp_path / "rabbitmq")
    node.start()
    try:
        d = deploy("postgresql", "celery", broker_url=node.url)
        d.start_api()
        worker = d.start_worker("--concurrency", "2")
        orders = [d.order() for _ in range(40)]
        node.kill()
        orders += [d.order() for _ in range(10)]  # accepted while the broker is gone: kept in the outbox
        node.start()
        assert_all_active_once(d, len(orders))
        duplicates = worker.text().count(": skipped (")
        assert duplicates <= len(orders)  # bounded, and harmless: one effect each (above)
    finally:
        node.kill()
