"""The API: where operations are declared, and the WSGI application that serves them.

>>> api = API(error_style="nova", project_id="optional")
>>> api.resource("/servers", ServersController())
>>> api.resource("/servers/{server_id}/ips", IPsController())
>>> api.route("/ping", Ping())
>>> application = api        # a WSGI application

Everything is compiled as it is added: a duplicate or ambiguous route, a
duplicate operation name or a handler that cannot be bound is an error here,
at start-up, naming the culprit; a request then costs dict lookups.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from cravat.api.controllers import controller_operations
from cravat.api.dispatcher import Dispatcher
from cravat.api.lifecycle import Lifecycle, register
from cravat.api.operation import DeclarationError, Operation
from cravat.api.options import APIOptions
from cravat.api.responders import responder_operations
from cravat.routing.router import METHOD_ORDER, Router
from cravat.routing.template import Template, parse_template
from cravat.routing.urls import URLBuilder
from cravat.types import Environ, StartResponse
from cravat.validation.schemas import open_objects
from cravat.versions.microversion import APIVersion

LOG = logging.getLogger(__name__)


class RouteRow(NamedTuple):
    method: str
    template: str
    operation: Operation
    action: str | None  # the body key, for an action at POST .../action


class API:
    """A REST API: resources, responders and operations behind one router and dispatcher."""

    def __init__(self, options: APIOptions | None = None, **settings: Any) -> None:
        if options is not None and settings:
            raise TypeError("pass either an APIOptions or keyword settings, not both")
        self.options = options if options is not None else APIOptions(**settings)
        self.router = Router()
        self.urls = URLBuilder()
        self.operations: dict[str, Operation] = {}
        self._dispatcher = Dispatcher(self.options, self.router, self.urls)
        self.lifecycle = Lifecycle()
        register(self.lifecycle)
        self.on_startup = self.lifecycle.on_startup
        self.on_shutdown = self.lifecycle.on_shutdown

    def resource(self, collection: str, controller: Any, *, name: str | None = None,
                 member: str = "{id}") -> None:
        """Mount a resource controller at ``collection``; its members are at ``collection/member``.

        ``name`` prefixes its operation names (``servers:show``); it defaults to
        the collection's last literal segment. ``member`` may carry a pattern:
        ``"{id:[0-9a-f-]{36}}"``.
        """
        name = name or _default_name(collection)
        for op in controller_operations(controller, collection, name, member):
            self.add_operation(op)

    def route(self, template: str, responder: Any, *, name: str | None = None) -> None:
        """Mount a responder's ``on_get``, ``on_post``, ... at ``template``; operations are ``name:get``, ..."""
        name = name or _default_name(template)
        for op in responder_operations(responder, template, name):
            self.add_operation(op)

    def add_operation(self, operation: Operation) -> None:
        """Register one compiled operation: the single door every declaration style goes through."""
        existing = self.operations.get(operation.name)
        if existing is not None:
            raise DeclarationError(f"operation name {operation.name!r} is used by {existing.source} at "
                                   f"{existing.method} {existing.template.text} and by {operation.source} at "
                                   f"{operation.method} {operation.template.text}; pass name= to tell them apart")
        self._check_versions(operation)
        self._check_schemas(operation)
        variants = self._variants(operation)
        for variant in variants:
            self.router.add(variant.template, variant.method, variant)
        for variant in variants:
            self.urls.add(operation.name, variant.template)
        self.operations[operation.name] = operation

    def _check_versions(self, operation: Operation) -> None:
        ranged = [op for op in operation.implementations() if op.version_range is not None]
        if not ranged:
            return
        settings = self.options.microversions
        if settings is None:
            raise DeclarationError(f"{operation}: declares version ranges, but the API has no microversions "
                                   "(set APIOptions.microversions)")
        low, high = APIVersion.parse(settings.min_version), APIVersion.parse(settings.max_version)
        for op in ranged:
            r = op.version_range
            if r.low < low or r.low > high or (r.high is not None and r.high > high):
                raise DeclarationError(f"{op}: version range {r} is outside the API's {low}-{high}")

    def _check_schemas(self, operation: Operation) -> None:
        for op in operation.implementations():
            for part in ("body", "query"):
                for pointer in open_objects(op.schemas.get(part)):
                    message = (f"{op}: the {part} schema leaves additionalProperties undeclared at {pointer}; "
                               "say whether unknown properties are allowed")
                    if self.options.strict_validation:
                        raise DeclarationError(message)
                    LOG.warning("%s", message)

    def _variants(self, operation: Operation) -> list[Operation]:
        mode = self.options.project_id
        if mode is None:
            return [operation]
        prefixed = operation.at(_prefixed(operation.template, self.options.project_id_pattern))
        return [operation, prefixed] if mode == "optional" else [prefixed]

    def route_table(self) -> Iterator[RouteRow]:
        """Every route, actions and version ranges expanded, sorted by template then method."""
        rows = []
        for route in self.router.routes:
            for method, op in route.operations.items():
                keyed = op.actions.items() if op.actions is not None else [(None, op)]
                for action, leaf in keyed:
                    rows.extend(RouteRow(method, op.template.text, impl, action) for impl in leaf.implementations())
        order = {m: i for i, m in enumerate(METHOD_ORDER)}
        rows.sort(key=lambda r: (r.template, order.get(r.method, len(order)), r.action or "",
                                 r.operation.version_range or ()))
        return iter(rows)

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        return self._dispatcher(environ, start_response)


def _default_name(template: str) -> str:
    literals = [s.text for s in parse_template(template).segments if s.param is None]
    return literals[-1] if literals else "root"


def _prefixed(template: Template, pattern: str) -> Template:
    rest = "" if template.text == "/" else template.text
    return parse_template(f"/{{project_id:{pattern}}}{rest}")
