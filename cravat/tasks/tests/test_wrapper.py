"""The Celery wrapper's body (``Tasks.run_one``) on PostgreSQL: a short task's first delivery in one transaction."""

import uuid

import pytest
from sqlalchemy import event

from cravat.db import database_of, migrations
from cravat.db.testing import scratch_database
from cravat.tasks import tasks_of
from tests.functional import taskapp


@pytest.fixture
def tasks(tmp_path):
    with scratch_database("postgresql", tmp_path) as url:
        api = taskapp.build_app(url, transport="celery", threads=0, queue=f"cravat.test.{uuid.uuid4().hex[:8]}")
        database = database_of(api)
        migrations.upgrade(database)
        database.start()
        try:
            yield tasks_of(api)
        finally:
            database.stop()


def order(tasks, **arguments):
    with tasks.database.transaction(write=True) as session:
        entity = taskapp.ORDERS.create(session, id=str(uuid.uuid4()), status="PENDING", created=0.0)
        return entity.id, tasks.client(session).enqueue("orders.generate", entity.id, arguments)


def commits(tasks):
    seen = []
    event.listen(tasks.database.engine, "commit", lambda conn: seen.append(1))
    return seen


def state(tasks, order_id, task_id):
    with tasks.database.connection() as conn:
        effects = conn.exec_driver_sql(f"SELECT COUNT(*) FROM taskapp_effects WHERE order_id = '{order_id}'").scalar()
        status = conn.exec_driver_sql(f"SELECT status FROM taskapp_orders WHERE id = '{order_id}'").scalar()
    row = tasks.get(task_id)
    return status, row.state, row.attempts, effects


def test_a_short_tasks_first_delivery_is_claimed_run_and_finished_in_one_transaction(tasks):
    order_id, task_id = order(tasks)
    seen = commits(tasks)
    assert tasks.run_one(task_id) == "done"
    assert len(seen) == 1
    assert state(tasks, order_id, task_id) == ("ACTIVE", "done", 1, 1)
    before = len(seen)
    assert tasks.run_one(task_id) == "skipped"  # a duplicate message: nothing runs, nothing is committed
    assert len(seen) == before
    assert state(tasks, order_id, task_id) == ("ACTIVE", "done", 1, 1)


def test_a_redelivered_message_takes_the_counted_way_a_claim_then_the_end(tasks):
    order_id, task_id = order(tasks)
    seen = commits(tasks)
    assert tasks.run_one(task_id, redelivered=True) == "done"
    assert len(seen) == 2
    assert state(tasks, order_id, task_id) == ("ACTIVE", "done", 1, 1)


def test_a_task_that_is_not_short_this_time_is_leased_while_it_runs(tasks):
    order_id, task_id = order(tasks, sleep=0.01)  # taskapp: a run with sleep is not short
    seen = commits(tasks)
    assert tasks.run_one(task_id) == "done"
    assert len(seen) == 2
    assert state(tasks, order_id, task_id) == ("ACTIVE", "done", 1, 1)


def test_a_short_task_that_raises_is_rolled_back_then_recorded_once_without_running_again(tasks, caplog):
    caplog.set_level("INFO", logger="cravat.tasks")
    order_id, task_id = order(tasks, fail="raise")
    assert tasks.run_one(task_id) == "failed"
    assert state(tasks, order_id, task_id) == ("ERROR", "failed", 1, 0)
    lines = [r.getMessage() for r in caplog.records if task_id in r.getMessage()]
    assert sum("started" in line for line in lines) == 1
    assert sum("ended: failed" in line for line in lines) == 1
    assert sum(r.getMessage().startswith("task orders.generate") and "failed:" in r.getMessage()
               for r in caplog.records) == 1  # the handler's error, logged once


def test_a_short_task_retried_goes_back_to_pending_with_its_attempt_counted(tasks):
    order_id, task_id = order(tasks, fail="flaky")
    assert tasks.run_one(task_id) == "retry"
    row = tasks.get(task_id)
    assert (row.state, row.attempts, row.published_at) == ("pending", 1, None)


# --- one message, several ids: the relay groups them under load ---------------------------------------

def test_a_group_of_short_tasks_ends_in_one_transaction(tasks):
    made = [order(tasks) for _ in range(3)]
    seen = commits(tasks)
    assert tasks.run_many([task_id for _, task_id in made]) == ["done"] * 3
    assert len(seen) == 1
    for order_id, task_id in made:
        assert state(tasks, order_id, task_id) == ("ACTIVE", "done", 1, 1)
    assert tasks.run_many([task_id for _, task_id in made]) == ["skipped"] * 3  # the message again: nothing runs
    for order_id, task_id in made:
        assert state(tasks, order_id, task_id) == ("ACTIVE", "done", 1, 1)


def test_a_group_with_one_task_that_raises_ends_each_on_its_own(tasks):
    good, bad = order(tasks), order(tasks, fail="raise")
    assert tasks.run_many([good[1], bad[1]]) == ["done", "failed"]
    assert state(tasks, *good) == ("ACTIVE", "done", 1, 1)
    assert state(tasks, *bad) == ("ERROR", "failed", 1, 0)  # rolled back with the group, then run once alone


def test_a_group_holding_a_task_done_already_runs_the_others_once(tasks):
    first, second = order(tasks), order(tasks)
    assert tasks.run_one(first[1]) == "done"
    assert tasks.run_many([first[1], second[1]]) == ["skipped", "done"]
    assert state(tasks, *first) == ("ACTIVE", "done", 1, 1)
    assert state(tasks, *second) == ("ACTIVE", "done", 1, 1)
