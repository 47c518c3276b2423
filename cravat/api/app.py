"""The API: where operations are declared, and the WSGI application that serves them.

>>> api = API(error_style="nova", project_id="optional")
>>> api.resource("/servers", ServersController())
>>> api.resource("/servers/{server_id}/ips", IPsController())
>>> api.route("/ping", Ping())
>>> application = api        # a WSGI application

Declaring records what was asked and checks what can be checked alone (a
handler's signature, its schemas, its status) on the line that declared
it; a clash with an earlier declaration (the same route, the same name, an
ambiguous pattern) is an error naming both and where each was made, and
leaves nothing of the failed declaration behind. ``api.compile()`` (or the
first request) then builds, once and under a lock, the router, the URL
builder and every endpoint and implementation; afterwards the API is
frozen and a request costs dict lookups.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import AbstractContextManager
from typing import Any, NamedTuple

from cravat.api.compiler import Compiled, compile_api
from cravat.api.controllers import controller_declarations
from cravat.api.declarations import DeclarationError, OperationDecl, Registry, Where
from cravat.api.dispatcher import Dispatcher
from cravat.api.endpoint import Endpoint
from cravat.api.errorhandlers import ErrorHandler, ErrorHandlers
from cravat.api.implementation import CompileContext, Implementation, Plan, check_range, plan_variants
from cravat.api.lifecycle import Lifecycle, register
from cravat.api.options import APIOptions
from cravat.api.responders import responder_declarations
from cravat.api.steps import Step
from cravat.http.errors import Forbidden, HTTPError
from cravat.http.faults import FaultRenderer
from cravat.http.request import Request, Site
from cravat.policy.authorizer import PolicyGlue
from cravat.policy.enforcer import InvalidScope, Policy, PolicyNotAuthorized
from cravat.routing.router import METHOD_ORDER, Router
from cravat.routing.template import Template, parse_template
from cravat.routing.urls import URLBuilder
from cravat.types import Environ, StartResponse
from cravat.validation.validators import SchemaCompiler
from cravat.versions.negotiation import Negotiator


class RouteRow(NamedTuple):
    method: str
    template: str
    operation: Implementation
    action: str | None  # the body key, for an action at POST .../action


#: ``provider(req)`` returns a context manager whose value a handler receives by the resource's name.
ResourceProvider = Callable[[Request], AbstractContextManager[Any]]


class API:
    """A REST API: resources, responders and operations behind one router and dispatcher."""

    def __init__(self, options: APIOptions | None = None, **settings: Any) -> None:
        if options is not None and settings:
            raise TypeError("pass either an APIOptions or keyword settings, not both")
        self.options = options if options is not None else APIOptions(**settings)
        self.errors = ErrorHandlers(FaultRenderer(self.options.error_style))
        self._negotiator = Negotiator(self.options.microversions) if self.options.microversions else None
        self._schemas = SchemaCompiler(self.options.formats)
        self._registry = Registry()
        self._mounted: dict[str, tuple[Template, ...]] = {}  # template text -> where it is served
        self._plans: dict[OperationDecl, tuple[Plan, ...]] = {}
        self._resources: dict[str, ResourceProvider] = {}
        self._step_factories: list[Callable[[Plan, Implementation], Step | None]] = []
        self._compile_checks: list[Callable[[API], None]] = []
        #: The API's policy: rule defaults (``@cravat.rule``, ``api.policy.register``) and the policy file.
        enforce_new = self.options.policy_enforce_new_defaults
        self.policy = Policy(self.options.policy_file, allow_unknown_rules=self.options.policy_allow_unknown_rules,
                             enforce_new_defaults=True if enforce_new is None else enforce_new)
        glue = PolicyGlue(self.policy, hide_existence=self.options.policy_hide_existence)
        self._authorizer: Callable[[Plan], Callable[..., None] | None] | None = glue.authorizer
        self._compile_checks.append(glue.check_api)
        # A handler's own api.policy.authorize(...) (an owner check on a loaded resource) refuses with 403.
        self.errors.add(PolicyNotAuthorized, _forbidden)
        self.errors.add(InvalidScope, _forbidden)
        self._lock = threading.Lock()
        self._compiled: Compiled | None = None
        #: Start-up and shutdown hooks; servers run them (``on_startup``, ``on_shutdown``).
        self.lifecycle = Lifecycle()
        register(self.lifecycle)
        self.lifecycle.on_startup(glue.start)
        self.lifecycle.on_shutdown(glue.stop)
        self._app: Callable[[Environ, StartResponse], Iterable[bytes]] = self._first_request

    # --- declaring ---------------------------------------------------------------------------

    def resource(self, collection: str, controller: Any, *, name: str | None = None, member: str = "{id}",
                 override: bool = False) -> None:
        """Mount a resource controller at ``collection``; its members are at ``collection/member``.

        ``name`` prefixes its operation names (``servers:show``); it defaults to
        the collection's last literal segment. ``member`` may carry a pattern:
        ``"{id:[0-9a-f-]{36}}"``. ``override=True`` replaces what an earlier
        declaration put at the same routes (an extension replacing a core
        controller); the log says what replaced what.
        """
        where = Where.of_caller()
        self.add_declarations(controller_declarations(
            controller, collection, name or _default_name(collection), member, where, override=override,
            mounts=self._mounts))

    def route(self, template: str, responder: Any, *, name: str | None = None, override: bool = False,
              negotiate_version: bool | None = None) -> None:
        """Mount a responder's ``on_get``, ``on_post``, ... at ``template``; operations are ``name:get``, ...

        A responder whose ``negotiate_version`` attribute is False (the
        version documents of :mod:`cravat.versions`) is served outside
        microversions: its version header is read but never refused.
        """
        where = Where.of_caller()
        if negotiate_version is None:
            negotiate_version = getattr(responder, "negotiate_version", True)
        self.add_declarations(responder_declarations(
            responder, template, name or _default_name(template), where, override=override,
            negotiate_version=negotiate_version, mounts=self._mounts))

    def add_declarations(self, decls: list[OperationDecl]) -> None:
        """The single door every declaration style goes through: all of ``decls``, or none.

        Each declaration's ``mounts`` must be what this API serves its template at (``api.mounts(t)``).
        """
        self._check_open("declare operations")
        for decl in decls:
            if [t.text for t in decl.templates] != [t.text for t in self._mounts(decl.template)]:
                raise DeclarationError(f"{decl}: declared with mounts {[t.text for t in decl.templates]}, not "
                                       f"this API's {[t.text for t in self._mounts(decl.template)]}")
        mounted = decls
        plans = {d: plan_variants(d, self._schemas, self.options) for d in mounted}
        low, high = (self._negotiator.min, self._negotiator.max) if self._negotiator else (None, None)
        for variants in plans.values():
            for plan in variants:
                check_range(plan, low, high)
        self._registry.add(mounted)
        self._plans.update(plans)

    def add_resource(self, name: str, provider: ResourceProvider) -> None:
        """A request-scoped resource: handlers that take an argument named ``name`` get ``provider(req)``'s value.

        ``provider(req)`` returns a context manager, entered around the
        handler's call and left before the answer is encoded:

        >>> @contextlib.contextmanager
        ... def session(req):
        ...     with Session() as s, s.begin():   # commits, or rolls back on an exception
        ...         yield s
        >>> api.add_resource("session", session)
        """
        self._check_open("add resources")
        if not name.isidentifier() or name in ("body", "query"):
            raise DeclarationError(f"add_resource: {name!r} cannot name a handler argument")
        if name in self._resources:
            raise DeclarationError(f"add_resource: a resource named {name!r} is registered already")
        self._resources[name] = provider

    def on_startup(self, hook: Callable[[], object]) -> Callable[[], object]:
        """Run ``hook()`` in each server worker before it serves (open engines, start worker threads)."""
        return self.lifecycle.on_startup(hook)

    def on_shutdown(self, hook: Callable[[], object]) -> Callable[[], object]:
        """Run ``hook()`` when the worker stops gracefully, in reverse order of registration."""
        return self.lifecycle.on_shutdown(hook)

    def add_error_handler(self, exception: type[BaseException], handler: ErrorHandler) -> None:
        """Answer ``exception`` (and its subclasses) with the HTTPError ``handler(req, exc)`` returns."""
        self.errors.add(exception, handler)

    def add_step(self, factory: Callable[[Plan, Implementation], Step | None]) -> None:
        """A feature's step: ``factory(plan, impl)`` returns the step an implementation needs, or None."""
        self._check_open("add steps")
        self._step_factories.append(factory)

    def set_authorizer(self, authorizer: Callable[[Plan], Callable[..., None] | None]) -> None:
        """How operations with a policy rule are authorized: ``authorizer(plan)`` returns the check."""
        self._check_open("set the authorizer")
        self._authorizer = authorizer

    def add_compile_check(self, check: Callable[[API], None]) -> None:
        """``check(api)`` runs once the API has compiled, before it serves; raising stops the start.

        The API is readable inside it (``route_table()``, ``implementations()``);
        if it raises, the API is left uncompiled.
        """
        self._check_open("add compile checks")
        self._compile_checks.append(check)

    def _check_open(self, what: str) -> None:
        if self._compiled is not None:
            raise DeclarationError(f"cannot {what}: the API is compiled (it has served a request, or "
                                   "compile() was called); declare everything before")

    def mounts(self, template: Template) -> tuple[Template, ...]:
        """The templates this API serves ``template`` at: as it is, and/or under a project id."""
        return self._mounts(template)

    def _mounts(self, template: Template) -> tuple[Template, ...]:
        mode = self.options.project_id
        if mode is None:
            return (template,)
        known = self._mounted.get(template.text)
        if known is not None:
            return known
        rest = "" if template.text == "/" else template.text
        prefixed = parse_template(f"/{{project_id:{self.options.project_id_pattern}}}{rest}")
        mounts = (template, prefixed) if mode == "optional" else (prefixed,)
        self._mounted[template.text] = mounts
        return mounts

    # --- compiling ---------------------------------------------------------------------------

    def compile(self) -> API:
        """Build the router, URL builder and implementations, once; later calls do nothing."""
        with self._lock:
            if self._compiled is None:
                ctx = CompileContext(self.options, self._schemas, resources=dict(self._resources),
                                     step_factories=tuple(self._step_factories), authorizer=self._authorizer)
                with collector_paused():
                    compiled = compile_api(list(self._registry), self._plans, ctx, self._negotiator)
                self._compiled = compiled
                try:
                    for check in self._compile_checks:
                        check(self)
                except BaseException:
                    self._compiled = None
                    raise
                site = Site(compiled.urls, self.options.public_endpoint)
                self._dispatcher = Dispatcher(compiled, self.errors, site, self._negotiator)
                self._app = self._dispatcher
        return self

    @property
    def compiled(self) -> Compiled:
        return self._compiled if self._compiled is not None else self.compile()._compiled  # type: ignore[return-value]

    @property
    def router(self) -> Router:
        return self.compiled.router

    @property
    def urls(self) -> URLBuilder:
        return self.compiled.urls

    @property
    def endpoints(self) -> tuple[Endpoint, ...]:
        return self.compiled.endpoints

    @property
    def declarations(self) -> tuple[OperationDecl, ...]:
        return tuple(self._registry)

    @property
    def operation_names(self) -> list[str]:
        return self._registry.names()

    def implementations(self, name: str) -> tuple[Implementation, ...]:
        """The implementations of operation ``name`` (one per version range)."""
        found = self.compiled.implementations.get(name)
        if found is None:
            raise LookupError(f"no operation is named {name!r}")
        return found

    def implementation(self, name: str) -> Implementation:
        """The one implementation of an operation without version ranges."""
        (impl, *more) = self.implementations(name)
        if more:
            raise LookupError(f"{name!r} has {len(more) + 1} implementations, one per version range")
        return impl

    @property
    def schema_compiler(self) -> SchemaCompiler:
        """The API's schema compiler: what a declaration style compiles its own validators with."""
        return self._schemas

    @property
    def resources(self) -> Mapping[str, ResourceProvider]:
        return dict(self._resources)

    def route_table(self) -> Iterator[RouteRow]:
        """Every route, actions and version ranges expanded, sorted by template then method."""
        rows = []
        for route in self.router.routes:
            for method, endpoint in route.endpoints.items():
                if endpoint.builtin or (method == "HEAD" and endpoint is route.endpoints.get("GET")):
                    continue
                rows.extend(RouteRow(method, route.template.text, impl, impl.action)
                            for impl in endpoint.implementations)
        order = {m: i for i, m in enumerate(METHOD_ORDER)}
        rows.sort(key=lambda r: (r.template, order.get(r.method, len(order)), r.action or "",
                                 r.operation.version_range or ()))
        return iter(rows)

    # --- serving -----------------------------------------------------------------------------

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        return self._app(environ, start_response)

    def _first_request(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        self.compile()
        return self._app(environ, start_response)


@contextlib.contextmanager
def collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while compiling (or while a declaration style loads what it declares).

    PERF: compiling allocates an endpoint, an implementation and its steps
    per route, all kept, and each allocation burst makes the collector walk
    everything alive again: for 6,000 routes it cost three times the work
    itself. Nothing compiling makes is garbage, so there is nothing to
    collect; reference counting frees the rest as usual.
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _forbidden(req: Any, exc: BaseException) -> HTTPError:
    return Forbidden(f"{exc}.")


def _default_name(template: str) -> str:
    literals = [s.text for s in parse_template(template).segments if s.is_literal]
    return literals[-1] if literals else "root"
