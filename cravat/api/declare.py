"""Decorators that declare how a controller or responder method is exposed.

They only record facts on the function; the API reads them once, when the
controller is added, and compiles operations from them.

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

F = TypeVar("F", bound=Callable[..., Any])

ATTRIBUTE = "__cravat_declaration__"


@dataclass(frozen=True)
class Variant:
    """One row of an operation's version table: what holds from ``min_version`` to ``max_version``.

    ``max_version`` None means up to the API's latest. ``handler`` is another
    method of the same controller (by name) or a callable; the decorated
    method when None. ``status``, ``body`` (request body schema), ``query``
    (query string schema) and ``response`` (response body schema) apply to
    this range only.
    """

    min_version: str
    max_version: str | None = None
    handler: str | Callable[..., Any] | None = None
    status: int | None = None
    body: dict[str, Any] | None = None
    query: dict[str, Any] | None = None
    response: dict[str, Any] | None = None


@dataclass
class Declaration:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    accepts: tuple[str, ...] | None = None
    action: str | None = None                  # body key of POST {member}/action
    route: tuple[str, str, bool] | None = None  # (HTTP method, path suffix, on the member?)
    schemas: dict[str, Any] = field(default_factory=dict)  # "body", "query", "response" -> JSON Schema
    variants: tuple[Variant, ...] = ()


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
