"""``GET /extensions`` and ``GET /extensions/{alias}``: the registry, as each caller may see it.

An extension is listed to a caller who passes its ``<prefix>:<alias>:discoverable``
rule (Nova's discoverable policy); to anyone else it is not there, and
``GET /extensions/<alias>`` is a 404 like an alias never installed.

    {"extensions": [{"name": "ServerTags", "alias": "os-server-tags", "description": "...",
                     "updated": "2026-11-22T00:00:00Z", "links": [{"rel": "self", "href": "..."}]}]}
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cravat.api.app import API
from cravat.api.declare import rule
from cravat.http.errors import NotFound

if TYPE_CHECKING:
    from cravat.extensions.registry import ExtensionRegistry, LoadedExtension


def mount_listing(api: API, registry: ExtensionRegistry, path: str, prefix: str) -> None:
    """Mount the listing of ``registry`` at ``path``; its operations name the rule ``<prefix>:extensions``."""
    listed = rule(f"{prefix}:extensions", "@",
                  "List the API's extensions, or show one. Each extension is shown only to callers who pass its "
                  f"{prefix}:<alias>:discoverable rule.")
    policy = api.policy

    class ExtensionsController:
        """The extensions this API serves."""

        def _visible(self, req: Any) -> list[LoadedExtension]:
            context = req.context
            target = {"project_id": getattr(context, "project_id", None),
                      "user_id": getattr(context, "user_id", None)}
            return [e for e in registry if policy.allows(e.discoverable_rule, target, context)]

        def _view(self, req: Any, extension: LoadedExtension) -> dict[str, Any]:
            return {"name": extension.name, "alias": extension.alias, "description": extension.description,
                    "updated": extension.updated,
                    "links": [{"rel": "self", "href": req.url_for("extensions:show", alias=extension.alias)}]}

        @listed
        def index(self, req: Any) -> dict[str, Any]:
            return {"extensions": [self._view(req, e) for e in self._visible(req)]}

        @listed
        def show(self, req: Any, alias: str) -> dict[str, Any]:
            for extension in self._visible(req):
                if extension.alias == alias:
                    return {"extension": self._view(req, extension)}
            raise NotFound(f"Extension {alias!r} could not be found.")

    api.resource(path, ExtensionsController(), name="extensions", member="{alias}")
