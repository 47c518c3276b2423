"""The task tests run the orders service of tests/functional/taskapp.py on SQLite and on PostgreSQL."""

import time

import pytest

from cravat.db import database_of, migrations
from cravat.db.testing import scratch_database
from cravat.tasks import tasks_of
from cravat.testing import Client
from tests.functional import taskapp


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    with scratch_database(request.param, tmp_path) as url:
        yield url


class Service:
    """The orders API, migrated, its lifecycle started; ``threads`` embedded worker threads."""

    def __init__(self, url, **settings):
        # The workers' tests: a request leaves its task to them (test_after_answer.py has the request's own run).
        self.api = taskapp.build_app(url, **{"transport": "embedded", "poll": 0.1, "in_request": "no", **settings})
        self.database = database_of(self.api)
        self.tasks = tasks_of(self.api)
        migrations.upgrade(self.database)
        self.api.lifecycle.start()
        self.client = Client(self.api)

    def order(self, **spec):
        answer = self.client.post("/orders", json={"order": spec})
        assert answer.status_code == 202, answer.body
        return answer.json["order_ref"].rsplit("/", 1)[1]

    def get(self, order_id):
        return self.client.get(f"/orders/{order_id}").json

    def wait(self, order_id, *, until=lambda o: o["status"] != "PENDING", timeout=10.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            order = self.get(order_id)
            if until(order):
                return order
            time.sleep(0.02)
        raise AssertionError(f"order {order_id} is still {self.get(order_id)} after {timeout}s")

    def rows(self, sql, **params):
        with self.database.connection() as conn:
            return list(conn.exec_driver_sql(sql, params) if not params else conn.execute(_text(sql), params))

    def stop(self):
        self.api.lifecycle.stop()


def _text(sql):
    import sqlalchemy

    return sqlalchemy.text(sql)


@pytest.fixture
def service(database_url):
    started = []

    def make(**settings):
        s = Service(database_url, **settings)
        started.append(s)
        return s

    yield make
    for s in started:
        s.stop()
