"""Implementations: one handler with everything needed to run it, frozen when the API compiles.

A declaration becomes one :class:`Plan` per version range as soon as it is
made (its signature read, its schemas compiled, its status checked, so a bad
declaration fails on its own line), and each plan becomes an
:class:`Implementation` when the API compiles, once the resources, the
authorizer and the steps other features add are all known. An
implementation is never changed afterwards: a request reads it, from many
threads at once.

>>> impl = api.implementation("servers:show")
>>> impl.status_line, impl.binding.path, [s.name for s in impl.steps]
('200 OK', ('id',), ['negotiate media type', 'call'])
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cravat.api.binding import Binding, Signature, bind, check_resources, describe_handler, signature_of
from cravat.api.declarations import DeclarationError, OperationDecl, Where
from cravat.api.declare import Source, Variant
from cravat.api.options import APIOptions
from cravat.api.steps import (
    Authorize,
    AuthorizeInHandler,
    BindArguments,
    Call,
    CheckResponse,
    NegotiateMedia,
    OpenResources,
    ReadBody,
    Step,
    ValidateBody,
    ValidateQuery,
    compose,
)
from cravat.http.bodies import BodyReader
from cravat.http.codecs import JSON
from cravat.http.status import status_line
from cravat.routing.template import Template
from cravat.types import Handler
from cravat.validation.query import query_coercer
from cravat.validation.schemas import open_objects
from cravat.validation.validators import SchemaCompiler, SchemaError
from cravat.versions.microversion import APIVersion, VersionRange, follows

#: What an operation that negotiates its own answer produces: ``@cravat.produces("*/*")``.
ANY_MEDIA = ("*/*",)

LOG = logging.getLogger(__name__)

_EMPTY: Mapping[str, Any] = MappingProxyType({})


@dataclass(frozen=True, slots=True, eq=False)
class Plan:
    """One implementation as declared and checked, before the API compiles it."""

    decl: OperationDecl
    handler: Handler
    source: str
    status: int
    headers: tuple[tuple[str, str], ...]
    accepts: tuple[str, ...]
    produces: tuple[str, ...]
    version_range: VersionRange | None
    rule: str | None
    schemas: Mapping[str, Any]
    signature: Signature
    sources: Mapping[str, Source]
    summary: str | None
    description: str | None
    tags: tuple[str, ...]
    validate_body: Callable[[Any], Any] | None = None
    coerce_query: Callable[[Any], dict[str, Any]] | None = None
    validate_query: Callable[[Any], Any] | None = None
    check_response: Callable[[Any], str | None] | None = None

    @property
    def where(self) -> str:
        return f"{self.decl.name} ({self.source}, declared at {self.decl.where})"


@dataclass(frozen=True, slots=True, eq=False)
class Implementation:
    """One handler, frozen: how to bind its arguments, the steps around it, and how it answers.

    ``steps`` is what it does, outermost first (the last is the call);
    ``run(req)`` is those steps composed into one function.
    """

    name: str                         # the operation's name: "servers:show"
    method: str
    template: Template                # as declared (a project id prefix may mount it elsewhere too)
    handler: Handler
    source: str                       # "examples.compute.ServersController.show"
    where: Where                      # the declaration
    status: int
    status_line: str
    headers: tuple[tuple[str, str], ...]
    accepts: tuple[str, ...]
    produces: tuple[str, ...]
    version_range: VersionRange | None
    action: str | None
    rule: str | None
    schemas: Mapping[str, Any]
    summary: str | None
    description: str | None
    tags: tuple[str, ...]
    binding: Binding
    steps: tuple[Step, ...]
    run: Callable[..., Any]           # run(req) -> what the handler returned, through the steps
    negotiate_version: bool = True
    #: Answers data as JSON with a body: it produces only JSON and its status is not 204 or 304.
    plain_json: bool = False
    extras: Mapping[str, Any] = field(default_factory=lambda: _EMPTY)  # what later features record

    def __str__(self) -> str:
        return f"{self.name} ({self.source})"


@dataclass
class CompileContext:
    """What compiling an implementation needs of its API."""

    options: APIOptions
    schemas: SchemaCompiler
    resources: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    #: From a plan with a policy rule, the check that authorizes its requests (raising 403), or None.
    authorizer: Callable[[Plan], Callable[..., None] | None] | None = None
    #: Later features add steps: each factory sees the plan and returns a step or None.
    step_factories: tuple[Callable[[Plan, Implementation], Step | None], ...] = ()
    #: Path-argument functions by the names they take, shared while compiling.
    path_arguments: dict[tuple[str, ...], Callable[[dict[str, Any]], dict[str, Any]]] = field(default_factory=dict)


def plan_variants(decl: OperationDecl, schemas: SchemaCompiler, options: APIOptions) -> tuple[Plan, ...]:
    """The plans of one declaration: one, or one per ``Variant`` (ranges checked contiguous)."""
    facts = decl.facts
    if not 100 <= (facts.status or decl.default_status) <= 599:
        raise DeclarationError(f"{decl}: success status {facts.status} is not an HTTP status")
    try:
        if not facts.variants:
            return (_plan(decl, decl.handler, None, facts.status or decl.default_status, dict(facts.schemas),
                          facts.rule, schemas, options),)
        plans = sorted((_variant_plan(decl, v, schemas, options) for v in facts.variants),
                       key=lambda p: p.version_range.low)  # type: ignore[union-attr]
    except SchemaError as exc:
        raise DeclarationError(f"{exc} (declared at {decl.where})") from None
    _check_contiguous(decl, plans)
    return tuple(plans)


def _variant_plan(decl: OperationDecl, variant: Variant, schemas: SchemaCompiler, options: APIOptions) -> Plan:
    try:
        version_range = VersionRange.parse(variant.min_version, variant.max_version)
    except ValueError as exc:
        raise DeclarationError(f"{decl}: {exc}") from None
    handler = _resolve(variant.handler, decl)
    declared = dict(decl.facts.schemas)
    declared.update((k, s) for k, s in (("body", variant.body), ("query", variant.query),
                                        ("response", variant.response)) if s is not None)
    status = variant.status or decl.facts.status or decl.default_status
    if not 100 <= status <= 599:
        raise DeclarationError(f"{decl}: success status {status} is not an HTTP status")
    return _plan(decl, handler, version_range, status, declared, variant.rule or decl.facts.rule, schemas, options)


def _plan(decl: OperationDecl, handler: Handler, version_range: VersionRange | None, status: int,
          declared: dict[str, Any], rule: str | None, schemas: SchemaCompiler, options: APIOptions) -> Plan:
    facts = decl.facts
    source = describe_handler(handler)
    where = f"{decl.name} ({source}, declared at {decl.where})"
    signature = decl.signature if decl.signature is not None else signature_of(where, handler)
    _check_open_objects(where, declared, options)
    validate_body = coerce_query = validate_query = check_response = None
    if "body" in declared:
        validate_body = schemas.request_validator(declared["body"], where, "body")
    if "query" in declared:
        coerce_query = query_coercer(declared["query"])
        validate_query = schemas.request_validator(declared["query"], where, "query")
    if "response" in declared:
        check_response = schemas.response_checker(declared["response"], where)
    doc = (getattr(handler, "__doc__", None) or "").strip()
    return Plan(
        decl=decl, handler=handler, source=source, status=status,
        headers=tuple(facts.headers.items()), accepts=facts.accepts or (JSON,), produces=facts.produces or (JSON,),
        version_range=version_range, rule=rule, schemas=MappingProxyType(declared) if declared else _EMPTY,
        signature=signature, sources=MappingProxyType(dict(facts.sources)) if facts.sources else _EMPTY,
        summary=facts.summary or (doc.splitlines()[0] if doc else None), description=facts.description,
        tags=facts.tags, validate_body=validate_body, coerce_query=coerce_query,
        validate_query=validate_query, check_response=check_response,
    )


def _check_open_objects(where: str, declared: Mapping[str, Any], options: APIOptions) -> None:
    for part in ("body", "query"):
        for pointer in open_objects(declared.get(part)):
            message = (f"{where}: the {part} schema leaves additionalProperties undeclared at {pointer}; "
                       "say whether unknown properties are allowed")
            if options.strict_validation:
                raise DeclarationError(message)
            LOG.warning("%s", message)


def _resolve(named: Any, decl: OperationDecl) -> Handler:
    if named is None:
        return decl.handler
    if callable(named):
        return named
    impl = getattr(decl.owner, named, None)
    if not callable(impl):
        raise DeclarationError(f"{decl}: version handler {named!r} is not a method of "
                               f"{type(decl.owner).__qualname__}")
    return impl


def _check_contiguous(decl: OperationDecl, plans: list[Plan]) -> None:
    """Ranges must neither overlap nor leave gaps: every version between the first and last has one answer."""
    for earlier, later in zip(plans, plans[1:]):
        a, b = earlier.version_range, later.version_range
        assert a is not None and b is not None
        if a.high is None or b.low <= a.high:
            raise DeclarationError(f"{decl}: version ranges {a} and {b} overlap")
        if not follows(a, b):
            raise DeclarationError(f"{decl}: version ranges {a} and {b} leave a gap between them")


def check_range(plan: Plan, low: APIVersion | None, high: APIVersion | None) -> None:
    """A plan's range must lie within the API's (and the API must have microversions to have one)."""
    r = plan.version_range
    if r is None:
        return
    if low is None or high is None:
        raise DeclarationError(f"{plan.where}: declares version ranges, but the API has no microversions "
                               "(set APIOptions.microversions)")
    if r.low < low or r.low > high or (r.high is not None and r.high > high):
        raise DeclarationError(f"{plan.where}: version range {r} is outside the API's {low}-{high}")


def build(plan: Plan, path_params: tuple[str, ...], ctx: CompileContext, *, pre_read_body: bool,
          negotiate_media: bool = True) -> Implementation:
    """The frozen implementation of ``plan``, mounted where the path has ``path_params``."""
    where = plan.where
    query_properties = tuple((plan.schemas.get("query") or {}).get("properties") or ())
    binding = bind(where, plan.signature, path_params, plan.sources, query_properties)
    check_resources(where, binding, ctx.resources, path_params)
    options = ctx.options
    # produces("*/*"): the handler reads Accept itself (req.media_type stays JSON until it answers otherwise).
    negotiate_media = negotiate_media and plan.produces != ANY_MEDIA
    steps: list[Step] = [NegotiateMedia(plan.produces)] if negotiate_media else []
    reads_body = binding.takes_body or plan.validate_body is not None or pre_read_body
    if reads_body:
        reader = BodyReader(plan.accepts, max_size=options.max_body_size, max_depth=options.max_json_depth,
                            where=plan.decl.name, allow_duplicate_keys=options.allow_duplicate_json_keys)
        steps.append(ReadBody(reader, required=binding.body_required or pre_read_body, pre_read=pre_read_body))
    if plan.validate_body is not None:
        steps.append(ValidateBody(plan.validate_body, keep=binding.takes_body))
    if plan.validate_query is not None or binding.takes_query:
        steps.append(ValidateQuery(plan.coerce_query, plan.validate_query, whole=binding.takes_query,
                                   names=binding.schema_query))
    if binding.arguments:
        steps.append(BindArguments(binding.arguments))
    if plan.check_response is not None and options.response_validation != "ignore":
        steps.append(CheckResponse(plan.check_response, mode=options.response_validation, where=where))
    in_handler = None
    if plan.rule is not None and ctx.authorizer is not None:
        check = ctx.authorizer(plan)
        if getattr(check, "in_handler", False):  # the handler checks it: req.authorize(target)
            in_handler = AuthorizeInHandler(check, plan.rule)
        elif check is not None:
            steps.append(Authorize(check, plan.rule))
    if binding.resources:
        steps.append(OpenResources({n: ctx.resources[n] for n in binding.resources if n in ctx.resources}))
    if in_handler is not None:
        steps.append(in_handler)
    steps.append(Call(plan.handler))
    # Shared by every implementation taking the same path arguments: a pure function of their names.
    arguments = ctx.path_arguments.get(binding.path)
    if arguments is None:
        arguments = ctx.path_arguments[binding.path] = path_arguments(binding.path)
    impl = _implementation(plan, binding, tuple(steps), arguments)  # appended in order
    added = [s for s in (factory(plan, impl) for factory in ctx.step_factories) if s is not None]
    return _implementation(plan, binding, _ordered([*steps, *added]), arguments) if added else impl


def _ordered(steps: list[Step]) -> tuple[Step, ...]:
    return tuple(sorted(steps, key=lambda s: s.order))


def _implementation(plan: Plan, binding: Binding, steps: tuple[Step, ...],
                    arguments: Callable[[dict[str, Any]], dict[str, Any]]) -> Implementation:
    decl = plan.decl
    return Implementation(
        name=decl.name, method=decl.method, template=decl.template, handler=plan.handler, source=plan.source,
        where=decl.where, status=plan.status, status_line=status_line(plan.status), headers=plan.headers,
        accepts=plan.accepts, produces=plan.produces, version_range=plan.version_range, action=decl.action,
        rule=plan.rule, schemas=plan.schemas, summary=plan.summary, description=plan.description, tags=plan.tags,
        binding=binding, steps=steps, run=compose(steps, arguments),
        negotiate_version=decl.negotiate_version, extras=decl.extras,
        plain_json=plan.status not in (204, 304) and all(m == JSON or m.endswith("+json") for m in plan.produces),
    )


def path_arguments(names: tuple[str, ...]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """A function from the request's path parameters to the handler's first arguments (a new dict)."""
    if not names:
        return lambda params: {}
    if len(names) == 1:
        (only,) = names

        def one(params: dict[str, Any]) -> dict[str, Any]:
            try:
                return {only: params[only]}
            except KeyError:  # a default covers it where this route lacks it
                return {}

        return one
    return lambda params: {n: params[n] for n in names if n in params}
