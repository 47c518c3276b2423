"""The orders service through a real HTTP server: PENDING to ACTIVE in under a second; faults as faults."""

from __future__ import annotations

import os
import threading
import time

import pytest

from cravat.db import database_of, migrations
from cravat.db.testing import DEFAULT_POSTGRESQL, scratch_postgresql
from cravat.tasks import tasks_of
from tests.functional import taskapp
from tests.functional.taskharness import TCPProxy, delete_queues, wait_until

POSTGRESQL = os.environ.get("CRAVAT_TEST_POSTGRESQL", DEFAULT_POSTGRESQL)
BROKER = os.environ.get("CRAVAT_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")


@pytest.fixture
def started():
    apis = []

    def start(api):
        migrations.upgrade(database_of(api))
        api.lifecycle.start()  # as a server's worker does before it serves
        apis.append(api)
        return api

    yield start
    for api in apis:
        api.lifecycle.stop()


def test_an_order_is_active_within_a_second_on_the_embedded_default(serve, started, tmp_path):
    api = started(taskapp.build_app(f"sqlite:///{tmp_path}/orders.db", transport="embedded", threads=2))
    client = serve(api)
    for _ in range(3):
        created = time.monotonic()
        answer = client.post("/orders", json={"order": {}})
        assert answer.status == 202
        path = answer.headers["Location"].replace(client.base_url, "")
        assert client.get(path).json()["status"] in ("PENDING", "ACTIVE")
        order = wait_until(lambda path=path: (o := client.get(path).json())["status"] == "ACTIVE" and o, 1.0,
                           "the order to be ACTIVE within 1 s")
        assert time.monotonic() - created < 1.0
        assert order["activated"] - order["created"] < 1.0  # by the database's clock


def test_the_database_gone_mid_request_is_a_503_in_the_apis_style_and_the_api_recovers(serve, started):
    with scratch_postgresql(POSTGRESQL) as url:
        migrations.upgrade(database_of(taskapp.build_app(url, threads=0)))
        proxy = TCPProxy(5432)
        try:
            api = started(taskapp.build_app(url.replace("127.0.0.1:5432", f"127.0.0.1:{proxy.port}"), threads=1))
            client = serve(api)
            assert client.post("/orders", json={"order": {}}).status == 202
            statuses: list[int] = []
            stop = threading.Event()

            def hammer():
                while not stop.is_set() and len(statuses) < 500:
                    statuses.append(client.post("/orders", json={"order": {}}).status)

            thread = threading.Thread(target=hammer)
            thread.start()
            time.sleep(0.3)
            proxy.cut()  # every connection reset, new ones refused: the database is gone
            wait_until(lambda: 503 in statuses, 10, "a 503 while the database is gone")
            during = client.post("/orders", json={"order": {}})
            assert during.status == 503
            assert during.json() == {"code": 503, "title": "Service Unavailable",
                                     "description": "The database is unavailable; try again later."}
            assert during.headers["Retry-After"] == "1"
            proxy.restore()
            wait_until(lambda: client.post("/orders", json={"order": {}}).status == 202, 10, "the API to recover")
            stop.set()
            thread.join(10)
            assert set(statuses) <= {202, 503}, statuses  # never a 500 with a traceback
            orders = client.get("/orders?limit=1000").json()
            # A commit the database made as the connection was cut may have been answered 503 (in doubt).
            assert orders["total"] >= statuses.count(202) + 2
            for order in orders["orders"]:  # every order saved has its task, and runs
                path = order["order_ref"].replace(client.base_url, "")
                wait_until(lambda path=path: client.get(path).json()["status"] == "ACTIVE", 10, f"{path} ACTIVE")
        finally:
            proxy.cut()


def test_a_broker_down_at_start_up_keeps_tasks_in_the_outbox_until_it_returns(serve, started):
    queue = f"cravat.test.{os.getpid()}.outbox"
    proxy = TCPProxy(5672)
    proxy.cut()  # the broker is down before the API starts
    try:
        with scratch_postgresql(POSTGRESQL) as url:
            broker = BROKER.replace("127.0.0.1:5672", f"127.0.0.1:{proxy.port}")
            api = started(taskapp.build_app(url, transport="celery", broker_url=broker, queue=queue, poll=0.2,
                                            relay_grace=0.2))
            client = serve(api)
            began = time.monotonic()
            paths = [client.post("/orders", json={"order": {}}).headers["Location"].replace(client.base_url, "")
                     for _ in range(3)]
            assert time.monotonic() - began < 3  # requests never wait for the broker
            tasks = tasks_of(api)
            time.sleep(0.5)
            rows = tasks.list(("pending",))
            assert len(rows) == 3 and all(r.published_at is None for r in rows)
            proxy.restore()
            wait_until(lambda: all(r.published_at for r in tasks.list(("pending",))) and
                       len(tasks.list(("pending",))) == 3, 15, "the relay to publish the outbox")
            worker = tasks.celery()  # run the published tasks as a Celery worker's wrapper would
            for row in tasks.list(("pending",)):
                assert tasks.run_one(row.id) == "done"
            assert worker is tasks.celery()
            for path in paths:
                assert client.get(path).json()["status"] == "ACTIVE"
    finally:
        proxy.cut()
        delete_queues(BROKER, [queue, f"{queue}.dead"])
