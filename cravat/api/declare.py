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


@dataclass
class Declaration:
    status: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    accepts: tuple[str, ...] | None = None
    action: str | None = None                  # body key of POST {member}/action
    route: tuple[str, str, bool] | None = None  # (HTTP method, path suffix, on the member?)


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
