"""The compute example with an asynchronous operation: server images, PENDING to ACTIVE through a worker.

``POST /servers/{id}/action {"createImage": {"name": "web-snap"}}`` answers
202 at once with the image's ``Location``: the image is saved PENDING with
its snapshot task, in one transaction. A worker takes the snapshot and sets
the image ACTIVE: threads in the API process by default, or ``cravat
worker`` processes, on the same database, or Celery on RabbitMQ with
``COMPUTE_TASK_TRANSPORT=celery``. ``GET /images`` pages Nova's way
(``limit``, ``marker``, ``images_links``). The rest is examples/compute.py.

    export COMPUTE_DATABASE_URL=sqlite:///compute.db            # the default; or postgresql://...
    cravat db upgrade --app examples.compute_async:app
    cravat serve --app examples.compute_async:app --bind 127.0.0.1:8774
    curl -si -X POST localhost:8774/servers/<id>/action -H 'Content-Type: application/json' \\
         -d '{"createImage": {"name": "web-snap"}}'
    curl -s localhost:8774/images/<image id>                      # "status": "PENDING", then "ACTIVE"
"""

from __future__ import annotations

import hashlib
import os
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy import Float, Integer, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

import cravat
import cravat.db
import cravat.tasks
from cravat import Result
from examples import compute

MIGRATIONS = Path(__file__).parent / "compute_migrations"


class Base(DeclarativeBase):
    pass


class Image(Base):
    __tablename__ = "compute_images"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str | None] = mapped_column(String(64))
    server_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16))
    checksum: Mapped[str | None] = mapped_column(String(64))
    size: Mapped[int | None] = mapped_column(Integer)
    error_status_code: Mapped[str | None] = mapped_column(String(16))
    error_reason: Mapped[str | None] = mapped_column(String(255))
    created: Mapped[float] = mapped_column(Float)
    updated: Mapped[float | None] = mapped_column(Float)


IMAGES = cravat.db.Repository(Image, label="Image")

CREATE_IMAGE = {
    "type": "object",
    "properties": {"createImage": {
        "type": "object",
        "properties": {"name": compute._NAME,
                       "metadata": {"type": "object", "additionalProperties": {"type": "string"}}},
        "required": ["name"],
        "additionalProperties": False,
    }},
    "required": ["createImage"],
    "additionalProperties": False,
}
LIST_QUERY = {
    "type": "object",
    "properties": {"limit": {"type": "integer", "minimum": 1}, "marker": {"type": "string"}},
    "additionalProperties": False,
}


class Snapshot(cravat.tasks.Task):
    """Take a server's snapshot: a checksum and a size, then the image is ACTIVE."""

    name = "compute.snapshot"
    repository = IMAGES
    max_attempts = 3

    def process(self, image: Image, run: cravat.tasks.TaskRun) -> dict[str, Any]:
        digest = hashlib.sha256(f"{image.server_id}:{image.name}".encode()).hexdigest()
        return {"checksum": digest, "size": 1024 * (1 + len(image.name))}

    def handle_success(self, session: Any, image: Image, result: Any, run: cravat.tasks.TaskRun) -> None:
        image.checksum, image.size = result["checksum"], result["size"]
        image.updated = session.scalar(cravat.db.db_now().select())
        super().handle_success(session, image, result, run)


class ImageActions:
    """``createImage`` on ``POST /servers/{id}/action``, beside compute's own os-start and os-stop."""

    def __init__(self, store: compute.ServerStore) -> None:
        self.store = store

    @cravat.rule("os_compute_api:servers:create_image", compute.CALLER, "Snapshot a server into an image.")
    @cravat.validate(body=CREATE_IMAGE)
    @cravat.action("createImage", status=202)
    def create_image(self, req: cravat.Request, id: str, body: Any, session: Any, tasks: Any) -> Result:
        self.store.get(id)  # 404 for a server that is not there
        image = IMAGES.create(session, id=str(uuid.uuid4()), project_id=req.path_params.get("project_id"),
                              server_id=id, name=body["createImage"]["name"], status="PENDING",
                              created=session.scalar(cravat.db.db_now().select()))
        tasks.enqueue(Snapshot.name, image.id, {"server_id": id})
        return Result({"image_id": image.id}, headers={"Location": req.url_for("images:show", id=image.id)})


class ImagesController:
    @cravat.rule("os_compute_api:images:index", compute.CALLER, "List images.")
    @cravat.validate(query=LIST_QUERY)
    def index(self, req: cravat.Request, session: Any, limit: int | None = None, marker: str | None = None) -> Any:
        page = cravat.db.marker_page(session, IMAGES.query(), Image.id, limit=limit, marker=marker,
                                     sort=Image.created)
        return {"images": [view(req, i) for i in page.items], "images_links": page.links(req)}

    @cravat.rule("os_compute_api:images:show", compute.CALLER, "Show an image.")
    def show(self, req: cravat.Request, session: Any, id: str) -> Any:
        return {"image": view(req, IMAGES.get(session, id))}


def view(req: cravat.Request, image: Image) -> dict[str, Any]:
    data = {"id": image.id, "name": image.name, "status": image.status, "server": {"id": image.server_id},
            "checksum": image.checksum, "size": image.size,
            "links": [{"rel": "self", "href": req.url_for("images:show", id=image.id)}]}
    if image.status == "ERROR":
        data["fault"] = {"code": image.error_status_code, "message": image.error_reason}
    return data


def build_app(database_url: str | None = None, task_transport: str | None = None, broker_url: str | None = None,
              task_threads: int | str | None = None, task_queue: str | None = None, **settings: Any) -> cravat.API:
    """The compute API with images on a database and snapshots as tasks (settings as in examples/compute.py).

    Unset arguments come from ``COMPUTE_DATABASE_URL``, ``COMPUTE_TASK_TRANSPORT`` (embedded or celery),
    ``COMPUTE_BROKER_URL``, ``COMPUTE_TASK_THREADS`` and ``COMPUTE_TASK_QUEUE``.
    """
    env = os.environ
    store = compute.ServerStore()
    api = compute.build_app(store=store, **settings)
    database = cravat.db.Database(database_url or env.get("COMPUTE_DATABASE_URL", "sqlite:///compute.db"),
                                  metadata=Base.metadata, migrations=[MIGRATIONS], name="compute")
    cravat.db.attach(api, database)
    task_settings: dict[str, Any] = {"transport": task_transport or env.get("COMPUTE_TASK_TRANSPORT", "embedded")}
    threads = task_threads if task_threads is not None else env.get("COMPUTE_TASK_THREADS")
    if threads is not None:
        task_settings["threads"] = int(threads)
    broker = broker_url or env.get("COMPUTE_BROKER_URL")
    if broker:
        task_settings["broker_url"] = broker
    queue = task_queue or env.get("COMPUTE_TASK_QUEUE")
    if queue:
        task_settings["queue"] = queue
    tasks = cravat.tasks.Tasks(database, **task_settings)
    tasks.register(Snapshot)
    tasks.attach(api)
    api.resource("/servers", ImageActions(store), name="servers")
    api.resource("/images", ImagesController())
    return api


app = build_app()
