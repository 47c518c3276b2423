"""A short task its request runs before its answer (embedded transport, ``in_request = "before_answer"``).

The request's thread runs it once the request's transaction has committed and its session closed, before
the answer is encoded: the answer's client finds the task done. The row waits, pending and not due, until
then, so no worker claims it.
"""

import pytest

from cravat.tasks import TaskSettings

from .test_after_answer import effects, post_unclosed, task_of


def test_the_request_runs_its_short_task_before_its_answer(service):
    s = service(threads=1, in_request="before_answer", in_request_grace=30)
    order_id, result = post_unclosed(s)
    # The app has returned, its answer unread and unclosed: the task has run on this thread, as attempt 1.
    assert not hasattr(result, "close")  # nothing is left for after the answer
    assert s.get(order_id)["status"] == "ACTIVE"
    task = task_of(s, order_id)
    assert (task.state, task.attempts) == ("done", 1)
    assert not task.lease_owner.rsplit("-", 1)[-1].isdigit()  # not a worker thread's owner (they end "-<n>")
    assert effects(s, order_id) == 1


def test_a_task_that_raises_before_the_answer_is_recorded_and_the_answer_is_still_given(service):
    s = service(threads=1, in_request="before_answer", in_request_grace=30)
    order_id, _ = post_unclosed(s, fail="refused")  # post_unclosed checks the answer is the 202
    order = s.get(order_id)
    assert (order["status"], order["error_status_code"], order["error_reason"]) == (
        "ERROR", "400", "bit_length 7 is not supported")
    task = task_of(s, order_id)
    assert (task.state, task.attempts) == ("failed", 1)
    assert effects(s, order_id) == 0


def test_a_transient_failure_before_the_answer_is_retried_by_the_workers(service):
    s = service(threads=1, in_request="before_answer", in_request_grace=30)
    order_id, _ = post_unclosed(s, fail="flaky")
    task = task_of(s, order_id)
    assert task.state in ("pending", "running", "dead") and "the HSM is busy" in task.last_error
    order = s.wait(order_id, until=lambda o: o["status"] == "ERROR", timeout=10)  # taskapp: 3 attempts, then dead
    assert task_of(s, order_id).attempts == 3 and order["error_status_code"] == "500"


def test_a_task_that_is_not_short_goes_to_the_workers_at_once(service):
    s = service(threads=1, in_request="before_answer", in_request_grace=30)
    order_id, _ = post_unclosed(s, sleep=0.01)  # taskapp: a task that sleeps is not short
    assert task_of(s, order_id).wait == pytest.approx(0, abs=1)
    assert s.wait(order_id, timeout=10)["status"] == "ACTIVE"
    assert task_of(s, order_id).lease_owner.endswith("-0")


def test_requests_run_their_short_tasks_before_their_answers_unless_told_otherwise():
    assert TaskSettings().in_request == "before_answer"
    with pytest.raises(ValueError, match="in_request 'later' is not one of before_answer, after_answer, no"):
        TaskSettings(in_request="later")


def test_a_task_run_in_its_request_logs_one_info_line_naming_task_entity_outcome_and_request(service, caplog):
    s = service(threads=1, in_request="before_answer", in_request_grace=30)
    caplog.set_level("INFO", logger="cravat.tasks")
    order_id, _ = post_unclosed(s)
    (task,) = s.rows("SELECT id, request_id FROM cravat_tasks")
    lines = [r.getMessage() for r in caplog.records if task.id in r.getMessage()]
    assert len(lines) == 1, lines
    assert "ended: done in" in lines[0] and order_id in lines[0] and task.request_id in lines[0]
