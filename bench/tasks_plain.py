"""Arm A of bench/tasks.py: plain Celery in Barbican's style, on the same orders, server and task.

The request commits the order, then casts the task (``apply_async``), as
Barbican's ``OrdersController.on_post`` does; Celery runs with its
defaults (acknowledged when the task starts, prefetch 4, a classic queue),
as a service that adopts Celery as it comes would. The task loads the
order, sets it ACTIVE and writes its effect row, as taskapp's does. With
``BENCH_AT_LEAST_ONCE=1`` (arm E) Celery gets B's delivery settings.

    BENCH_DATABASE_URL=... BENCH_BROKER_URL=... BENCH_QUEUE=... python -m bench.tasks_plain PORT
    BENCH_DATABASE_URL=... celery -A bench.tasks_plain:celery_app worker -c 2 -Q $BENCH_QUEUE
"""

from __future__ import annotations

import os
import signal
import sys
import uuid
from typing import Any

from celery import Celery

import cravat
import cravat.db
from tests.functional.taskapp import MIGRATIONS, ORDERS, Base, Effect

URL = os.environ.get("BENCH_DATABASE_URL", "sqlite:///bench-plain.db")
QUEUE = os.environ.get("BENCH_QUEUE", "bench.plain")
database = cravat.db.Database(URL, metadata=Base.metadata, migrations=[MIGRATIONS], name="taskapp")

celery_app = Celery("bench-plain", broker=os.environ.get("BENCH_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//"),
                    set_as_current=False)
celery_app.conf.update(task_default_queue=QUEUE, task_ignore_result=True, worker_enable_remote_control=False,
                       worker_send_task_events=False)
if os.environ.get("BENCH_AT_LEAST_ONCE"):  # arm E: the delivery settings cravat gives Celery (arm B)
    from kombu import Exchange, Queue

    from cravat.tasks.broker import quorum_arguments

    celery_app.conf.update(
        task_acks_late=True, task_reject_on_worker_lost=True, worker_prefetch_multiplier=1,
        broker_transport_options={"confirm_publish": True}, worker_detect_quorum_queues=True,
        task_queues=[Queue(QUEUE, Exchange(QUEUE, type="topic"), routing_key=QUEUE,
                           queue_arguments=quorum_arguments(QUEUE, 10))],
        task_default_exchange=QUEUE, task_default_routing_key=QUEUE)


@celery_app.task(name="plain.generate")
def generate(order_id: str) -> None:
    with database.transaction(write=True) as session:
        order = ORDERS.get(session, order_id)
        order.status = "ACTIVE"
        order.activated = session.scalar(cravat.db.db_now().select())
        session.add(Effect(order_id=order.id))


class Orders:
    @cravat.response(202)
    def create(self, req: cravat.Request, body: Any) -> Any:
        with database.transaction(write=True) as session:  # commit, then cast: Barbican's order
            order = ORDERS.create(session, id=str(uuid.uuid4()), status="PENDING",
                                  created=session.scalar(cravat.db.db_now().select()))
        generate.apply_async(args=[order.id], queue=QUEUE)
        return {"order_ref": req.url_for("orders:show", id=order.id)}

    def show(self, req: cravat.Request, id: str) -> Any:
        with database.transaction() as session:
            order = ORDERS.get(session, id)
            return {"status": order.status}


def build_app() -> cravat.API:
    api = cravat.API(error_style="barbican")
    cravat.db.install_error_handlers(api)
    api.resource("/orders", Orders())
    return api


def _cleanup(*_: Any) -> None:
    os._exit(0)


if __name__ == "__main__":
    from cravat.deploy.devserver import make_server

    server = make_server(build_app(), "127.0.0.1", int(sys.argv[1]))
    signal.signal(signal.SIGTERM, _cleanup)
    print(f"serving on {server.server_port}", flush=True)
    server.serve_forever()
