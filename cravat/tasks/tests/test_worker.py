"""The embedded worker: Barbican's template, retries, follow-ups, leases and their fence."""

import os
import subprocess
import threading
import time

import sqlalchemy as sa

from cravat.tasks import store
from cravat.tasks.runner import run_claimed
from cravat.tasks.worker import Worker


def effects(s, order_id):
    return len(s.rows("SELECT id FROM taskapp_effects WHERE order_id = :o", o=order_id))


def test_an_order_goes_active_through_a_worker_and_its_effect_happens_once(service):
    s = service(threads=2)
    order_id = s.order()
    order = s.wait(order_id)
    assert order["status"] == "ACTIVE"
    assert effects(s, order_id) == 1
    (task,) = s.rows("SELECT state, attempts, lease_owner FROM cravat_tasks")
    assert (task.state, task.attempts) == ("done", 1)


def test_a_task_that_raises_leaves_its_entity_in_error_and_the_worker_goes_on(service):
    s = service(threads=1)
    failing, after = s.order(fail="raise"), s.order()
    order = s.wait(failing)
    assert (order["status"], order["error_status_code"]) == ("ERROR", "500")
    assert order["error_reason"] == "RuntimeError: the key could not be generated"
    assert s.wait(after)["status"] == "ACTIVE"
    assert s.rows("SELECT state FROM cravat_tasks WHERE entity = :o", o=failing)[0].state == "failed"


def test_a_task_failed_for_good_records_its_own_code(service):
    s = service(threads=1)
    order = s.wait(s.order(fail="refused"))
    assert (order["error_status_code"], order["error_reason"]) == ("400", "bit_length 7 is not supported")


def test_a_task_that_keeps_failing_is_retried_with_backoff_then_dead(service):
    s = service(threads=1)
    order_id = s.order(fail="flaky")
    order = s.wait(order_id)
    assert order["status"] == "ERROR"
    assert order["error_reason"] == "gave up after 3 attempts: Flaky: the HSM is busy"
    (task,) = s.rows("SELECT state, attempts, last_error, started_at, created_at FROM cravat_tasks")
    assert (task.state, task.attempts) == ("dead", 3)
    # Backoff 0.05 then 0.1 s: the third attempt started at least 0.15 s after the task was written.
    assert task.started_at - task.created_at >= 0.15
    assert effects(s, order_id) == 0


def test_a_task_may_enqueue_a_follow_up_in_its_finishing_transaction(service):
    s = service(threads=1)
    order_id = s.order(follow=True)
    s.wait(order_id, until=lambda o: o["status"] == "ACTIVE")
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and len(s.rows("SELECT id FROM cravat_tasks WHERE state = 'done'")) < 2:
        time.sleep(0.02)
    names = sorted(r.name for r in s.rows("SELECT name FROM cravat_tasks WHERE state = 'done'"))
    assert names == ["orders.audit", "orders.generate"]


def test_a_worker_whose_lease_was_taken_over_records_nothing(service):
    s = service(threads=0)
    order_id = s.order()
    with s.database.connection(write=True) as conn:
        (slow,) = store.claim(conn, "host:1:slow", lease=0.01)
    time.sleep(0.05)  # its lease expires; another worker takes the task over and finishes it
    with s.database.connection(write=True) as conn:
        (fast,) = store.claim(conn, "host:2:fast", lease=30)
    assert run_claimed(s.tasks, fast, "host:2:fast").kind == "done"
    assert run_claimed(s.tasks, slow, "host:1:slow").kind == "lost"
    assert effects(s, order_id) == 1
    assert s.get(order_id)["status"] == "ACTIVE"


def test_the_tasks_of_a_dead_process_on_this_host_are_claimed_again_at_once(service):
    s = service(threads=0)
    order_id = s.order()
    dead = subprocess.Popen(["true"])
    dead.wait()
    with s.database.connection(write=True) as conn:
        store.claim(conn, f"{store.HOST}:{dead.pid}:gone", lease=3600)  # held for an hour by a dead pid
    worker = Worker(s.tasks, threads=1, poll=0.1, lease=30)
    worker.start()
    try:
        assert s.wait(order_id, timeout=5)["status"] == "ACTIVE"
    finally:
        worker.stop()
    (task,) = s.rows("SELECT attempts FROM cravat_tasks")
    assert task.attempts == 2


def test_a_live_processs_lease_is_left_alone_until_it_expires(service):
    s = service(threads=0)
    order_id = s.order()
    with s.database.connection(write=True) as conn:
        store.claim(conn, f"{store.HOST}:{os.getpid()}:busy", lease=0.5)
    worker = Worker(s.tasks, threads=1, poll=0.05, lease=30)
    worker.start()
    try:
        time.sleep(0.3)
        assert s.get(order_id)["status"] == "PENDING"
        assert s.wait(order_id, timeout=5)["status"] == "ACTIVE"
    finally:
        worker.stop()


def test_no_write_lock_is_held_while_a_task_works(service, database_url):
    s = service(threads=1)
    order_id = s.order(sleep=1.0)
    s.wait(order_id, until=lambda o: True)
    deadline = time.monotonic() + 5
    while not s.rows("SELECT id FROM cravat_tasks WHERE state = 'running'") and time.monotonic() < deadline:
        time.sleep(0.01)
    started = time.monotonic()
    with s.database.connection(write=True) as conn:  # on SQLite: BEGIN IMMEDIATE, the write lock
        conn.execute(sa.text("UPDATE taskapp_orders SET project_id = 'p' WHERE id = :o"), {"o": order_id})
    assert time.monotonic() - started < 0.5, "a writer waited for the task's work"
    assert s.wait(order_id)["status"] == "ACTIVE"


def test_the_worker_logs_each_tasks_start_and_end_with_its_request_id(service, caplog):
    s = service(threads=1)
    caplog.set_level("INFO", logger="cravat.tasks")
    order_id = s.order()
    s.wait(order_id)
    (task,) = s.rows("SELECT id, request_id FROM cravat_tasks")
    lines = [r.getMessage() for r in caplog.records if task.id in r.getMessage()]
    assert any("started" in line and "attempt 1 of 3" in line and task.request_id in line for line in lines)
    assert any("ended: done in" in line and task.request_id in line for line in lines)


def test_threads_of_one_worker_never_run_one_task_twice(service):
    s = service(threads=0)
    with s.database.transaction(write=True) as session:
        client = s.tasks.client(session)
        ids = [f"o-{n}" for n in range(40)]
        for order_id in ids:
            session.execute(sa.text("INSERT INTO taskapp_orders (id, status, created) VALUES (:i, 'PENDING', 0)"),
                            {"i": order_id})
            client.enqueue("orders.generate", order_id)
    worker = Worker(s.tasks, threads=4, poll=0.05, lease=30)
    worker.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and len(s.rows("SELECT id FROM cravat_tasks WHERE state = 'done'")) < 40:
            time.sleep(0.05)
    finally:
        worker.stop()
    rows = s.rows("SELECT order_id, COUNT(*) AS n FROM taskapp_effects GROUP BY order_id")
    assert sorted(r.order_id for r in rows) == sorted(ids)
    assert {r.n for r in rows} == {1}
    assert not threading.active_count() > 50


def test_a_backlog_of_short_tasks_is_claimed_and_ended_in_two_transactions(service):
    from sqlalchemy import event

    from cravat.tasks.runner import claim_and_run_many

    s = service(threads=0)
    orders = [s.order() for _ in range(4)] + [s.order(fail="raise"), s.order(fail="flaky")]
    commits = []
    event.listen(s.database.engine, "commit", lambda conn: commits.append(1))
    outcomes = claim_and_run_many(s.tasks, f"{store.HOST}:{os.getpid()}:batch", 30, limit=8)
    assert sorted(o.kind for o in outcomes) == ["done"] * 4 + ["failed", "retry"]
    # The claims, the four ends together, and the failure and the retry each on its own.
    assert len(commits) == 4
    assert [effects(s, o) for o in orders] == [1, 1, 1, 1, 0, 0]
    assert [s.get(o)["status"] for o in orders] == ["ACTIVE"] * 4 + ["ERROR", "PENDING"]
    states = dict(s.rows("SELECT entity, state FROM cravat_tasks"))
    assert [states[o] for o in orders] == ["done"] * 4 + ["failed", "pending"]


def test_a_worker_thread_claims_at_most_claim_batch_tasks(service):
    from cravat.tasks.runner import claim_and_run_many

    s = service(threads=0, claim_batch=3)
    orders = [s.order() for _ in range(5)]
    worker = Worker(s.tasks, threads=1, poll=0.1, lease=30)
    assert worker._batch() == 3
    assert len(claim_and_run_many(s.tasks, "host:1:a", 30, limit=worker._batch())) == 3
    assert sorted(s.get(o)["status"] for o in orders) == ["ACTIVE"] * 3 + ["PENDING"] * 2


def test_a_killed_process_not_yet_reaped_is_a_dead_lease_owner():
    # A worker killed with its pool: the child's lease must be freed even while nobody has reaped the child
    # (the zombie still answers kill(pid, 0)); this was a redelivered task skipped as "held by a live worker".
    import os
    import subprocess
    import time

    from cravat.tasks import store

    child = subprocess.Popen(["sleep", "30"])
    try:
        owner = f"{store.HOST}:{child.pid}:abcd1234"
        assert not store.owner_is_dead(owner)
        child.kill()
        deadline = time.monotonic() + 10
        while open(f"/proc/{child.pid}/stat").read().rsplit(")", 1)[1].split()[0] != "Z":
            assert time.monotonic() < deadline, "the child never became a zombie"
            time.sleep(0.01)
        assert os.path.exists(f"/proc/{child.pid}")  # not reaped: kill(pid, 0) still succeeds
        assert store.owner_is_dead(owner)
    finally:
        child.kill()
        child.wait()
    assert store.owner_is_dead(owner)
