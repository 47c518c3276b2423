"""``os-server-tags``: tags on servers (Nova's server tags API), kept out of the core servers controller.

- ``/servers/{server_id}/tags``: list (GET), replace (PUT), remove all (DELETE);
  ``/servers/{server_id}/tags/{tag}``: check (GET, 204 or 404), add (PUT), remove (DELETE);
- ``server.tags`` is accepted by the create schema, and the ``servers.create``
  hook stores the tags with the new server, refusing a tag with a comma or a slash.
"""

from __future__ import annotations

from typing import Any

import cravat
from cravat import errors
from cravat.extensions import ControllerExtension, Extension, ResourceExtension, hook

MAX_TAGS = 50
TAG = {"type": "string", "minLength": 1, "maxLength": 60}
TAGS = {"type": "array", "items": TAG, "maxItems": MAX_TAGS}
REPLACE = {"type": "object", "properties": {"tags": TAGS}, "required": ["tags"], "additionalProperties": False}

READ = "rule:compute_caller"
WRITE = "role:member or rule:context_is_admin"


def check_tags(tags: list[str]) -> None:
    """Nova's rule: a tag holds neither a comma nor a slash (they delimit tags in queries and paths)."""
    for tag in tags:
        if "," in tag or "/" in tag:
            raise errors.BadRequest(f"Tag {tag!r} is invalid: a tag cannot contain ',' or '/'.")


class TagsController:
    """``/servers/{server_id}/tags``."""

    def __init__(self, store: Any) -> None:
        self.store = store

    @cravat.rule("os_compute_api:os-server-tags:index", READ, "List a server's tags.")
    def index(self, req: cravat.Request, server_id: str) -> dict[str, Any]:
        return {"tags": list(self.store.get(server_id).get("tags", []))}

    @cravat.collection_action("PUT", "")
    @cravat.validate(body=REPLACE)
    @cravat.rule("os_compute_api:os-server-tags:update_all", WRITE, "Replace a server's tags.")
    def update_all(self, req: cravat.Request, server_id: str, body: Any) -> dict[str, Any]:
        check_tags(body["tags"])
        tags = list(dict.fromkeys(body["tags"]))
        self.store.update(server_id, tags=tags)
        return {"tags": tags}

    @cravat.collection_action("DELETE", "", status=204)
    @cravat.rule("os_compute_api:os-server-tags:delete_all", WRITE, "Remove all of a server's tags.")
    def delete_all(self, req: cravat.Request, server_id: str) -> None:
        self.store.update(server_id, tags=[])

    @cravat.response(204)
    @cravat.rule("os_compute_api:os-server-tags:show", READ, "Check whether a server has a tag.")
    def show(self, req: cravat.Request, server_id: str, tag: str) -> None:
        if tag not in self.store.get(server_id).get("tags", []):
            raise errors.NotFound(f"Server {server_id} has no tag {tag!r}.")

    @cravat.response(201)
    @cravat.rule("os_compute_api:os-server-tags:update", WRITE, "Add a tag to a server.")
    def update(self, req: cravat.Request, server_id: str, tag: str) -> cravat.Result:
        check_tags([tag])
        tags = list(self.store.get(server_id).get("tags", []))
        if tag in tags:
            return cravat.Result(None, status=204)
        if len(tags) >= MAX_TAGS:
            raise errors.BadRequest(f"Server {server_id} has {MAX_TAGS} tags already, the most it may have.")
        self.store.update(server_id, tags=[*tags, tag])
        return cravat.Result(None, headers={"Location": req.url_for("tags:show", server_id=server_id, tag=tag)})

    @cravat.rule("os_compute_api:os-server-tags:delete", WRITE, "Remove a tag from a server.")
    def delete(self, req: cravat.Request, server_id: str, tag: str) -> None:
        tags = list(self.store.get(server_id).get("tags", []))
        if tag not in tags:
            raise errors.NotFound(f"Server {server_id} has no tag {tag!r}.")
        self.store.update(server_id, tags=[t for t in tags if t != tag])


class ServerTags(Extension):
    """Tags on servers: a sub-resource, and tags given when a server is created."""

    name = "ServerTags"
    alias = "os-server-tags"
    updated = "2026-11-22T00:00:00Z"

    def get_resources(self) -> list[ResourceExtension]:
        return [ResourceExtension("tags", TagsController(self.context.store), parent="servers", member="{tag}")]

    def get_controller_extensions(self) -> list[ControllerExtension]:
        return [ControllerExtension("servers", request_properties={"create": {"server": {"tags": TAGS}}})]

    @hook("servers.create")
    def tag_new_server(self, req: cravat.Request, body: dict[str, Any], values: dict[str, Any]) -> None:
        tags = body.get("tags", [])
        check_tags(tags)
        values["tags"] = list(dict.fromkeys(tags))
