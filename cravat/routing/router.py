"""The compiled router: a path finds its route by dict lookups, whatever the table's size.

Templates are compiled at start-up into a tree with one node per segment.
A node's literal children sit in a dict; its parameter child, if any, is one
edge with an optional compiled pattern. Looking a path up walks the tree one
segment at a time, so its cost grows with the path's depth, not with the
number of routes.

Precedence, stated once: at every segment a literal beats a parameter
(``/servers/detail`` before ``/servers/{id}``); when the literal branch leads
nowhere, the parameter branch is tried. Two templates whose parameters stand
at the same place with different patterns are ambiguous, and an error at
start-up.

A route holds the operations for each HTTP method and the ``Allow`` header,
both computed when a method is added, never per request.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from cravat.routing.template import Segment, Template

# The order methods are listed in Allow headers and route tables.
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class RouteConflict(ValueError):
    """Two registrations that cannot both hold; the message names both."""


class Route:
    """Everything one path answers: ``endpoints`` by method and its ``Allow`` header.

    ``convert`` turns the parameter values matched as text into the values
    handlers get (``{id:int}`` -> ``int``); None when every parameter is text.
    """

    __slots__ = ("template", "endpoints", "allow", "param_names", "convert", "params")

    def __init__(self, template: Template,
                 params: Callable[[tuple[Any, ...]], dict[str, Any]] | None = None) -> None:
        self.template = template
        self.endpoints: dict[str, Any] = {}
        self.allow = "OPTIONS"
        self.param_names = template.param_names
        self.convert = _converter(template)
        #: ``params(values)``: a new dict of the parameters by name, from ``match``'s values.
        self.params = params if params is not None else namer(template.param_names)

    def add(self, method: str, endpoint: Any) -> None:
        existing = self.endpoints.get(method)
        if existing is not None:
            raise RouteConflict(f"duplicate route {method} {self.template.text}: {existing} and {endpoint}")
        self.endpoints[method] = endpoint
        self.allow = ", ".join(allowed_methods(self.endpoints))

    def __repr__(self) -> str:
        return f"<Route {self.template.text}>"


def _no_params(values: tuple[Any, ...]) -> dict[str, Any]:
    return {}


def namer(names: tuple[str, ...]) -> Callable[[tuple[Any, ...]], dict[str, Any]]:
    """``values -> {name: value}`` for a route whose parameters are ``names``."""
    if not names:
        return _no_params
    if len(names) == 1:
        (only,) = names
        return lambda values: {only: values[0]}  # PERF: a third of dict(zip(...)) for the usual one
    return lambda values: dict(zip(names, values))


def _converter(template: Template) -> Callable[[tuple[str, ...]], tuple[Any, ...]] | None:
    converters = template.converters
    if not any(converters):
        return None
    functions = tuple(c.convert if c is not None else None for c in converters)

    def convert(values: tuple[str, ...]) -> tuple[Any, ...]:
        return tuple(v if f is None else f(v) for f, v in zip(functions, values))

    return convert


def allowed_methods(methods: dict[str, Any]) -> list[str]:
    """The methods a route answers: its own, HEAD where it has GET, and OPTIONS.

    >>> allowed_methods({"PUT": ..., "GET": ...})
    ['GET', 'HEAD', 'PUT', 'OPTIONS']
    """
    names = set(methods) | {"OPTIONS"}
    if "GET" in names:
        names.add("HEAD")
    ordered = [m for m in METHOD_ORDER if m in names]
    return ordered + sorted(names.difference(METHOD_ORDER))


class _ParamEdge:
    __slots__ = ("key", "fullmatch", "whole", "node", "segment", "template")

    def __init__(self, segment: Segment, template: str) -> None:
        self.key = segment.key
        self.fullmatch: Callable[[str], Any] | None = re.compile(segment.regex).fullmatch if segment.regex else None
        self.whole = segment.whole  # the segment is the value; else the regex's groups are the values
        self.node = _Node()
        self.segment = segment.text  # as first written, for messages
        self.template = template     # the template that introduced it, for messages


class _Node:
    __slots__ = ("static", "param", "route")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.param: _ParamEdge | None = None
        self.route: Route | None = None


_NO_VALUES: tuple[str, ...] = ()


class Router:
    """Maps a path to its ``Route`` and the values of its path parameters.

    It is built once, when the API compiles, and only read afterwards; what
    ``match`` returns is immutable, so no caller can change another's answer.

    >>> router.add(parse_template("/servers/{id}"), "GET", show)
    >>> router.match("/servers/42")
    (<Route /servers/{id}>, ('42',))
    """

    def __init__(self) -> None:
        self._root = _Node()
        # PERF: templates without parameters are found by one dict lookup on the whole path.
        self._static: dict[str, Route] = {}
        self.routes: list[Route] = []
        self._namers: dict[tuple[str, ...], Callable[[tuple[Any, ...]], dict[str, Any]]] = {}

    def add(self, template: Template, method: str, endpoint: Any) -> Route:
        """Register ``endpoint`` for ``method`` at ``template``; returns the route it joined."""
        node = self._root
        for index, segment in enumerate(template.segments, start=1):
            if segment.is_literal:
                node = node.static.setdefault(segment.text, _Node())
                continue
            edge = node.param
            if edge is None:
                edge = node.param = _ParamEdge(segment, template.text)
            elif edge.key != segment.key:
                raise RouteConflict(
                    f"ambiguous routes {edge.template} and {template.text}: segment {index} is "
                    f"{edge.segment} in one and {segment.text} in the other; parameters at the same "
                    "place must share one pattern")
            node = edge.node
        if node.route is None:
            params = self._namers.get(template.param_names)
            if params is None:  # routes with the same parameter names share one function
                params = self._namers[template.param_names] = namer(template.param_names)
            node.route = Route(template, params)
            self.routes.append(node.route)
            if template.is_static:
                self._static["/" + "/".join(s.text for s in template.segments)] = node.route
        node.route.add(method, endpoint)
        return node.route

    def match(self, path: str) -> tuple[Route | None, tuple[Any, ...]]:
        """``(route, parameter values in path order)``, or ``(None, ())`` when no route matches."""
        route = self._static.get(path)
        if route is not None:
            return route, _NO_VALUES
        if len(path) > 1 and path[-1] == "/":
            path = path[:-1]
            route = self._static.get(path)
            if route is not None:
                return route, _NO_VALUES
        # PERF: walk greedily (literal first, else the parameter); only a dead
        # end pays for the backtracking search.
        node = self._root
        values: list[str] = []
        for segment in path[1:].split("/"):
            child = node.static.get(segment)
            if child is None:
                edge = node.param
                if edge is None or not segment:
                    return self._search(path)
                if edge.fullmatch is None:
                    values.append(segment)
                else:
                    found = edge.fullmatch(segment)
                    if found is None:
                        return self._search(path)
                    if edge.whole:
                        values.append(segment)
                    else:
                        values.extend(found.groups())
                child = edge.node
            node = child
        route = node.route
        if route is None:
            return self._search(path)
        return route, tuple(values) if route.convert is None else route.convert(tuple(values))

    def _search(self, path: str) -> tuple[Route | None, tuple[Any, ...]]:
        values: list[str] = []
        route = _descend(self._root, path[1:].split("/"), 0, values, None)
        if route is None:
            return None, _NO_VALUES
        return route, tuple(values) if route.convert is None else route.convert(tuple(values))

    def explain_miss(self, path: str) -> str:
        """Why no route matches ``path``, naming a parameter whose pattern refused a segment."""
        misses: list[tuple[int, str, _ParamEdge, bool]] = []
        segments = path.rstrip("/")[1:].split("/") if path != "/" else [""]
        _descend(self._root, segments, 0, [], misses)
        if not misses:
            return f"No resource matches the path {path}."
        index, segment, edge, beside_literals = max(misses, key=lambda miss: miss[0])
        if beside_literals:
            return (f"No resource matches the path {path}: segment {index + 1} {segment!r} is not a known "
                    f"name there and does not match {edge.segment}.")
        return f"No resource matches the path {path}: segment {index + 1} {segment!r} does not match {edge.segment}."


def _descend(node: _Node, segments: list[str], index: int, values: list[str],
             misses: list[tuple[int, str, _ParamEdge, bool]] | None) -> Route | None:
    """Depth-first search, literal before parameter.

    ``misses`` collects segments a parameter's pattern refused where no literal
    took the segment either (a literal that matched is not the pattern's fault),
    with whether literals stood beside the parameter.
    """
    if index == len(segments):
        return node.route
    segment = segments[index]
    child = node.static.get(segment)
    if child is not None:
        route = _descend(child, segments, index + 1, values, misses)
        if route is not None:
            return route
    edge = node.param
    if edge is None or not segment:
        return None
    found = edge.fullmatch(segment) if edge.fullmatch is not None else None
    if edge.fullmatch is not None and found is None:
        if misses is not None and child is None:
            misses.append((index, segment, edge, bool(node.static)))
        return None
    taken = (segment,) if found is None or edge.whole else found.groups()
    values.extend(taken)
    route = _descend(edge.node, segments, index + 1, values, misses)
    if route is None:
        del values[len(values) - len(taken):]
    return route
