"""A Barbican-shaped orders service for the task tests and the benchmark.

``POST /orders`` saves an order PENDING and enqueues ``orders.generate`` in
the same transaction, and answers 202 at once; the worker "generates the
key" and sets the order ACTIVE, writing one ``effects`` row: the suite
counts those rows to prove each task's effect happened exactly once. The
order body steers the task, for the fault tests: ``sleep`` (seconds of
work), ``fail`` ("raise": the task raises; "flaky": it raises a retried
error every time), ``kill`` ("before-commit": the API process SIGKILLs
itself after enqueueing, before its transaction commits).

Configured from the environment (so ``cravat worker`` and the server build the same app)::

    TASKAPP_DATABASE_URL   sqlite:///... or postgresql://...
    TASKAPP_TRANSPORT      embedded | celery
    TASKAPP_THREADS        worker threads in the API process (embedded)
    TASKAPP_QUEUE          the RabbitMQ queue (celery)
    TASKAPP_BROKER_URL     amqp://...
    TASKAPP_IN_REQUEST     before_answer, after_answer or no: when requests run their short tasks (embedded)

    python -m tests.functional.taskapp PORT     # start the lifecycle, serve on 127.0.0.1:PORT
"""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import cravat
import cravat.db
import cravat.tasks
from cravat import Result

MIGRATIONS = Path(__file__).parent / "taskapp_migrations"


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "taskapp_orders"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(16))
    error_status_code: Mapped[str | None] = mapped_column(String(16))
    error_reason: Mapped[str | None] = mapped_column(String(255))
    created: Mapped[float] = mapped_column(Float)
    activated: Mapped[float | None] = mapped_column(Float)


class Effect(Base):
    __tablename__ = "taskapp_effects"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    order_id: Mapped[str] = mapped_column(String(36))


ORDERS = cravat.db.Repository(Order, label="Order")


class Flaky(Exception):
    """A transient failure: retried with backoff."""


class GenerateKey(cravat.tasks.Task):
    """Barbican's BeginTypeOrder, reduced: the key is made, the order ACTIVE."""

    name = "orders.generate"
    repository = ORDERS
    short = True  # a key's generation: a moment's work
    max_attempts = 3
    backoff = 0.05
    retry_on = (Flaky,)

    def is_short(self, run: cravat.tasks.TaskRun) -> bool:
        return not run.arguments.get("sleep")  # the fault tests stretch it to kill a worker mid-task

    def process(self, order: Order, run: cravat.tasks.TaskRun) -> dict[str, Any]:
        time.sleep(float(run.arguments.get("sleep", 0)))
        fail = run.arguments.get("fail")
        if fail == "raise":
            raise RuntimeError("the key could not be generated")
        if fail == "flaky":
            raise Flaky("the HSM is busy")
        if fail == "refused":
            raise cravat.tasks.TaskFailed("bit_length 7 is not supported", code=400)
        return {"bits": 256}

    def handle_success(self, session: Any, order: Order, result: Any, run: cravat.tasks.TaskRun) -> None:
        session.add(Effect(order_id=order.id))
        order.activated = session.scalar(cravat.db.db_now().select())
        super().handle_success(session, order, result, run)
        if run.arguments.get("follow"):
            run.tasks.enqueue("orders.audit", order.id)


class Audit(cravat.tasks.Task):
    """A follow-up task the first one enqueues."""

    name = "orders.audit"
    repository = ORDERS
    short = True

    def process(self, order: Order, run: cravat.tasks.TaskRun) -> None:
        return None

    def handle_success(self, session: Any, order: Order, result: Any, run: cravat.tasks.TaskRun) -> None:
        order.error_reason = "audited"


ORDER_BODY = {
    "type": "object",
    "properties": {"order": {
        "type": "object",
        "properties": {
            "sleep": {"type": "number", "minimum": 0, "maximum": 30},
            "fail": {"enum": ["raise", "flaky", "refused"]},
            "kill": {"enum": ["before-commit"]},
            "follow": {"type": "boolean"},
            "task": {"type": "string"},
            "argument": {},
        },
        "additionalProperties": False,
    }},
    "required": ["order"],
    "additionalProperties": False,
}
LIST_QUERY = {
    "type": "object",
    "properties": {"limit": {"type": "integer", "minimum": 1}, "offset": {"type": "integer", "minimum": 0}},
    "additionalProperties": False,
}


class Orders:
    @cravat.validate(query=LIST_QUERY)
    def index(self, req: cravat.Request, session: Any, limit: int | None = None, offset: int | None = None) -> Any:
        page = cravat.db.offset_page(session, ORDERS.query(), Order.created, limit=limit, offset=offset)
        return {"orders": [view(req, o) for o in page.items], "total": page.total, **page.links(req)}

    @cravat.validate(body=ORDER_BODY)
    @cravat.response(202)
    def create(self, req: cravat.Request, session: Any, tasks: Any, body: Any) -> Result:
        spec = body["order"]
        order = ORDERS.create(session, id=str(uuid.uuid4()), status="PENDING",
                              created=session.scalar(cravat.db.db_now().select()))
        arguments = {k: spec[k] for k in ("sleep", "fail", "follow") if k in spec}
        if "argument" in spec or "task" in spec:  # bad input the client controls, for the enqueue errors
            arguments["argument"] = object() if spec.get("argument") == "not-json" else spec.get("argument")
        tasks.enqueue(spec.get("task", "orders.generate"), order.id, arguments)
        if spec.get("kill") == "before-commit":
            os.kill(os.getpid(), signal.SIGKILL)
        href = req.url_for("orders:show", id=order.id)
        return Result({"order_ref": href}, headers={"Location": href})

    def show(self, req: cravat.Request, session: Any, id: str) -> Any:
        return view(req, ORDERS.get(session, id))


def view(req: cravat.Request, order: Order) -> dict[str, Any]:
    data = {"order_ref": req.url_for("orders:show", id=order.id), "status": order.status,
            "created": order.created, "activated": order.activated}
    if order.status == "ERROR":
        data.update(error_status_code=order.error_status_code, error_reason=order.error_reason)
    return data


def settings_from_env() -> dict[str, Any]:
    env = os.environ
    settings: dict[str, Any] = {"transport": env.get("TASKAPP_TRANSPORT", "embedded")}
    for name, key, kind in (("threads", "TASKAPP_THREADS", int), ("queue", "TASKAPP_QUEUE", str),
                            ("broker_url", "TASKAPP_BROKER_URL", str), ("lease", "TASKAPP_LEASE", float),
                            ("sweep_after", "TASKAPP_SWEEP_AFTER", float), ("poll", "TASKAPP_POLL", float),
                            ("relay_grace", "TASKAPP_RELAY_GRACE", float),
                            ("concurrency", "TASKAPP_CONCURRENCY", int),
                            ("claim_batch", "TASKAPP_CLAIM_BATCH", int),
                            ("in_request", "TASKAPP_IN_REQUEST", str),
                            ("per_message", "TASKAPP_PER_MESSAGE", int),
                            ("relay_linger", "TASKAPP_RELAY_LINGER", float)):
        if env.get(key):
            settings[name] = kind(env[key])
    return settings


def build_app(database_url: str | None = None, **task_settings: Any) -> cravat.API:
    url = database_url or os.environ.get("TASKAPP_DATABASE_URL", "sqlite:///taskapp.db")
    api = cravat.API(error_style="barbican")
    database = cravat.db.Database(url, metadata=Base.metadata, migrations=[MIGRATIONS], name="taskapp")
    cravat.db.attach(api, database)
    tasks = cravat.tasks.Tasks(database, **{**settings_from_env(), **task_settings})
    tasks.register(GenerateKey)
    tasks.register(Audit)
    tasks.attach(api)
    api.resource("/orders", Orders())
    return api


def serve(port: int) -> None:
    """The API process of the fault tests: its lifecycle started, then the stdlib server."""
    import logging

    from cravat.deploy.devserver import make_server

    logging.basicConfig(level=os.environ.get("TASKAPP_LOG_LEVEL", "INFO"),
                        format="%(asctime)s %(process)d %(levelname)s %(name)s %(message)s")
    api = build_app()
    api.lifecycle.start()
    server = make_server(api, "127.0.0.1", port)
    signal.signal(signal.SIGTERM, lambda *_: (api.lifecycle.stop(), os._exit(0)))
    print(f"serving on {server.server_port}", flush=True)
    server.serve_forever()


app = build_app() if os.environ.get("TASKAPP_DATABASE_URL") else None

if __name__ == "__main__":
    serve(int(sys.argv[1]))
