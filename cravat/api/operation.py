"""The operation: what every declaration style compiles into, and what the dispatcher runs.

An operation is one method at one path template with one handler, plus all
the dispatcher needs to run it without looking anything up per request: the
success status line, static response headers, the media types its body may
have, and how to bind the handler's arguments.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from cravat.http.codecs import JSON
from cravat.http.status import status_line
from cravat.routing.template import Template
from cravat.types import Handler


class DeclarationError(ValueError):
    """A declaration that cannot be compiled into an operation; the message names it."""


@dataclass(frozen=True, slots=True, eq=False)
class Operation:
    """One compiled operation.

    >>> op = compile_operation("servers:show", "GET", parse_template("/servers/{id}"), ctl.show)
    >>> (op.status, op.param_names, op.takes_body)
    (200, ('id',), False)
    """

    name: str                        # "servers:show"; unique in an API; url_for uses it
    method: str                      # "GET"
    template: Template
    handler: Handler | None          # None for an action endpoint: its actions hold the handlers
    status: int = 200
    headers: tuple[tuple[str, str], ...] = ()
    accepts: tuple[str, ...] = (JSON,)
    source: str = ""                 # "examples.compute.ServersController.show", for messages
    actions: Mapping[str, Operation] | None = None  # POST .../action: body key -> operation
    # Derived at compile time from the handler's signature and the template:
    status_line: str = ""
    param_names: tuple[str, ...] = ()
    pass_params: tuple[str, ...] | None = None  # None: pass every path parameter
    takes_body: bool = False
    body_required: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.name} ({self.source})" if self.source else self.name

    def at(self, template: Template) -> Operation:
        """The same operation at another template (a project id prefix, say), rebound."""
        actions = None if self.actions is None else {k: a.at(template) for k, a in self.actions.items()}
        return compile_operation(self.name, self.method, template, self.handler, status=self.status,
                                 headers=self.headers, accepts=self.accepts, source=self.source,
                                 actions=actions, extra=self.extra)


def compile_operation(name: str, method: str, template: Template, handler: Handler | None, *,
                      status: int = 200, headers: Any = (), accepts: tuple[str, ...] = (JSON,),
                      source: str = "", actions: Mapping[str, Operation] | None = None,
                      extra: Mapping[str, Any] | None = None) -> Operation:
    """Check ``handler`` against ``template`` and build the operation, or raise ``DeclarationError``."""
    source = source or describe_handler(handler)
    if not 100 <= status <= 599:
        raise DeclarationError(f"{name} ({source}): success status {status} is not an HTTP status")
    headers = tuple(headers.items()) if isinstance(headers, Mapping) else tuple(headers)
    op = Operation(name=name, method=method.upper(), template=template, handler=handler, status=status,
                   headers=headers, accepts=tuple(accepts), source=source, actions=actions,
                   status_line=status_line(status), param_names=template.param_names, extra=extra or {})
    if actions is not None:
        return replace(op, takes_body=True, body_required=True)
    if handler is None:
        raise DeclarationError(f"{name}: an operation needs a handler")
    return replace(op, **_bind(op, handler))


def _bind(op: Operation, handler: Handler) -> dict[str, Any]:
    """How to call ``handler``: which path parameters it takes and whether it takes ``body``."""
    try:
        signature = inspect.signature(handler)
    except (TypeError, ValueError):
        raise DeclarationError(f"{op}: the handler is not a callable with a signature") from None
    params = list(signature.parameters.values())
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if not params or params[0].kind not in positional:
        raise DeclarationError(f"{op}: the handler must take the request as its first argument")
    named = {p.name: p for p in params[1:]
             if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    for p in named.values():
        if p.name not in op.param_names and p.name != "body" and p.default is inspect.Parameter.empty:
            raise DeclarationError(
                f"{op}: the handler takes {p.name!r}, which is neither a path parameter of "
                f"{op.template.text} nor 'body'")
    body = named.get("body")
    passed = tuple(n for n in op.param_names if n in named)
    return {
        "pass_params": None if takes_all or len(passed) == len(op.param_names) else passed,
        "takes_body": body is not None,
        "body_required": body is not None and body.default is inspect.Parameter.empty,
    }


def describe_handler(handler: Any) -> str:
    """``module.Class.method`` for messages and route tables."""
    if handler is None:
        return ""
    func = getattr(handler, "__func__", handler)
    module = getattr(func, "__module__", None) or ""
    qualname = getattr(func, "__qualname__", None) or type(handler).__qualname__
    return f"{module}.{qualname}" if module else qualname
