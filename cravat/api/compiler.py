"""Compiling an API: declarations and their plans into the router, the URL builder and endpoints.

It runs once per API, under the API's lock (``api.compile()``, or the first
request). Everything a request reads is built here and never changed:
routes with their verb maps and ``Allow``, the endpoints' selectors, each
implementation's steps.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cravat.api.declarations import DeclarationError, OperationDecl, Where, shape
from cravat.api.declare import Declaration
from cravat.api.endpoint import Endpoint, Selector, by_action, by_version, single
from cravat.api.implementation import CompileContext, Implementation, Plan, build, plan_variants
from cravat.http.bodies import BodyReader
from cravat.http.codecs import JSON
from cravat.http.response import Result
from cravat.routing.router import Route, Router
from cravat.routing.urls import URLBuilder
from cravat.types import Environ
from cravat.versions.microversion import APIVersion
from cravat.versions.negotiation import Negotiator


@dataclass(frozen=True)
class Compiled:
    """What a request path reads: built once, then only read."""

    router: Router
    urls: URLBuilder
    endpoints: tuple[Endpoint, ...]
    implementations: Mapping[str, tuple[Implementation, ...]]  # by operation name


def compile_api(decls: list[OperationDecl], plans: Mapping[OperationDecl, tuple[Plan, ...]],
                ctx: CompileContext, negotiator: Negotiator | None) -> Compiled:
    router, urls = Router(), URLBuilder()
    groups: dict[tuple[str, str], list[OperationDecl]] = {}
    for decl in decls:
        groups.setdefault((decl.method, shape(decl.templates[0])), []).append(decl)
    endpoints, by_name = [], {}
    for group in groups.values():
        endpoint = _endpoint(group, plans, ctx, negotiator)
        endpoints.append(endpoint)
        for impl in endpoint.implementations:
            by_name.setdefault(impl.name, []).append(impl)
        for template in group[0].templates:
            router.add(template, group[0].method, endpoint)
    options_endpoints: dict[tuple[str, Any], Endpoint] = {}
    for route in router.routes:
        _add_builtins(route, ctx, options_endpoints)
    for decl in decls:
        for template in decl.templates:
            urls.add(decl.name, template)
            if decl.action is not None:
                urls.add(f"{decl.name.partition(':')[0]}:action", template)
    return Compiled(router, urls, tuple(endpoints), {name: tuple(impls) for name, impls in by_name.items()})


def _endpoint(group: list[OperationDecl], plans: Mapping[OperationDecl, tuple[Plan, ...]], ctx: CompileContext,
              negotiator: Negotiator | None) -> Endpoint:
    first = group[0]
    path_params = tuple(dict.fromkeys(p for t in first.templates for p in t.param_names))
    is_action = first.action is not None
    selectors: dict[str, Selector | None] = {}
    impls: list[Implementation] = []
    for decl in group:
        built = tuple(build(p, path_params, ctx, pre_read_body=is_action) for p in plans[decl])
        for plan, impl in zip(plans[decl], built):
            _check_path_arguments(plan, impl, decl)
        impls.extend(built)
        if built[0].version_range is None:
            selectors[decl.action or ""] = single(built[0]) if is_action else None
        else:
            versions = negotiator.versions if negotiator is not None else None
            unavailable = negotiator.settings.unavailable_status if negotiator is not None else 404
            selectors[decl.action or ""] = by_version(built, versions, unavailable)
    if is_action:
        reader = BodyReader((JSON,), max_size=ctx.options.max_body_size, max_depth=ctx.options.max_json_depth,
                            where=first.template.text, allow_duplicate_keys=ctx.options.allow_duplicate_json_keys)
        select = by_action(first.templates[0].text, reader, selectors)
        name = f"{first.name.partition(':')[0]}:action"
    else:
        select = selectors[""]  # None: the endpoint's one implementation
        name = first.name
    return Endpoint(name, first.method, first.templates[0].text, tuple(impls), select,
                    _negotiation(group, negotiator))


def _check_path_arguments(plan: Plan, impl: Implementation, decl: OperationDecl) -> None:
    """A handler argument taken from the path must be in every template it is served at, or have a default."""
    for template in decl.templates:
        for name in impl.binding.path:
            if name not in template.param_names and not plan.signature.named.get(name, False):
                raise DeclarationError(
                    f"{impl.name} ({impl.source}, declared at {impl.where}): the handler takes {name!r}, which "
                    f"{template.text} does not have; it is served there too, so give {name!r} a default")


def _negotiation(group: list[OperationDecl], negotiator: Negotiator | None) -> Callable[[Environ], APIVersion | None]:
    if negotiator is None:
        return _no_version
    negotiating = {d.negotiate_version for d in group}
    if len(negotiating) > 1:
        raise DeclarationError(f"{group[0].method} {group[0].template.text}: "
                               f"{', '.join(str(d) for d in group)} disagree on negotiating microversions")
    if negotiating == {False}:
        if any(d.facts.variants for d in group):
            raise DeclarationError(f"{group[0]}: is unversioned, so it cannot have version variants")
        return negotiator.lenient
    return negotiator.negotiate


def _no_version(environ: Environ) -> None:
    return None


def _add_builtins(route: Route, ctx: CompileContext, shared: dict[tuple[str, Any], Endpoint]) -> None:
    """OPTIONS (answering ``Allow``) and HEAD (running GET) where the route does not declare them.

    Routes with the same ``Allow`` (and the same way of negotiating) share one OPTIONS endpoint.
    """
    if "GET" in route.endpoints and "HEAD" not in route.endpoints:
        route.endpoints["HEAD"] = route.endpoints["GET"]
    if "OPTIONS" not in route.endpoints:
        # It negotiates as the route's own endpoints do: a discovery document's OPTIONS refuses no version either.
        negotiate = next(iter(route.endpoints.values())).negotiate
        key = (route.allow, negotiate)
        endpoint = shared.get(key)
        if endpoint is None:
            endpoint = shared[key] = _options_endpoint(route, ctx, negotiate)
        route.endpoints["OPTIONS"] = endpoint


def _options_endpoint(route: Route, ctx: CompileContext, negotiate: Callable[[Environ], APIVersion | None]) \
        -> Endpoint:
    allow = {"Allow": route.allow}

    def on_options(req: Any) -> Result:
        return Result(None, status=200, headers=allow)

    decl = OperationDecl(name="OPTIONS", method="OPTIONS", template=route.template, handler=on_options,
                         facts=Declaration(), owner=None, source="cravat (Allow)", where=Where("cravat", 0))
    (plan,) = plan_variants(decl, ctx.schemas, ctx.options)
    impl = build(plan, (), CompileContext(ctx.options, ctx.schemas), pre_read_body=False, negotiate_media=False)
    return Endpoint("OPTIONS", "OPTIONS", route.template.text, (impl,), None, negotiate, builtin=True)
