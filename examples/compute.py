"""A small compute API in Nova's shape: the service ``./dev serve`` starts.

It shows both declaration styles side by side: resource controllers for
``/servers`` and its ``/servers/{server_id}/ips`` sub-resource, and a verb
responder for ``/ping``. State lives in memory, per app.

    curl -s -X POST localhost:8774/servers -H 'Content-Type: application/json' \\
         -d '{"server": {"name": "web-1"}}'
    curl -s -X POST localhost:8774/servers/<id>/action -d '{"os-stop": null}'
    cravat routes examples.compute:app
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import cravat
from cravat import Result, errors


class ServerStore:
    """Servers by id, safe to share between the server's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._servers: dict[str, dict[str, Any]] = {}

    def add(self, name: str) -> dict[str, Any]:
        server = {"id": str(uuid.uuid4()), "name": name, "status": "ACTIVE",
                  "addresses": {"private": [{"addr": f"10.0.0.{len(self._servers) + 2}", "version": 4}]}}
        with self._lock:
            self._servers[server["id"]] = server
        return dict(server)

    def get(self, server_id: str) -> dict[str, Any]:
        with self._lock:
            server = self._servers.get(server_id)
        if server is None:
            raise errors.NotFound(f"Server {server_id} could not be found.")
        return server

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            return list(self._servers.values())

    def update(self, server_id: str, **changes: Any) -> dict[str, Any]:
        with self._lock:
            server = self._servers.get(server_id)
            if server is None:
                raise errors.NotFound(f"Server {server_id} could not be found.")
            server.update(changes)
            return dict(server)

    def remove(self, server_id: str) -> None:
        with self._lock:
            if self._servers.pop(server_id, None) is None:
                raise errors.NotFound(f"Server {server_id} could not be found.")


def _server_name(body: Any) -> str:
    """The name in ``{"server": {"name": ...}}``, or a 400 naming what is missing."""
    server = body.get("server") if isinstance(body, dict) else None
    if not isinstance(server, dict):
        raise errors.BadRequest("The body must be an object with a 'server' object.")
    name = server.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 255:
        raise errors.BadRequest("server.name must be a non-empty string of at most 255 characters.")
    return name


class ServersController:
    def __init__(self, store: ServerStore) -> None:
        self.store = store

    def _view(self, req: cravat.Request, server: dict[str, Any]) -> dict[str, Any]:
        return {"id": server["id"], "name": server["name"],
                "links": [{"rel": "self", "href": req.url_for("servers:show", id=server["id"])}]}

    def index(self, req: cravat.Request) -> dict[str, Any]:
        return {"servers": [self._view(req, s) for s in self.store.all()]}

    @cravat.collection_action("GET", "detail")
    def detail(self, req: cravat.Request) -> dict[str, Any]:
        return {"servers": [{**s, **self._view(req, s)} for s in self.store.all()]}

    def show(self, req: cravat.Request, id: str) -> dict[str, Any]:
        server = self.store.get(id)
        return {"server": {**server, **self._view(req, server)}}

    @cravat.response(202)
    def create(self, req: cravat.Request, body: Any) -> Result:
        server = self.store.add(_server_name(body))
        location = req.url_for("servers:show", id=server["id"])
        return Result({"server": {**server, **self._view(req, server)}}, headers={"Location": location})

    def update(self, req: cravat.Request, id: str, body: Any) -> dict[str, Any]:
        server = self.store.update(id, name=_server_name(body))
        return {"server": {**server, **self._view(req, server)}}

    def delete(self, req: cravat.Request, id: str) -> None:
        self.store.remove(id)

    @cravat.action("os-stop", status=202)
    def stop(self, req: cravat.Request, id: str, body: Any) -> None:
        if self.store.get(id)["status"] == "SHUTOFF":
            raise errors.Conflict(f"Server {id} is already stopped.")
        self.store.update(id, status="SHUTOFF")

    @cravat.action("os-start", status=202)
    def start(self, req: cravat.Request, id: str, body: Any) -> None:
        if self.store.get(id)["status"] == "ACTIVE":
            raise errors.Conflict(f"Server {id} is already active.")
        self.store.update(id, status="ACTIVE")


class ServerIPsController:
    """``/servers/{server_id}/ips``: a server's addresses by network."""

    def __init__(self, store: ServerStore) -> None:
        self.store = store

    def index(self, req: cravat.Request, server_id: str) -> dict[str, Any]:
        return {"addresses": self.store.get(server_id)["addresses"]}

    def show(self, req: cravat.Request, server_id: str, id: str) -> dict[str, Any]:
        addresses = self.store.get(server_id)["addresses"]
        if id not in addresses:
            raise errors.NotFound(f"Server {server_id} has no addresses on network {id!r}.")
        return {id: addresses[id]}


class Ping:
    """A verb responder, Falcon's style."""

    def on_get(self, req: cravat.Request) -> dict[str, str]:
        return {"ping": "pong"}


def build_app(**settings: Any) -> cravat.API:
    """A fresh compute API with its own store; ``settings`` go to ``cravat.APIOptions``."""
    settings.setdefault("error_style", "nova")
    settings.setdefault("project_id", "optional")
    api = cravat.API(**settings)
    store = ServerStore()
    api.route("/ping", Ping())
    api.resource("/servers", ServersController(store))
    api.resource("/servers/{server_id}/ips", ServerIPsController(store), name="ips")
    return api


app = build_app()
