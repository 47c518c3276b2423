"""A small compute API in Nova's shape: the service ``./dev serve`` starts.

It shows both declaration styles side by side: resource controllers for
``/servers`` and its ``/servers/{server_id}/ips`` sub-resource, and a verb
responder for ``/ping``. It speaks microversions 2.1 to 2.10: ``create``
has two implementations with different bodies and success codes (2.1-2.4 take
a name and answer 202; from 2.5 an image and flavor are required and the
answer is 201), and ``show`` adds a description from 2.3. State lives in
memory, per app.

Every operation names its policy rule, with its default declared beside it
(``@cravat.rule``); the tutorial's defaults let any caller in
(``compute_caller`` is ``@``), and a policy file overrides them
(``policy_file=``). Extensions installed in the ``compute.api.extensions``
entry point group load at start-up (``examples/compute-extensions`` has two:
``os-server-tags`` and ``os-extended-status``); ``os-server-tags`` is core,
so the API does not start without it. The servers controller calls the
extension points ``servers.create`` and ``servers.update`` so those
extensions can add to a server, or refuse it, without code here.

    curl -s -X POST localhost:8774/servers -H 'Content-Type: application/json' \\
         -d '{"server": {"name": "web-1"}}'
    curl -s -X POST localhost:8774/servers -H 'Content-Type: application/json' \
         -H 'OpenStack-API-Version: compute 2.5' \
         -d '{"server": {"name": "web-2", "imageRef": "70a599e0-31e7-49b7-b260-868f441e862b", "flavorRef": "1"}}'
    curl -s -X POST localhost:8774/servers/<id>/action -H 'Content-Type: application/json' -d '{"os-stop": null}'
    curl -s localhost:8774/extensions
    cravat routes examples.compute:app
    cravat policy sample examples.compute:app
"""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Any

import cravat
from cravat import Result, Variant, errors
from cravat.extensions import ExtensionPoints, load_extensions
from cravat.policy import Policy, RuleDefault

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


#: Rules the operations' defaults refer to; an operator redefines them in the policy file.
BASE_RULES = [
    RuleDefault("compute_caller", "@", "Who may use the compute API at all. The tutorial lets anyone in; "
                "behind keystone, make it 'role:member and project_id:%(project_id)s'."),
    RuleDefault("context_is_admin", "role:admin", "An administrator of the compute API."),
]
CALLER = "rule:compute_caller"

#: Where extensions hook into the servers controller (Nova's server create/update extension points).
POINTS = {
    "servers.create": "(req, body, values): body is the request's server; add fields to values (the server "
                      "to be created), or raise a fault to refuse it",
    "servers.update": "(req, id, body, values): as servers.create, for an update of server id",
}
#: Extensions without which the API does not start.
CORE_EXTENSIONS = ("os-server-tags",)


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


@dataclass(frozen=True)
class ComputeServices:
    """What the compute API hands its extensions (as ``self.context``)."""

    store: ServerStore
    policy: Policy


class ServersController:
    def __init__(self, store: ServerStore, points: ExtensionPoints) -> None:
        self.store = store
        self.points = points

    def _view(self, req: cravat.Request, server: dict[str, Any]) -> dict[str, Any]:
        return {"id": server["id"], "name": server["name"],
                "links": [{"rel": "self", "href": req.url_for("servers:show", id=server["id"])}]}

    @cravat.validate(query=LIST_QUERY)
    @cravat.rule("os_compute_api:servers:index", CALLER, "List servers.")
    def index(self, req: cravat.Request, query: dict[str, Any]) -> dict[str, Any]:
        servers = [s for s in self.store.all() if query.get("name") in (None, s["name"])]
        return {"servers": [self._view(req, s) for s in servers[:query.get("limit")]]}

    @cravat.collection_action("GET", "detail")
    @cravat.rule("os_compute_api:servers:detail", CALLER, "List servers with details.")
    def detail(self, req: cravat.Request) -> dict[str, Any]:
        return {"servers": [self._detail(req, s) for s in self.store.all()]}

    def _detail(self, req: cravat.Request, server: dict[str, Any]) -> dict[str, Any]:
        detail = {**server, **self._view(req, server)}
        if req.version < "2.3":  # the description field arrived in 2.3
            detail.pop("description")
        return detail

    @cravat.rule("os_compute_api:servers:show", CALLER, "Show a server.")
    def show(self, req: cravat.Request, id: str) -> dict[str, Any]:
        return {"server": self._detail(req, self.store.get(id))}

    @cravat.versioned(
        Variant("2.1", "2.4", body=CREATE_V21, status=202),
        Variant("2.5", body=CREATE_V25, status=201, handler="create_with_image"),
    )
    @cravat.rule("os_compute_api:servers:create", CALLER, "Create a server.")
    def create(self, req: cravat.Request, body: Any) -> Result:
        return self._create(req, body["server"], {})

    def create_with_image(self, req: cravat.Request, body: Any) -> Result:
        server = body["server"]
        return self._create(req, server, {"image": {"id": server["imageRef"]}, "flavor": {"id": server["flavorRef"]},
                                          "metadata": server.get("metadata", {})})

    def _create(self, req: cravat.Request, server: dict[str, Any], values: dict[str, Any]) -> Result:
        self.points.run("servers.create", req, body=server, values=values)  # extensions add, or refuse
        return self._created(req, self.store.add(server["name"], **values))

    def _created(self, req: cravat.Request, server: dict[str, Any]) -> Result:
        location = req.url_for("servers:show", id=server["id"])
        return Result({"server": self._detail(req, server)}, headers={"Location": location})

    @cravat.validate(body=UPDATE)
    @cravat.rule("os_compute_api:servers:update", CALLER, "Update a server.")
    def update(self, req: cravat.Request, id: str, body: Any) -> dict[str, Any]:
        values = {"name": body["server"]["name"]}
        self.store.get(id)
        self.points.run("servers.update", req, id=id, body=body["server"], values=values)
        return {"server": self._detail(req, self.store.update(id, **values))}

    @cravat.rule("os_compute_api:servers:delete", CALLER, "Delete a server.")
    def delete(self, req: cravat.Request, id: str) -> None:
        self.store.remove(id)

    @cravat.action("os-stop", status=202)
    @cravat.rule("os_compute_api:servers:stop", CALLER, "Stop a server.")
    def stop(self, req: cravat.Request, id: str, body: Any) -> None:
        if self.store.get(id)["status"] == "SHUTOFF":
            raise errors.Conflict(f"Server {id} is already stopped.")
        self.store.update(id, status="SHUTOFF")

    @cravat.action("os-start", status=202)
    @cravat.rule("os_compute_api:servers:start", CALLER, "Start a server.")
    def start(self, req: cravat.Request, id: str, body: Any) -> None:
        if self.store.get(id)["status"] == "ACTIVE":
            raise errors.Conflict(f"Server {id} is already active.")
        self.store.update(id, status="ACTIVE")


class ServerIPsController:
    """``/servers/{server_id}/ips``: a server's addresses by network."""

    def __init__(self, store: ServerStore) -> None:
        self.store = store

    @cravat.rule("os_compute_api:ips:index", CALLER, "List a server's addresses.")
    def index(self, req: cravat.Request, server_id: str) -> dict[str, Any]:
        return {"addresses": self.store.get(server_id)["addresses"]}

    @cravat.rule("os_compute_api:ips:show", CALLER, "Show a server's addresses on one network.")
    def show(self, req: cravat.Request, server_id: str, id: str) -> dict[str, Any]:
        addresses = self.store.get(server_id)["addresses"]
        if id not in addresses:
            raise errors.NotFound(f"Server {server_id} has no addresses on network {id!r}.")
        return {id: addresses[id]}


class Ping:
    """A verb responder, Falcon's style."""

    @cravat.rule("compute:ping", "@", "Answer a ping (anyone may).")
    def on_get(self, req: cravat.Request) -> dict[str, str]:
        return {"ping": "pong"}


def build_app(store: ServerStore | None = None, *, extensions_allow: str | None = None,
              extensions_deny: str | None = None, skip_broken_extensions: bool | str = False,
              **settings: Any) -> cravat.API:
    """A fresh compute API with its own store (or ``store``); ``settings`` go to ``cravat.APIOptions``.

    The ``extensions_*`` settings (from a paste file's ``[app:...]`` section,
    as text) choose which installed extensions load: aliases separated by
    commas or spaces, and whether a broken one is skipped with a warning.
    """
    settings.setdefault("error_style", "nova")
    settings.setdefault("project_id", "optional")
    settings.setdefault("microversions", MICROVERSIONS)
    api = cravat.API(**settings)
    api.policy.register(BASE_RULES)
    store = store if store is not None else ServerStore()
    points = ExtensionPoints(POINTS)
    api.route("/", cravat.VersionDetail(VERSION))
    api.route("/ping", Ping())
    api.resource("/servers", ServersController(store, points))
    api.resource("/servers/{server_id}/ips", ServerIPsController(store), name="ips")
    load_extensions(api, group="compute.api.extensions", core=CORE_EXTENSIONS, allow=extensions_allow,
                    deny=extensions_deny, skip_broken=skip_broken_extensions, points=points,
                    context=ComputeServices(store, api.policy), policy_prefix="os_compute_api")
    return api


def build_versions_app() -> cravat.API:
    """The API's root document, ``GET /``: its versions, to mount beside the API at ``/v2.1``."""
    api = cravat.API(error_style="nova", microversions=MICROVERSIONS)
    api.route("/", cravat.VersionList([VERSION]))
    return api


app = build_app()
