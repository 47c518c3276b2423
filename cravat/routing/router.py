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

from cravat.routing.template import Template

# The order methods are listed in Allow headers and route tables.
METHOD_ORDER = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


class RouteConflict(ValueError):
    """Two registrations that cannot both hold; the message names both."""


class Route:
    """Everything one path answers: ``operations`` by method and its ``Allow`` header."""

    __slots__ = ("template", "operations", "allow")

    def __init__(self, template: Template) -> None:
        self.template = template
        self.operations: dict[str, Any] = {}
        self.allow = "OPTIONS"

    def add(self, method: str, operation: Any) -> None:
        existing = self.operations.get(method)
        if existing is not None:
            raise RouteConflict(f"duplicate route {method} {self.template.text}: {existing} and {operation}")
        self.operations[method] = operation
        self.allow = ", ".join(allowed_methods(self.operations))


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
    __slots__ = ("key", "fullmatch", "node", "segment", "template")

    def __init__(self, key: str, pattern: str | None, segment: str, template: str) -> None:
        self.key = key
        self.fullmatch: Callable[[str], Any] | None = re.compile(pattern).fullmatch if pattern else None
        self.node = _Node()
        self.segment = segment    # as first written, for messages
        self.template = template  # the template that introduced it, for messages


class _Node:
    __slots__ = ("static", "param", "route")

    def __init__(self) -> None:
        self.static: dict[str, _Node] = {}
        self.param: _ParamEdge | None = None
        self.route: Route | None = None


_NO_VALUES: list[str] = []


class Router:
    """Maps a path to its ``Route`` and the values of its path parameters.

    >>> router.add(parse_template("/servers/{id}"), "GET", show)
    >>> router.match("/servers/42")
    (<Route /servers/{id}>, ['42'])
    """

    def __init__(self) -> None:
        self._root = _Node()
        # PERF: templates without parameters are found by one dict lookup on the whole path.
        self._static: dict[str, Route] = {}
        self.routes: list[Route] = []

    def add(self, template: Template, method: str, operation: Any) -> Route:
        """Register ``operation`` for ``method`` at ``template``; returns the route it joined."""
        node = self._root
        for index, segment in enumerate(template.segments, start=1):
            if segment.param is None:
                node = node.static.setdefault(segment.text, _Node())
                continue
            edge = node.param
            if edge is None:
                edge = node.param = _ParamEdge(segment.key, segment.pattern, segment.text, template.text)
            elif edge.key != segment.key:
                raise RouteConflict(
                    f"ambiguous routes {edge.template} and {template.text}: segment {index} is "
                    f"{edge.segment} in one and {segment.text} in the other; parameters at the same "
                    "place must share one pattern")
            node = edge.node
        if node.route is None:
            node.route = Route(template)
            self.routes.append(node.route)
            if template.is_static:
                self._static["/" + "/".join(s.text for s in template.segments)] = node.route
        node.route.add(method, operation)
        return node.route

    def match(self, path: str) -> tuple[Route | None, list[str]]:
        """``(route, parameter values in path order)``, or ``(None, [])`` when no route matches."""
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
                if edge is None or not segment or (edge.fullmatch is not None and edge.fullmatch(segment) is None):
                    return self._search(path)
                values.append(segment)
                child = edge.node
            node = child
        if node.route is None:
            return self._search(path)
        return node.route, values

    def _search(self, path: str) -> tuple[Route | None, list[str]]:
        values: list[str] = []
        route = _descend(self._root, path[1:].split("/"), 0, values, None)
        return (route, values) if route is not None else (None, _NO_VALUES)

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
    if edge.fullmatch is not None and edge.fullmatch(segment) is None:
        if misses is not None and child is None:
            misses.append((index, segment, edge, bool(node.static)))
        return None
    values.append(segment)
    route = _descend(edge.node, segments, index + 1, values, misses)
    if route is None:
        values.pop()
    return route
