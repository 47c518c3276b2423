"""Decorators that declare how a controller or responder method is exposed.

They only record facts on the function; the API reads them once, when the
controller is added, and compiles implementations from them.

>>> class Servers:
...     @response(202)
...     def create(self, req, body): ...
...     @action("os-start", status=202)
...     def start(self, req, id, body): ...
...     @collection_action("GET", "detail")
...     def detail(self, req): ...
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from oslo_policy import policy as oslo_policy

from cravat.policy.defaults import RuleSpec

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "__cravat_declaration__"


@dataclass(frozen=True)
class Variant:
    """One row of an operation's version table: what holds from ``min_version`` to ``max_version``.

    ``max_version`` None means up to the API's latest. ``handler`` is another
    method of the same controller (by name) or a callable; the decorated
    method when None. ``status``, ``body`` (request body schema), ``query``
    (query string schema), ``response`` (response body schema) and ``rule``
    (policy rule) apply to this range only.
    """

    min_version: str
    max_version: str | None = None
    handler: str | Callable[..., Any] | None = None
    status: int | None = None
    body: dict[str, Any] | None = None
    query: dict[str, Any] | None = None
    response: dict[str, Any] | None = None
    rule: str | None = None


@dataclass(frozen=True)
class Source:
    """Where a handler argument comes from, when its name alone does not say.

    >>> @cravat.bind(token=cravat.Header("X-Auth-Token"), limit=cravat.Query(int, default=20))
    ... def index(self, req, token, limit): ...
    """

    kind: str                                   # "query", "header", "path"
    key: str | None = None                      # the parameter or header name; the argument's name if None
    convert: Callable[[str], Any] | None = None  # applied to the text; ValueError -> 400
    default: Any = None
    required: bool = False


def Query(convert: Callable[[str], Any] | None = None, *, name: str | None = None, default: Any = None,
          required: bool = False) -> Source:
    """A query-string parameter: ``?limit=10`` gives ``limit=convert("10")``; absent gives ``default``."""
    return Source("query", name, convert, default, required)


def Header(name: str, convert: Callable[[str], Any] | None = None, *, default: Any = None,
           required: bool = False) -> Source:
    """A request header, by its HTTP name: ``Header("X-Auth-Token")``."""
    return Source("header", name, convert, default, required)


@dataclass
class Declaration:
    """What the decorators recorded on one function."""

    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    accepts: tuple[str, ...] | None = None
    produces: tuple[str, ...] | None = None
    action: str | None = None                  # body key of POST {member}/action
    route: tuple[str, str, bool] | None = None  # (HTTP method, path suffix, on the member?)
    schemas: dict[str, Any] = field(default_factory=dict)  # "body", "query", "response" -> JSON Schema
    variants: tuple[Variant, ...] = ()
    rule: str | None = None                    # the policy rule that governs it
    rule_spec: RuleSpec | None = None          # its default, when declared here
    rule_in_handler: bool | None = None        # True: the handler checks it, with req.authorize(target)
    rule_denied: str | None = None             # the 403's message when the rule denies
    sources: dict[str, Source] = field(default_factory=dict)
    summary: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    negotiate_version: bool | None = None      # False: outside microversions (a discovery document)


def declaration(func: Any) -> Declaration | None:
    return getattr(func, ATTRIBUTE, None)


def _declare(func: F, **facts: Any) -> F:
    decl = getattr(func, ATTRIBUTE, None)
    if decl is None:
        decl = Declaration()
        setattr(func, ATTRIBUTE, decl)
    for key, value in facts.items():
        if value is not None:
            setattr(decl, key, value)
    return func


def response(status: int, *, headers: dict[str, str] | None = None) -> Callable[[F], F]:
    """The success status (and static headers) of a method: Nova's ``@wsgi.response(202)``."""
    return lambda func: _declare(func, status=status, headers=dict(headers) if headers else None)


def accepts(*media_types: str) -> Callable[[F], F]:
    """The request body media types a method takes (default ``application/json``); others get 415."""
    if not media_types:
        raise ValueError("accepts() needs at least one media type")
    return lambda func: _declare(func, accepts=tuple(m.lower() for m in media_types))


def produces(*media_types: str) -> Callable[[F], F]:
    """The media types a method answers with, preferred first (default ``application/json``).

    The request's ``Accept`` picks one (406 when none fits); the handler
    reads it as ``req.media_type``:

    >>> @produces("text/plain", "application/octet-stream")
    ... def on_get(self, req): ...

    ``produces("*/*")`` says the handler negotiates itself: no 406 and no parse of ``Accept`` before it
    runs (Barbican's payload reads take the header literally); it answers with a Result naming the type.
    """
    if not media_types:
        raise ValueError("produces() needs at least one media type")
    return lambda func: _declare(func, produces=tuple(m.lower() for m in media_types))


def action(name: str, *, status: int | None = None) -> Callable[[F], F]:
    """A member action: ``POST {member}/action`` with body ``{name: ...}`` (Nova's ``@wsgi.action``)."""
    return lambda func: _declare(func, action=name, status=status)


def collection_action(method: str, path: str, *, status: int | None = None) -> Callable[[F], F]:
    """A custom collection route: ``collection_action("GET", "detail")`` is ``GET /servers/detail``."""
    return lambda func: _declare(func, route=(method.upper(), path.strip("/"), False), status=status)


def member_action(method: str, path: str, *, status: int | None = None) -> Callable[[F], F]:
    """A custom member route: ``member_action("POST", "reboot")`` is ``POST /servers/{id}/reboot``."""
    return lambda func: _declare(func, route=(method.upper(), path.strip("/"), True), status=status)


def validate(*, body: dict[str, Any] | None = None, query: dict[str, Any] | None = None,
             response: dict[str, Any] | None = None) -> Callable[[F], F]:
    """JSON Schemas for a method's request body, query string and response body, in every version.

    >>> @validate(body=CREATE_SERVER, query=None)
    ... def create(self, req, body): ...
    """
    schemas = {k: v for k, v in (("body", body), ("query", query), ("response", response)) if v is not None}
    if not schemas:
        raise ValueError("validate() needs at least one of body=, query=, response=")
    return lambda func: _declare(func, schemas=schemas)


def versioned(*variants: Variant) -> Callable[[F], F]:
    """The version table of an operation: one ``Variant`` per range, contiguous and disjoint.

    >>> @versioned(
    ...     Variant("2.1", "2.39", body=CREATE_V21),
    ...     Variant("2.40", status=202, body=CREATE_V240, handler="create_v240"),
    ... )
    ... def create(self, req, body): ...
    """
    if not variants or not all(isinstance(v, Variant) for v in variants):
        raise ValueError("versioned() takes one or more Variant rows")
    return lambda func: _declare(func, variants=tuple(variants))


def rule(name: str | oslo_policy.RuleDefault, check_str: str | None = None, description: str | None = None, *,
         scope_types: list[str] | tuple[str, ...] | None = None,
         deprecated_rule: oslo_policy.DeprecatedRule | None = None,
         in_handler: bool = False, denied: str | None = None) -> Callable[[F], F]:
    """The policy rule that governs a method, and (with a check string) its default, declared here.

    >>> @rule("compute:servers:show", "role:reader and project_id:%(project_id)s", "Show a server.",
    ...       scope_types=["project"])
    ... def show(self, req, id): ...
    >>> @rule("compute:servers:detail")          # a rule registered elsewhere (api.policy.register)
    ... def detail(self, req): ...

    An oslo ``RuleDefault`` or ``DocumentedRuleDefault`` may be given whole
    instead. A default declared here becomes a ``DocumentedRuleDefault``
    whose operations are the routes naming it.

    ``in_handler=True``: the rule needs what the handler loads (an owner's
    project, an ACL), so the handler checks it, once it has the entity, with
    ``req.authorize(target)``; a handler that answers without having done
    so gets a 500, never a success (see docs/policy.md). ``denied`` is the
    message of the 403 when the rule (or its scope) refuses, instead of
    ``Policy doesn't allow <rule> to be performed.``:

    >>> @rule("secret:get", in_handler=True, denied="Secret retrieval attempt not allowed")
    ... def show(self, req, id, session):
    ...     secret = load(session, id)
    ...     req.authorize({"target": {"secret": {"project_id": secret.project_id}}})
    """
    if denied is not None and (not isinstance(denied, str) or not denied):
        raise ValueError("rule(denied=...) is the denial's message, a non-empty string")
    if isinstance(name, oslo_policy.RuleDefault):
        if check_str is not None or description is not None or scope_types or deprecated_rule:
            raise ValueError(f"rule({name.name!r}): given an oslo RuleDefault, it takes nothing else")
        spec: RuleSpec | None = RuleSpec.of(name)
        name = name.name
    elif not isinstance(name, str) or not name:
        raise ValueError("rule() needs the rule's name")
    elif check_str is None:
        if description is not None or scope_types or deprecated_rule:
            raise ValueError(f"rule({name!r}): a description or scope types need the default's check string")
        spec = None
    else:
        spec = RuleSpec(name, check_str, description or "", tuple(scope_types) if scope_types else None,
                        deprecated_rule)
    return lambda func: _declare(func, rule=name, rule_spec=spec, rule_in_handler=bool(in_handler),
                                 rule_denied=denied)


def bind(**sources: Source) -> Callable[[F], F]:
    """Where handler arguments come from when their names do not say: ``Header(...)``, ``Query(...)``."""
    for name, source in sources.items():
        if not isinstance(source, Source):
            raise ValueError(f"bind({name}=...) takes cravat.Query(...) or cravat.Header(...), not {source!r}")
    return lambda func: _declare(func, sources=dict(sources))


def document(*, summary: str | None = None, description: str | None = None,
             tags: tuple[str, ...] | list[str] | None = None) -> Callable[[F], F]:
    """Documentation for generated API documents; the summary defaults to the docstring's first line."""
    return lambda func: _declare(func, summary=summary, description=description,
                                 tags=tuple(tags) if tags is not None else None)


def unversioned(func: F) -> F:
    """Serve a method outside microversions: its request's version header is read but never refused.

    For documents that answer questions about versions (``GET /``), which
    must not 406 the question "which versions are there?".
    """
    return _declare(func, negotiate_version=False)
