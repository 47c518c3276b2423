"""``widget-guard``: requires widget-colours; refuses some creates; listed only to administrators."""

from __future__ import annotations

from typing import Any

import cravat
from cravat.extensions import Extension, hook


class WidgetGuard(Extension):
    """Refuses widgets named forbidden-anything, and red ones for callers who are not administrators."""

    name = "WidgetGuard"
    alias = "widget-guard"
    updated = "2026-09-02T00:00:00Z"
    requires = ("widget-colours",)
    discoverable = "role:admin"

    def get_resources(self) -> list:
        return []

    def get_controller_extensions(self) -> list:
        return []

    @hook("widgets.create")
    def refuse_forbidden(self, req: cravat.Request, body: dict[str, Any], values: dict[str, Any]) -> None:
        if values["name"].startswith("forbidden"):
            raise cravat.errors.Forbidden(f"A widget may not be named {values['name']!r}.")
        if values.get("colour") == "red" and "admin" not in (getattr(req.context, "roles", None) or []):
            raise cravat.errors.HTTPError("Only administrators may create red widgets.", status=409)
