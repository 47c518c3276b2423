"""The compute example's asynchronous operation: createImage goes PENDING to ACTIVE through a worker,
on the embedded transport and on Celery, against the real PostgreSQL and RabbitMQ."""

from __future__ import annotations

import os
import subprocess
import uuid

import pytest

from cravat.db import database_of, migrations
from cravat.db.testing import DEFAULT_POSTGRESQL, scratch_postgresql
from examples import compute_async
from tests.functional.taskharness import CRAVAT, ROOT, Proc, delete_queues, wait_until

POSTGRESQL = os.environ.get("CRAVAT_TEST_POSTGRESQL", DEFAULT_POSTGRESQL)
BROKER = os.environ.get("CRAVAT_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")
V25 = {"OpenStack-API-Version": "compute 2.5"}


@pytest.fixture
def database_url():
    with scratch_postgresql(POSTGRESQL) as url:
        yield url


def start(api):
    migrations.upgrade(database_of(api))
    api.lifecycle.start()
    return api


def a_server(client):
    answer = client.post("/servers", json={"server": {"name": "web-1"}})
    assert answer.status == 202
    return answer.json()["server"]["id"]


def create_image(client, server_id, name="web-snap"):
    answer = client.post(f"/servers/{server_id}/action", json={"createImage": {"name": name}})
    assert answer.status == 202, answer.body
    return answer.headers["Location"].replace(client.base_url, "")


def wait_active(client, path):
    return wait_until(lambda: (i := client.get(path).json()["image"])["status"] == "ACTIVE" and i, 15,
                      f"{path} to be ACTIVE")


def test_create_image_goes_pending_then_active_on_the_embedded_transport(serve, database_url):
    api = start(compute_async.build_app(database_url, task_transport="embedded", task_threads=1))
    try:
        client = serve(api)
        server_id = a_server(client)
        path = create_image(client, server_id)
        assert client.get(path).json()["image"]["status"] in ("PENDING", "ACTIVE")
        image = wait_active(client, path)
        assert image["server"] == {"id": server_id} and len(image["checksum"]) == 64 and image["size"] == 9216
    finally:
        api.lifecycle.stop()


def test_create_image_goes_pending_then_active_through_a_celery_worker(serve, database_url, tmp_path):
    queue = f"cravat.test.compute.{uuid.uuid4().hex[:8]}"
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COMPUTE_DATABASE_URL": database_url,
           "COMPUTE_TASK_TRANSPORT": "celery", "COMPUTE_BROKER_URL": BROKER, "COMPUTE_TASK_QUEUE": queue}
    api = start(compute_async.build_app(database_url, task_transport="celery", broker_url=BROKER, task_queue=queue))
    worker = Proc("worker", [CRAVAT, "worker", "--app", "examples.compute_async:app", "--concurrency", "1"], env,
                  tmp_path / "worker.log")
    try:
        wait_until(lambda: " ready." in worker.text() or worker.popen.poll() is not None, 30, "the Celery worker")
        client = serve(api)
        path = create_image(client, a_server(client))
        image = wait_active(client, path)
        assert image["checksum"]
        assert "compute.snapshot" in worker.text() and "ended: done" in worker.text()
    finally:
        worker.stop()
        api.lifecycle.stop()
        delete_queues(BROKER, [queue, f"{queue}.dead"])


def test_images_page_with_limit_and_marker_and_faults_are_novas(serve, database_url):
    api = start(compute_async.build_app(database_url, task_threads=1))
    try:
        client = serve(api)
        server_id = a_server(client)
        paths = [create_image(client, server_id, f"snap-{n}") for n in range(3)]
        first = client.get("/images?limit=2").json()
        assert [i["name"] for i in first["images"]] == ["snap-0", "snap-1"]
        (link,) = first["images_links"]
        rest = client.get(link["href"].replace(client.base_url, "")).json()
        assert [i["name"] for i in rest["images"]] == ["snap-2"] and rest["images_links"] == []
        missing = client.post("/servers/nope/action", json={"createImage": {"name": "x"}})
        assert (missing.status, missing.json()) == (404, {"itemNotFound": {
            "code": 404, "message": "Server nope could not be found."}})
        assert client.post(f"/servers/{server_id}/action", json={"createImage": {}}).status == 400
        assert client.get("/images/nope").json() == {"itemNotFound": {"code": 404,
                                                                      "message": "Image nope could not be found."}}
        for path in paths:
            wait_active(client, path)
    finally:
        api.lifecycle.stop()


def test_cravat_db_upgrades_the_example_and_cravat_tasks_looks_after_its_tasks(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COMPUTE_DATABASE_URL": f"sqlite:///{tmp_path}/compute.db"}

    def cravat(*argv):
        return subprocess.run([CRAVAT, *argv, "--app", "examples.compute_async:app"], env=env, cwd=ROOT,
                              capture_output=True, text=True, timeout=60)

    upgraded = cravat("db", "upgrade")
    assert upgraded.returncode == 0, upgraded.stderr
    assert "applied cravat_tasks_0001, compute_0001" in upgraded.stdout
    assert cravat("db", "upgrade").stdout.endswith("applied nothing (up to date)\n")
    assert cravat("db", "current").stdout.split("\n")[:2] == ["compute_0001 (head)", "cravat_tasks_0001 (head)"]

    api = compute_async.build_app(f"sqlite:///{tmp_path}/compute.db", task_threads=0)
    database = database_of(api)
    from cravat.tasks import tasks_of

    tasks = tasks_of(api)
    with database.transaction(write=True) as session:
        task_id = tasks.client(session, "req-cli").enqueue("compute.snapshot", "image-1")
    listed = cravat("tasks", "list")
    assert listed.returncode == 0
    assert task_id in listed.stdout and "pending" in listed.stdout and "req-cli" in listed.stdout
    refused = cravat("tasks", "retry", task_id)
    assert refused.returncode == 1
    assert f"task {task_id} is pending; only a failed, dead or discarded task can be retried" in refused.stderr
    assert cravat("tasks", "discard", task_id).returncode == 0
    assert tasks.get(task_id).state == "discarded"
    assert cravat("tasks", "retry", task_id).stdout.endswith("pending again\n")
    assert tasks.get(task_id).state == "pending" and tasks.get(task_id).attempts == 0
    unknown = cravat("tasks", "discard", "no-such-task")
    assert unknown.returncode == 1 and "no task has the id 'no-such-task'" in unknown.stderr
    database.stop()


def test_a_failing_migration_exits_1_naming_its_revision(tmp_path):
    versions = tmp_path / "versions"
    versions.mkdir()
    (versions / "bad_0001.py").write_text(
        'revision = "bad_0001"\ndown_revision = None\nbranch_labels = ("bad",)\ndepends_on = None\n'
        'from alembic import op\n\ndef upgrade():\n    op.create_table("t1")\n    op.execute("SELECT nope()")\n')
    (tmp_path / "badservice.py").write_text(
        "import cravat.db\n"
        f"database = cravat.db.Database('sqlite:///{tmp_path}/bad.db', migrations=[{str(versions)!r}])\n")
    done = subprocess.run([CRAVAT, "db", "upgrade", "--app", "badservice:database"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=60, env={**os.environ, "PYTHONPATH": str(tmp_path)})
    assert done.returncode == 1
    assert done.stderr.startswith("cravat db upgrade: migration bad_0001 failed and was rolled back: ")


def test_cravat_worker_exits_1_naming_a_database_that_is_down():
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COMPUTE_DATABASE_URL": "postgresql://compute:pw@127.0.0.1:1/none"}
    done = subprocess.run([CRAVAT, "worker", "--app", "examples.compute_async:app"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1
    assert "cravat worker: cannot connect to the database postgresql+psycopg://compute:***@127.0.0.1:1/none" \
        in done.stderr


def test_a_celery_worker_exits_1_naming_a_broker_that_is_down(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT), "COMPUTE_DATABASE_URL": f"sqlite:///{tmp_path}/c.db",
           "COMPUTE_TASK_TRANSPORT": "celery", "COMPUTE_BROKER_URL": "amqp://guest:secret@127.0.0.1:1//"}
    done = subprocess.run([CRAVAT, "worker", "--app", "examples.compute_async:app"], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "cravat worker: cannot reach the broker amqp://guest:**@127.0.0.1:1//" in done.stderr
    assert "secret" not in done.stderr
