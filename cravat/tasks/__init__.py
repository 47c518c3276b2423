"""Asynchronous tasks: the task table (a transactional outbox), the task base class, and two transports.

>>> tasks = cravat.tasks.Tasks(database)          # or transport="celery", broker_url=...
>>> tasks.register(Snapshot)                      # class Snapshot(cravat.tasks.Task): name = ...
>>> tasks.attach(api)                             # handlers that take ``tasks`` enqueue in their transaction
"""

from cravat.tasks.client import EnqueueError, TaskClient
from cravat.tasks.service import TRANSPORTS, Tasks, TaskSettings, TasksResource, tasks_of
from cravat.tasks.table import DEAD, DISCARDED, DONE, FAILED, LIVE, PENDING, RUNNING, STATES
from cravat.tasks.task import Task, TaskFailed, TaskRun

__all__ = [
    "DEAD",
    "DISCARDED",
    "DONE",
    "EnqueueError",
    "FAILED",
    "LIVE",
    "PENDING",
    "RUNNING",
    "STATES",
    "TRANSPORTS",
    "Task",
    "TaskClient",
    "TaskFailed",
    "TaskRun",
    "TaskSettings",
    "Tasks",
    "TasksResource",
    "tasks_of",
]
