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


# A task that raises, fails for a while or is not short: as after the answer (test_after_answer.py, MODES).


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
