"""The operation: what every declaration style compiles into, and what the dispatcher runs.

An operation is one method at one path template with one handler, plus all
the dispatcher needs to run it without looking anything up per request: the
success status line, static response headers, the media types its body may
have, and how to bind the handler's arguments.
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from cravat.http.codecs import JSON
from cravat.http.status import status_line
from cravat.routing.template import Template
from cravat.types import Handler
from cravat.validation.query import query_coercer
from cravat.validation.validators import compile_schema, describe, request_validator
from cravat.versions.microversion import VersionRange

#: Keyword arguments the dispatcher supplies besides path parameters.
RESERVED_ARGUMENTS = ("body", "query")


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
    versions: tuple[Operation, ...] | None = None    # implementations by version range, in order
    version_range: VersionRange | None = None        # of one implementation; None: every version
    schemas: Mapping[str, Any] = field(default_factory=dict)  # "body", "query", "response" -> JSON Schema
    # Derived at compile time from the handler's signature, the template and the schemas:
    status_line: str = ""
    param_names: tuple[str, ...] = ()
    pass_params: tuple[str, ...] | None = None  # None: pass every path parameter
    takes_body: bool = False
    body_required: bool = False
    takes_query: bool = False
    validate_body: Callable[[Any], Any] | None = None
    validate_query: Callable[[Any], Any] | None = None
    check_response: Callable[[Any], str | None] | None = None
    #: The implementation chosen for each version seen, filled by the dispatcher.
    by_version: dict[Any, Operation] = field(default_factory=dict)

    def __str__(self) -> str:
        return f"{self.name} ({self.source})" if self.source else self.name

    def at(self, template: Template) -> Operation:
        """The same operation at another template (a project id prefix, say), rebound."""
        actions = None if self.actions is None else {k: a.at(template) for k, a in self.actions.items()}
        versions = None if self.versions is None else tuple(v.at(template) for v in self.versions)
        return compile_operation(self.name, self.method, template, self.handler, status=self.status,
                                 headers=self.headers, accepts=self.accepts, source=self.source,
                                 actions=actions, versions=versions, version_range=self.version_range,
                                 schemas=self.schemas)

    def implementations(self) -> tuple[Operation, ...]:
        """The operations that run handlers: the actions' and versions' leaves, or this one."""
        if self.actions is not None:
            return tuple(leaf for a in self.actions.values() for leaf in a.implementations())
        if self.versions is not None:
            return self.versions
        return (self,)


def compile_operation(name: str, method: str, template: Template, handler: Handler | None, *,
                      status: int = 200, headers: Any = (), accepts: tuple[str, ...] = (JSON,),
                      source: str = "", actions: Mapping[str, Operation] | None = None,
                      versions: tuple[Operation, ...] | None = None, version_range: VersionRange | None = None,
                      schemas: Mapping[str, Any] | None = None) -> Operation:
    """Check ``handler`` against ``template`` and build the operation, or raise ``DeclarationError``."""
    source = source or describe_handler(handler)
    where = f"{name} ({source})" if source else name
    if not 100 <= status <= 599:
        raise DeclarationError(f"{where}: success status {status} is not an HTTP status")
    schemas = dict(schemas or {})
    if actions is not None:
        binding: dict[str, Any] = {"takes_body": True, "body_required": True}
    elif versions is not None:
        # Which arguments apply is known only once a version is chosen; read the body if any version takes it.
        binding = {"takes_body": any(v.takes_body for v in versions)}
    elif handler is None:
        raise DeclarationError(f"{where}: an operation needs a handler")
    else:
        binding = {**_bind(where, template, handler), **_validators(where, schemas)}
    headers = tuple(headers.items()) if isinstance(headers, Mapping) else tuple(headers)
    return Operation(name=name, method=method.upper(), template=template, handler=handler, status=status,
                     headers=headers, accepts=tuple(accepts), source=source, actions=actions,
                     versions=versions, version_range=version_range, schemas=schemas,
                     status_line=status_line(status), param_names=template.param_names,
                     **binding)


def _validators(where: str, schemas: Mapping[str, Any]) -> dict[str, Any]:
    """Compiled validators for the schemas an operation declares."""
    out: dict[str, Any] = {}
    if "body" in schemas:
        out["validate_body"] = request_validator(schemas["body"], where, "body")
    if "query" in schemas:
        coerce = query_coercer(schemas["query"])
        validate = request_validator(schemas["query"], where, "query")
        out["validate_query"] = lambda params: validate(coerce(params))
    if "response" in schemas:
        check = compile_schema(schemas["response"], where)

        def check_response(value: Any) -> str | None:
            try:
                check(value)
            except Exception as exc:  # fastjsonschema's JsonSchemaValueException
                return describe(exc, "response") if hasattr(exc, "rule") else str(exc)
            return None

        out["check_response"] = check_response
    return out


def _bind(where: str, template: Template, handler: Handler) -> dict[str, Any]:
    """How to call ``handler``: which path parameters it takes and whether it takes ``body``."""
    first, named, takes_all = _parameters(where, handler)
    if not first:
        raise DeclarationError(f"{where}: the handler must take the request as its first argument")
    path_params = template.param_names
    for param, has_default in named.items():
        if param not in path_params and param not in RESERVED_ARGUMENTS and not has_default:
            raise DeclarationError(
                f"{where}: the handler takes {param!r}, which is neither a path parameter of "
                f"{template.text} nor one of {', '.join(RESERVED_ARGUMENTS)}")
    passed = tuple(n for n in path_params if n in named)
    return {
        "pass_params": None if takes_all or len(passed) == len(path_params) else passed,
        "takes_body": "body" in named,
        "body_required": "body" in named and not named["body"],
        "takes_query": "query" in named,
    }


def _parameters(where: str, handler: Handler) -> tuple[bool, dict[str, bool], bool]:
    """``(takes a positional first argument, {keyword name: has a default}, takes **kwargs)``.

    PERF: plain functions and methods are read from their code object;
    ``inspect.signature`` costs ten times as much and dominated building an
    app of thousands of routes. Anything else (partials, callable objects,
    ``functools.wraps`` wrappers) goes through ``inspect``.
    """
    func = getattr(handler, "__func__", handler)
    code = getattr(func, "__code__", None)
    if code is None or hasattr(func, "__wrapped__") or not isinstance(code, types.CodeType):
        return _parameters_by_inspect(where, handler)
    skip = 1 if func is not handler else 0  # a bound method's self
    positional = code.co_varnames[skip:code.co_argcount]
    kwonly = code.co_varnames[code.co_argcount:code.co_argcount + code.co_kwonlyargcount]
    defaults = len(func.__defaults__ or ())
    named = {n: i >= len(positional) - defaults for i, n in enumerate(positional[1:], start=1)}
    named.update((n, n in (func.__kwdefaults__ or {})) for n in kwonly)
    takes_request = bool(positional) or bool(code.co_flags & inspect.CO_VARARGS)
    return takes_request, named, bool(code.co_flags & inspect.CO_VARKEYWORDS)


def _parameters_by_inspect(where: str, handler: Handler) -> tuple[bool, dict[str, bool], bool]:
    try:
        signature = inspect.signature(handler)
    except (TypeError, ValueError):
        raise DeclarationError(f"{where}: the handler is not a callable with a signature") from None
    params = list(signature.parameters.values())
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    named = {p.name: p.default is not inspect.Parameter.empty for p in params[1:]
             if p.kind in (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)}
    takes_all = any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params)
    return bool(params) and params[0].kind in positional, named, takes_all


def describe_handler(handler: Any) -> str:
    """``module.Class.method`` for messages and route tables."""
    if handler is None:
        return ""
    func = getattr(handler, "__func__", handler)
    module = getattr(func, "__module__", None) or ""
    qualname = getattr(func, "__qualname__", None) or type(handler).__qualname__
    return f"{module}.{qualname}" if module else qualname
