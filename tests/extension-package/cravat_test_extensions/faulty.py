"""Extensions that must not load: a taken alias, a bad alias, a colliding route, a missing requirement."""

from __future__ import annotations

from typing import Any

import cravat
from cravat.extensions import Extension, ResourceExtension


class _Empty(Extension):
    def get_resources(self) -> list:
        return []

    def get_controller_extensions(self) -> list:
        return []


class ColoursAgain(_Empty):
    name, alias = "ColoursAgain", "widget-colours"


class BadAlias(_Empty):
    name, alias = "BadAlias", "Widget_Bad"


class OtherWidgets:
    @cravat.rule("widgets:index", "@", "List widgets.")
    def index(self, req: cravat.Request) -> dict[str, Any]:
        return {}


class Collides(_Empty):
    name, alias = "Collides", "widget-collides"

    def get_resources(self) -> list[ResourceExtension]:
        return [ResourceExtension("widgets", OtherWidgets(), name="other-widgets")]


class Unmet(_Empty):
    name, alias = "Unmet", "widget-unmet"
    requires = ("not-installed",)
