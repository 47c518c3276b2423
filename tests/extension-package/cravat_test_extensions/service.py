"""The widgets API: the core the test extensions extend, and the oslo.policy entry points of it."""

from __future__ import annotations

import os
import threading
from typing import Any

import cravat
from cravat import Result, errors
from cravat.extensions import ExtensionPoints, load_extensions
from cravat.policy import RuleDefault

GROUP = "cravat_tests.extensions"
POINTS = {
    "widgets.create": "(req, body, values): add to the widget to be created, or raise a fault",
    "widgets.update": "(req, id, body, values): the same, for an update",
}
CREATE = {
    "type": "object",
    "properties": {"widget": {"type": "object", "properties": {"name": {"type": "string", "minLength": 1}},
                              "required": ["name"], "additionalProperties": False}},
    "required": ["widget"],
    "additionalProperties": False,
}
BASE_RULES = [
    RuleDefault("admin", "role:admin", "An administrator."),
    RuleDefault("owner", "project_id:%(project_id)s", "The caller's project is the one in the path."),
]


class Widgets:
    """Widgets by id, shared between the server's threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, **values: Any) -> dict[str, Any]:
        with self.lock:
            widget = {"id": str(len(self.items) + 1), **values}
            self.items[widget["id"]] = widget
            return dict(widget)

    def get(self, id: str) -> dict[str, Any]:
        with self.lock:
            if id not in self.items:
                raise errors.NotFound(f"Widget {id} could not be found.")
            return dict(self.items[id])

    def update(self, id: str, **values: Any) -> dict[str, Any]:
        with self.lock:
            if id not in self.items:
                raise errors.NotFound(f"Widget {id} could not be found.")
            self.items[id].update(values)
            return dict(self.items[id])


class WidgetsController:
    def __init__(self, widgets: Widgets, points: ExtensionPoints) -> None:
        self.widgets = widgets
        self.points = points

    @cravat.rule("widgets:index", "role:reader or rule:admin", "List widgets.")
    def index(self, req: cravat.Request) -> dict[str, Any]:
        return {"widgets": [{"id": w["id"], "name": w["name"]} for w in self.widgets.items.values()]}

    @cravat.rule("widgets:show", "(role:reader and rule:owner) or rule:admin", "Show a widget.",
                 scope_types=["project"])
    def show(self, req: cravat.Request, id: str) -> dict[str, Any]:
        return {"widget": self.widgets.get(id)}

    @cravat.validate(body=CREATE)
    @cravat.rule("widgets:create", "role:member or rule:admin", "Create a widget.")
    def create(self, req: cravat.Request, body: Any) -> Result:
        values = {"name": body["widget"]["name"]}
        self.points.run("widgets.create", req, body=body["widget"], values=values)
        return Result({"widget": self.widgets.add(**values)}, status=201)

    @cravat.rule("widgets:delete", "rule:admin", "Delete a widget.")
    def delete(self, req: cravat.Request, id: str) -> None:
        self.widgets.get(id)
        with self.widgets.lock:
            del self.widgets.items[id]


def build_app(*, group: str = GROUP, core: str = "", policy_file: str | None = None,
              hide: bool = False, deny: str | None = None, skip_broken: bool = False) -> cravat.API:
    api = cravat.API(project_id="optional", policy_file=policy_file, policy_hide_existence=hide)
    api.policy.register(BASE_RULES)
    widgets = Widgets()
    points = ExtensionPoints(POINTS)
    api.resource("/widgets", WidgetsController(widgets, points))
    load_extensions(api, group=group, core=core, deny=deny, skip_broken=skip_broken, points=points,
                    context=widgets, policy_prefix="widgets")
    return api


def _api() -> cravat.API:
    return build_app(policy_file=os.environ.get("CRAVAT_TEST_POLICY_FILE")).compile()


def list_rules() -> list[RuleDefault]:
    """``oslo.policy.policies``: the widgets API's defaults, core and extensions."""
    return _api().policy.defaults


def get_enforcer() -> Any:
    """``oslo.policy.enforcer``: an Enforcer with the defaults and ``$CRAVAT_TEST_POLICY_FILE``."""
    return _api().policy.oslo_enforcer()
