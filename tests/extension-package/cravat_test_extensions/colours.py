"""``widget-colours``: a resource under widgets, a member action, a response field, a schema field, a hook."""

from __future__ import annotations

from typing import Any

import cravat
from cravat.extensions import ControllerExtension, Extension, ResourceExtension, extends, hook

COLOUR = {"type": "string", "enum": ["red", "green", "blue"]}


class PaletteController:
    """``/widgets/{widget_id}/palette``: the colours a widget may take."""

    def __init__(self, widgets: Any) -> None:
        self.widgets = widgets

    @cravat.rule("widgets:palette:index", "@", "List the colours a widget may take.")
    def index(self, req: cravat.Request, widget_id: str) -> dict[str, Any]:
        self.widgets.get(widget_id)
        return {"palette": COLOUR["enum"]}


class ColourActions:
    def __init__(self, widgets: Any) -> None:
        self.widgets = widgets

    @cravat.action("paint")
    @cravat.rule("widgets:paint", "role:member or rule:admin", "Paint a widget.")
    def paint(self, req: cravat.Request, id: str, body: Any) -> dict[str, Any]:
        colour = (body.get("paint") or {}).get("colour")
        if colour not in COLOUR["enum"]:
            raise cravat.errors.BadRequest(f"Colour {colour!r} is not one of {', '.join(COLOUR['enum'])}.")
        return {"widget": self.widgets.update(id, colour=colour)}

    @extends("show")
    def show_colour(self, req: cravat.Request, body: dict[str, Any]) -> None:
        body["widget"].setdefault("colour", "unpainted")
        body["widget"]["colour_source"] = "widget-colours"


class WidgetColours(Extension):
    """Colours for widgets."""

    name = "WidgetColours"
    alias = "widget-colours"
    updated = "2026-09-01T00:00:00Z"

    def get_resources(self) -> list[ResourceExtension]:
        return [ResourceExtension("palette", PaletteController(self.context), parent="widgets")]

    def get_controller_extensions(self) -> list[ControllerExtension]:
        return [ControllerExtension("widgets", ColourActions(self.context),
                                    request_properties={"create": {"widget": {"colour": COLOUR}}})]

    @hook("widgets.create")
    def colour_new_widget(self, req: cravat.Request, body: dict[str, Any], values: dict[str, Any]) -> None:
        values["colour"] = body.get("colour", "unpainted")
