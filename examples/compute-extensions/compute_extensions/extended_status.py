"""``os-extended-status``: the server's VM and power state in its answers (Nova's ``OS-EXT-STS``).

A response extension of ``servers:show`` and ``servers:detail``: for callers
who pass ``os_compute_api:os-extended-status`` (administrators by default),
each server gains ``OS-EXT-STS:vm_state`` and ``OS-EXT-STS:power_state``.
"""

from __future__ import annotations

from typing import Any

import cravat
from cravat.extensions import ControllerExtension, Extension, extends
from cravat.policy import RuleDefault

RULE = "os_compute_api:os-extended-status"
VM_STATES = {"ACTIVE": "active", "SHUTOFF": "stopped"}
POWER_STATES = {"ACTIVE": 1, "SHUTOFF": 4}  # Nova's RUNNING and SHUTDOWN


class ExtendedStatusController:
    def __init__(self, policy: Any) -> None:
        self.policy = policy

    def _allowed(self, req: cravat.Request) -> bool:
        context = req.context
        target = {"project_id": getattr(context, "project_id", None), "user_id": getattr(context, "user_id", None)}
        return self.policy.allows(RULE, target, context)

    @staticmethod
    def _extend(server: dict[str, Any]) -> None:
        server["OS-EXT-STS:vm_state"] = VM_STATES.get(server.get("status"), "error")
        server["OS-EXT-STS:power_state"] = POWER_STATES.get(server.get("status"), 0)

    @extends("show")
    def show(self, req: cravat.Request, body: dict[str, Any]) -> None:
        if self._allowed(req):
            self._extend(body["server"])

    @extends("detail")
    def detail(self, req: cravat.Request, body: dict[str, Any]) -> None:
        if self._allowed(req):
            for server in body["servers"]:
                self._extend(server)


class ExtendedStatus(Extension):
    """Adds the VM state and power state to servers' details."""

    name = "ExtendedStatus"
    alias = "os-extended-status"
    updated = "2026-11-22T00:00:00Z"

    def get_resources(self) -> list:
        return []

    def get_controller_extensions(self) -> list[ControllerExtension]:
        return [ControllerExtension("servers", ExtendedStatusController(self.context.policy))]

    def policies(self) -> list[RuleDefault]:
        return [RuleDefault(RULE, "rule:context_is_admin",
                            "Show the OS-EXT-STS fields (VM state, power state) in servers' details.")]
