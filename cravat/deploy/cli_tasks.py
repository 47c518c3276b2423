"""``cravat worker`` and ``cravat tasks``: run a service's task workers, and look after its tasks.

    cravat worker --app examples.compute_async:app [--threads 4 | --concurrency 4]
    cravat tasks list --app examples.compute_async:app [--state failed --state dead]
    cravat tasks retry   --app examples.compute_async:app TASK_ID
    cravat tasks discard --app examples.compute_async:app TASK_ID
"""

from __future__ import annotations

import argparse
import datetime
import logging
import sys
from typing import Any

from cravat.api.app import API
from cravat.db.errors import DatabaseUnavailable
from cravat.deploy.loading import LoadError, load_object
from cravat.deploy.server import LOG_FORMAT
from cravat.tasks import FAILED, PENDING, RUNNING, STATES, Tasks, tasks_of
from cravat.tasks.broker import BrokerUnavailable
from cravat.tasks.table import DEAD

#: What ``cravat tasks list`` shows unless told: everything not finished well.
UNFINISHED = (PENDING, RUNNING, FAILED, DEAD)


def register(commands: Any) -> None:
    worker = commands.add_parser(
        "worker", help="run a service's task workers",
        description="Run task workers until SIGTERM: embedded worker threads on the service's database, or, "
                    "on the celery transport, a Celery worker with cravat's wrapper and the outbox relay.")
    _app_argument(worker)
    worker.add_argument("--threads", type=_positive, help="worker threads (embedded transport)")
    worker.add_argument("--concurrency", type=_positive, help="Celery worker processes (celery transport)")
    worker.add_argument("--log-level", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR"),
                        help="INFO logs each task's start and end (default %(default)s)")
    worker.set_defaults(run=_worker)

    tasks = commands.add_parser("tasks", help="list, retry or discard a service's tasks")
    actions = tasks.add_subparsers(dest="tasks_command", required=True)
    listing = actions.add_parser("list", help="tasks by state (default: pending, running, failed, dead)")
    _app_argument(listing)
    listing.add_argument("--state", action="append", choices=STATES, help="a state to list (repeatable)")
    listing.add_argument("--limit", type=_positive, default=100)
    listing.set_defaults(run=_list)
    for name, help_text in (("retry", "run a failed, dead or discarded task again from its first attempt"),
                            ("discard", "set aside a pending, failed or dead task for good")):
        action = actions.add_parser(name, help=help_text)
        _app_argument(action)
        action.add_argument("task_id", help="the task's id (from cravat tasks list)")
        action.set_defaults(run=_change)


def _app_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--app", required=True, metavar="MODULE:ATTR",
                        help="the cravat API (with tasks attached), or a cravat.tasks.Tasks")


def tasks_from(spec: str) -> Tasks:
    obj = load_object(spec)
    tasks = tasks_of(obj) if isinstance(obj, API) else obj
    if not isinstance(tasks, Tasks):
        raise LoadError(f"{spec} is a {type(obj).__name__} with no cravat tasks (use Tasks(...).attach(api))")
    return tasks


def _worker(args: argparse.Namespace) -> int:
    logging.basicConfig(level=args.log_level, format=LOG_FORMAT)
    tasks = tasks_from(args.app)
    print(f"cravat worker: {tasks.transport} transport, {len(tasks.registry)} task(s) "
          f"({', '.join(sorted(tasks.registry))}), database {tasks.database.safe_url}", flush=True)
    try:
        return tasks.serve(threads=args.threads, concurrency=args.concurrency, log_level=args.log_level)
    except DatabaseUnavailable as exc:
        print(f"cravat worker: {exc}", file=sys.stderr)
        return 1
    except BrokerUnavailable as exc:
        print(f"cravat worker: {exc}", file=sys.stderr)
        return 1


def _list(args: argparse.Namespace) -> int:
    tasks = tasks_from(args.app)
    try:
        rows = tasks.list(tuple(args.state or UNFINISHED), args.limit)
        counts = tasks.counts()
    except DatabaseUnavailable as exc:
        print(f"cravat tasks list: {exc}", file=sys.stderr)
        return 1
    table = [("ID", "NAME", "ENTITY", "STATE", "ATTEMPTS", "CREATED", "REQUEST", "LAST ERROR")]
    for row in rows:
        table.append((row.id, row.name, row.entity, row.state, f"{row.attempts}/{row.max_attempts}",
                      _time(row.created_at), row.request_id or "-", (row.last_error or "")[:80]))
    widths = [max(len(r[i]) for r in table) for i in range(len(table[0]) - 1)]
    print("\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] for r in table))
    print(", ".join(f"{state} {counts.get(state, 0)}" for state in STATES))
    return 0


def _change(args: argparse.Namespace) -> int:
    tasks = tasks_from(args.app)
    command = args.tasks_command
    row = tasks.get(args.task_id)
    if row is None:
        print(f"cravat tasks {command}: no task has the id {args.task_id!r}", file=sys.stderr)
        return 1
    changed = tasks.retry(args.task_id) if command == "retry" else tasks.discard(args.task_id)
    if not changed:
        allowed = "failed, dead or discarded" if command == "retry" else "pending, failed or dead"
        print(f"cravat tasks {command}: task {args.task_id} is {row.state}; only a {allowed} task can be "
              f"{'retried' if command == 'retry' else 'discarded'}", file=sys.stderr)
        return 1
    print(f"task {args.task_id} ({row.name}, entity {row.entity}): "
          f"{'pending again' if command == 'retry' else 'discarded'}")
    return 0


def _time(epoch: float | None) -> str:
    if epoch is None:
        return "-"
    return datetime.datetime.fromtimestamp(epoch, datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)
