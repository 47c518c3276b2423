"""The task client: a task row in the entity's transaction, or an error at the enqueue naming why."""

import pytest

from cravat.tasks import EnqueueError


def test_an_order_and_its_task_are_saved_together(service):
    s = service(threads=0)
    order_id = s.order()
    (task,) = s.rows("SELECT name, entity, state, attempts, request_id FROM cravat_tasks")
    assert (task.name, task.entity, task.state, task.attempts) == ("orders.generate", order_id, "pending", 0)
    assert task.request_id.startswith("req-")


def test_a_rolled_back_transaction_leaves_neither_entity_nor_task(service):
    s = service(threads=0)
    with pytest.raises(RuntimeError), s.database.transaction(write=True) as session:
        s.tasks.client(session).enqueue("orders.generate", "o-1")
        raise RuntimeError("the request failed after enqueueing")
    assert s.rows("SELECT id FROM cravat_tasks") == []


def test_an_unknown_task_name_is_an_error_at_the_enqueue_naming_it(service):
    s = service(threads=0)
    answer = s.client.post("/orders", json={"order": {"task": "orders.nope"}})
    assert answer.status_code == 500
    assert answer.json["description"] == ("A task could not be enqueued: no task is named 'orders.nope' "
                                          "(registered: orders.audit, orders.generate).")
    assert s.rows("SELECT id FROM taskapp_orders") == []


def test_arguments_that_are_not_json_are_an_error_naming_the_argument(service):
    s = service(threads=0)
    answer = s.client.post("/orders", json={"order": {"argument": "not-json"}})
    assert answer.status_code == 500
    assert "task 'orders.generate': argument 'argument' (object) is not JSON" in answer.json["description"]
    assert s.rows("SELECT id FROM cravat_tasks") == []
    with s.database.transaction() as session, pytest.raises(EnqueueError, match="'ratio' .* not JSON"):
        s.tasks.client(session).enqueue("orders.generate", "o-1", {"ratio": float("nan")})


def test_one_live_task_per_entity_and_name(service):
    s = service(threads=0)
    with s.database.transaction(write=True) as session:
        s.tasks.client(session).enqueue("orders.generate", "o-1")
    with pytest.raises(Exception, match="(?i)unique|duplicate"), s.database.transaction(write=True) as session:
        s.tasks.client(session).enqueue("orders.generate", "o-1")
    with s.database.transaction(write=True) as session:  # another name, or another entity, is another task
        s.tasks.client(session).enqueue("orders.audit", "o-1")
        s.tasks.client(session).enqueue("orders.generate", "o-2")
    assert len(s.rows("SELECT id FROM cravat_tasks")) == 3
