"""A small compute API in Nova's shape: the service ``./dev serve`` starts.

It shows both declaration styles side by side: resource controllers for
``/servers`` and its ``/servers/{server_id}/ips`` sub-resource, and a verb
responder for ``/ping``. It speaks microversions 2.1 to 2.10: ``create``
has two implementations with different bodies and success codes (2.1-2.4 take
a name and answer 202; from 2.5 an image and flavor are required and the
answer is 201), and ``show`` adds a description from 2.3. State lives in
memory, per app.

    curl -s -X POST localhost:8774/servers -H 'Content-Type: application/json' \\
         -d '{"server": {"name": "web-1"}}'
    curl -s -X POST localhost:8774/servers -H 'Content-Type: application/json' \
         -H 'OpenStack-API-Version: compute 2.5' \
         -d '{"server": {"name": "web-2", "imageRef": "70a599e0-31e7-49b7-b260-868f441e862b", "flavorRef": "1"}}'
    curl -s -X POST localhost:8774/servers/<id>/action -H 'Content-Type: application/json' -d '{"os-stop": null}'
    cravat routes examples.compute:app
"""

from __future__ import annotations

import threading
import uuid
from typing import Any

import cravat
from cravat import Result, Variant, errors

MICROVERSIONS = cravat.Microversions("compute", "2.1", "2.10", legacy_header="X-OpenStack-Nova-API-Version")
VERSION = cravat.VersionInfo.of("v2.1", MICROVERSIONS, updated="2026-11-22T00:00:00Z",
                                media_type="application/vnd.openstack.compute+json;version=2.1")

_NAME = {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^\\S.*$"}
_UUID = {"type": "string", "format": "uuid"}

#: 2.1-2.4: a server has a name.
CREATE_V21 = {
    "type": "object",
    "properties": {"server": {"type": "object", "properties": {"name": _NAME},
                              "required": ["name"], "additionalProperties": False}},
    "required": ["server"],
    "additionalProperties": False,
}
#: 2.5 on: a server also needs an image and a flavor; metadata and networks are optional.
CREATE_V25 = {
    "type": "object",
    "properties": {"server": {
        "type": "object",
        "properties": {
            "name": _NAME,
            "imageRef": _UUID,
            "flavorRef": {"type": "string", "minLength": 1},
            "metadata": {"type": "object", "additionalProperties": {"type": "string", "maxLength": 255},
                         "maxProperties": 128},
            "networks": {"type": "array", "items": {"type": "object", "properties": {"uuid": _UUID},
                                                    "required": ["uuid"], "additionalProperties": False}},
        },
        "required": ["name", "imageRef", "flavorRef"],
        "additionalProperties": False,
    }},
    "required": ["server"],
    "additionalProperties": False,
}
UPDATE = CREATE_V21
LIST_QUERY = {
    "type": "object",
    "properties": {"name": {"type": "string"}, "limit": {"type": "integer", "minimum": 1}},
    "additionalProperties": False,
}


class ServerStore:
    """Servers by id, safe to share between the server's threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._servers: dict[str, dict[str, Any]] = {}

    def add(self, name: str, **fields: Any) -> dict[str, Any]:
        server = {"id": str(uuid.uuid4()), "name": name, "status": "ACTIVE", "description": None, **fields,
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


class ServersController:
    def __init__(self, store: ServerStore) -> None:
        self.store = store

    def _view(self, req: cravat.Request, server: dict[str, Any]) -> dict[str, Any]:
        return {"id": server["id"], "name": server["name"],
                "links": [{"rel": "self", "href": req.url_for("servers:show", id=server["id"])}]}

    @cravat.validate(query=LIST_QUERY)
    def index(self, req: cravat.Request, query: dict[str, Any]) -> dict[str, Any]:
        servers = [s for s in self.store.all() if query.get("name") in (None, s["name"])]
        return {"servers": [self._view(req, s) for s in servers[:query.get("limit")]]}

    @cravat.collection_action("GET", "detail")
    def detail(self, req: cravat.Request) -> dict[str, Any]:
        return {"servers": [self._detail(req, s) for s in self.store.all()]}

    def _detail(self, req: cravat.Request, server: dict[str, Any]) -> dict[str, Any]:
        detail = {**server, **self._view(req, server)}
        if req.version < "2.3":  # the description field arrived in 2.3
            detail.pop("description")
        return detail

    def show(self, req: cravat.Request, id: str) -> dict[str, Any]:
        return {"server": self._detail(req, self.store.get(id))}

    @cravat.versioned(
        Variant("2.1", "2.4", body=CREATE_V21, status=202),
        Variant("2.5", body=CREATE_V25, status=201, handler="create_with_image"),
    )
    def create(self, req: cravat.Request, body: Any) -> Result:
        return self._created(req, self.store.add(body["server"]["name"]))

    def create_with_image(self, req: cravat.Request, body: Any) -> Result:
        server = body["server"]
        return self._created(req, self.store.add(
            server["name"], image={"id": server["imageRef"]}, flavor={"id": server["flavorRef"]},
            metadata=server.get("metadata", {})))

    def _created(self, req: cravat.Request, server: dict[str, Any]) -> Result:
        location = req.url_for("servers:show", id=server["id"])
        return Result({"server": self._detail(req, server)}, headers={"Location": location})

    @cravat.validate(body=UPDATE)
    def update(self, req: cravat.Request, id: str, body: Any) -> dict[str, Any]:
        return {"server": self._detail(req, self.store.update(id, name=body["server"]["name"]))}

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


def build_app(store: ServerStore | None = None, **settings: Any) -> cravat.API:
    """A fresh compute API with its own store (or ``store``); ``settings`` go to ``cravat.APIOptions``."""
    settings.setdefault("error_style", "nova")
    settings.setdefault("project_id", "optional")
    settings.setdefault("microversions", MICROVERSIONS)
    api = cravat.API(**settings)
    store = store if store is not None else ServerStore()
    api.route("/", cravat.VersionDetail(VERSION))
    api.route("/ping", Ping())
    api.resource("/servers", ServersController(store))
    api.resource("/servers/{server_id}/ips", ServerIPsController(store), name="ips")
    return api


def build_versions_app() -> cravat.API:
    """The API's root document, ``GET /``: its versions, to mount beside the API at ``/v2.1``."""
    api = cravat.API(error_style="nova", microversions=MICROVERSIONS)
    api.route("/", cravat.VersionList([VERSION]))
    return api


app = build_app()
