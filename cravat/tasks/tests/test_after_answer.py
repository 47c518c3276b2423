"""A short task its request runs once the answer is sent (embedded transport, ``in_request = "after_answer"``).

The request's thread runs it when the server closes the answer; until then the row waits, pending and not
due, so no worker claims it; if the answer is never closed (or the process died), the workers take it when
the grace ends. Either way its effect happens once.
"""

import io
import json
import sys
import time

import pytest


def post_unclosed(s, **spec):
    """POST /orders straight into the app; the answer read but not closed, as a server between the two."""
    body = json.dumps({"order": spec}).encode()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/orders", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1",
               "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(body), "wsgi.errors": sys.stderr,
               "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(body))}
    answer = {}
    result = s.api(environ, lambda status, headers, exc_info=None: answer.setdefault("status", status))
    payload = json.loads(b"".join(result))
    assert answer["status"].startswith("202"), payload
    return payload["order_ref"].rsplit("/", 1)[1], result


def task_of(s, order_id):
    (row,) = s.rows("SELECT state, attempts, lease_owner, run_after - created_at AS wait, last_error "
                    f"FROM cravat_tasks WHERE entity = '{order_id}'")
    return row


def effects(s, order_id):
    return s.rows(f"SELECT COUNT(*) AS n FROM taskapp_effects WHERE order_id = '{order_id}'")[0].n


def test_the_request_runs_its_short_task_once_the_answer_is_closed(service):
    s = service(threads=1, in_request="after_answer", in_request_grace=30)
    order_id, result = post_unclosed(s)
    # Answered, not yet closed: the order is PENDING and its task waits, not due, for the request's thread.
    assert s.get(order_id)["status"] == "PENDING"
    task = task_of(s, order_id)
    assert (task.state, task.attempts, task.lease_owner) == ("pending", 0, None)
    assert task.wait == pytest.approx(30, abs=1)
    result.close()
    # close() returned: the task ran on this thread, as attempt 1, its effect written once.
    assert s.get(order_id)["status"] == "ACTIVE"
    task = task_of(s, order_id)
    assert (task.state, task.attempts) == ("done", 1)
    assert not task.lease_owner.rsplit("-", 1)[-1].isdigit()  # not a worker thread's owner (they end "-<n>")
    assert effects(s, order_id) == 1


def test_an_answer_never_closed_leaves_the_task_to_the_workers_after_the_grace(service):
    s = service(threads=1, in_request="after_answer", in_request_grace=0.3)
    order_id, _never_closed = post_unclosed(s)
    order = s.wait(order_id, timeout=10)
    assert order["status"] == "ACTIVE"
    task = task_of(s, order_id)
    assert task.state == "done" and task.lease_owner.endswith("-0")  # the worker thread's
    assert effects(s, order_id) == 1


def test_a_worker_that_took_it_first_makes_the_late_close_a_no_op(service):
    s = service(threads=1, in_request="after_answer", in_request_grace=30)
    order_id, result = post_unclosed(s)
    s.rows(f"UPDATE cravat_tasks SET run_after = 0 WHERE entity = '{order_id}' RETURNING id")  # the grace is over
    s.tasks._worker.wake()
    assert s.wait(order_id, timeout=10)["status"] == "ACTIVE"
    owner = task_of(s, order_id).lease_owner
    result.close()  # the request's run finds the task done: its result is dropped, nothing is written twice
    task = task_of(s, order_id)
    assert (task.state, task.attempts, task.lease_owner) == ("done", 1, owner)
    assert effects(s, order_id) == 1


#: The two ways a request runs its own short tasks; the tests below hold for both.
MODES = ("after_answer", "before_answer")


def finish(result):
    """What the server does once the answer is sent: close it (a before-answer run left nothing to close)."""
    close = getattr(result, "close", None)
    if close is not None:
        close()


@pytest.mark.parametrize("mode", MODES)
def test_a_task_that_is_not_short_goes_to_the_workers_at_once(service, mode):
    s = service(threads=1, in_request=mode, in_request_grace=30)
    order_id, result = post_unclosed(s, sleep=0.01)  # taskapp: a task that sleeps is not short
    assert task_of(s, order_id).wait == pytest.approx(0, abs=1)
    assert not hasattr(result, "close")  # nothing left for after the answer: the plain list of its bytes
    assert s.wait(order_id, timeout=10)["status"] == "ACTIVE"
    assert task_of(s, order_id).lease_owner.endswith("-0")


def test_a_process_with_no_worker_threads_leaves_its_tasks_to_worker_processes(service):
    s = service(threads=0, in_request="after_answer")
    order_id = s.order()
    time.sleep(0.1)
    assert s.get(order_id)["status"] == "PENDING"
    assert task_of(s, order_id).state == "pending"


@pytest.mark.parametrize("mode", MODES)
def test_a_task_that_raises_in_its_request_is_recorded_as_its_first_attempt(service, mode):
    s = service(threads=1, in_request=mode, in_request_grace=30)
    order_id, result = post_unclosed(s, fail="refused")  # the answer is the 202 all the same
    finish(result)
    order = s.get(order_id)
    assert (order["status"], order["error_status_code"], order["error_reason"]) == (
        "ERROR", "400", "bit_length 7 is not supported")
    task = task_of(s, order_id)
    assert (task.state, task.attempts) == ("failed", 1)
    assert effects(s, order_id) == 0


@pytest.mark.parametrize("mode", MODES)
def test_a_transient_failure_in_its_request_is_retried_by_the_workers(service, mode):
    s = service(threads=1, in_request=mode, in_request_grace=30)
    order_id, result = post_unclosed(s, fail="flaky")
    finish(result)
    task = task_of(s, order_id)
    assert task.state in ("pending", "running", "dead") and "the HSM is busy" in task.last_error
    order = s.wait(order_id, until=lambda o: o["status"] == "ERROR", timeout=10)  # taskapp: 3 attempts, then dead
    assert task_of(s, order_id).attempts == 3 and order["error_status_code"] == "500"
