"""Argument binding: which handler argument comes from where, decided once per implementation.

A handler is called as ``handler(req, **arguments)``. Each argument it
names comes, by that name, from the first of these that has it:

1. a source declared for it (``@cravat.bind(token=cravat.Header("X-Auth-Token"))``);
2. a path parameter of the route (``id`` for ``/servers/{id}``);
3. ``body`` (the decoded request body) or ``query`` (the whole query string);
4. a property of the operation's query schema (``limit`` for ``?limit=10``);
5. a request-scoped resource registered with the API (``session``, ``tasks``).

An argument none of them provides, and that has no default, is a start-up
error naming it and listing what could have provided it.

>>> plan = signature_of("servers:show", ServersController().show)
>>> plan.named
{'id': False}
"""

from __future__ import annotations

import inspect
import types
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from cravat.api.declarations import DeclarationError
from cravat.api.declare import Source
from cravat.types import Handler

_NONE: frozenset[str] = frozenset()

#: Arguments the request provides besides path parameters.
RESERVED_ARGUMENTS = ("body", "query")


@dataclass(frozen=True, slots=True)
class Signature:
    """What a handler takes: ``named`` maps each keyword it can take to whether it has a default."""

    named: Mapping[str, bool]
    takes_all: bool  # **kwargs


def signature_of(where: str, handler: Handler) -> Signature:
    """Read ``handler``'s signature, or raise ``DeclarationError`` naming ``where``."""
    first, named, takes_all = _parameters(where, handler)
    if not first:
        raise DeclarationError(f"{where}: the handler must take the request as its first argument")
    # A plain dict: nothing changes it once read, and 6,000 read-only views are 6,000 more objects to collect.
    return Signature(named, takes_all)


@dataclass(frozen=True, slots=True)
class Argument:
    """One argument read from the request: ``limit`` from the query, ``token`` from a header."""

    name: str
    kind: str                 # "query", "header"
    key: str                  # the query parameter or the environ key (HTTP_X_AUTH_TOKEN)
    label: str                # how messages name it: "query parameter 'limit'", "header X-Auth-Token"
    convert: Callable[[str], Any] | None
    default: Any
    required: bool


@dataclass(frozen=True, slots=True)
class Binding:
    """The arguments of one implementation, by where they come from."""

    path: tuple[str, ...]            # path parameters the handler takes
    takes_body: bool
    body_required: bool
    takes_query: bool                # the whole query string, as ``query``
    schema_query: tuple[str, ...]    # query schema properties bound by name
    arguments: tuple[Argument, ...]  # declared sources: query parameters and headers
    resources: tuple[str, ...]       # names left for the API's request-scoped resources
    resources_optional: frozenset[str] = frozenset()  # of those, the ones with a default


def bind(where: str, signature: Signature, path_params: tuple[str, ...], sources: Mapping[str, Source],
         query_properties: tuple[str, ...]) -> Binding:
    """Decide where each argument of ``signature`` comes from; names left over become resources."""
    for name in sources:
        if name not in signature.named and not signature.takes_all:
            raise DeclarationError(f"{where}: bind() names {name!r}, which the handler does not take")
    path, schema_query, arguments, resources, optional = [], [], [], [], []
    for name, has_default in signature.named.items():
        source = sources.get(name)
        if source is not None:
            arguments.append(_argument(where, name, source, has_default))
        elif name in path_params:
            path.append(name)
        elif name in RESERVED_ARGUMENTS:
            continue
        elif name in query_properties:
            schema_query.append(name)
        else:
            resources.append(name)
            if has_default:
                optional.append(name)
    if signature.takes_all:
        path = [p for p in path_params if p not in sources]
    return Binding(
        path=tuple(path),
        takes_body="body" in signature.named,
        body_required="body" in signature.named and not signature.named["body"],
        takes_query="query" in signature.named,
        schema_query=tuple(schema_query),
        arguments=tuple(arguments),
        resources=tuple(resources),
        resources_optional=frozenset(optional) if optional else _NONE,
    )


def _argument(where: str, name: str, source: Source, has_default: bool) -> Argument:
    if source.kind == "query":
        key = source.key or name
        label = f"query parameter {key!r}"
    elif source.kind == "header":
        if not source.key:
            raise DeclarationError(f"{where}: Header() for {name!r} needs the header's name")
        key = "HTTP_" + source.key.upper().replace("-", "_")
        if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH"):
            key = key[5:]
        label = f"header {source.key}"
    else:
        raise DeclarationError(f"{where}: argument {name!r} has an unknown source {source.kind!r}")
    return Argument(name, source.kind, key, label, source.convert, source.default,
                    source.required and not has_default)


def check_resources(where: str, binding: Binding, provided: Mapping[str, Any],
                    path_params: tuple[str, ...]) -> None:
    """At compile: every argument left for a resource must name one the API provides."""
    for name in binding.resources:
        if name in provided or name in binding.resources_optional:
            continue
        offered = sorted({*path_params, *RESERVED_ARGUMENTS, *provided})
        raise DeclarationError(
            f"{where}: the handler takes {name!r}, which nothing provides: it is not a path parameter, "
            f"body, query, a query schema property, a bound header or query parameter, or a resource "
            f"registered with the API (available: {', '.join(offered)})")


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
