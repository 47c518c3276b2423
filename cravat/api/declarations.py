"""Declarations: what a controller, a responder or an extension asked for, and where.

Every way of declaring an operation ends as :class:`OperationDecl` records,
each stamped with the file and line that made it. The :class:`Registry`
keeps them until the API compiles. It refuses a declaration that clashes
with one already there (the same method at the same template, the same
operation name, two parameters at one place with different patterns),
naming both and where each was made, unless the newcomer says it overrides
(then the log says what replaced what). A group of declarations is taken
whole or not at all.

>>> registry.add([decl_a, decl_b], where)          # both, or neither and an error
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from cravat.api.declare import Declaration
from cravat.routing.router import RouteConflict
from cravat.routing.template import Template
from cravat.types import Handler

LOG = logging.getLogger(__name__)

_NO_EXTRAS: Mapping[str, Any] = MappingProxyType({})
_CRAVAT_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class DeclarationError(ValueError):
    """A declaration that cannot be compiled; the message names it and where it was made."""


@dataclass(frozen=True, slots=True)
class Where:
    """A place in the source: ``examples/compute.py:205``."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}"

    @classmethod
    def of_caller(cls) -> Where:
        """The first frame outside cravat: the user's ``api.resource(...)`` line."""
        frame = sys._getframe(1)
        while frame is not None and frame.f_code.co_filename.startswith(_CRAVAT_DIR) and \
                "/tests/" not in frame.f_code.co_filename:
            frame = frame.f_back
        if frame is None:
            return cls("<unknown>", 0)
        return cls(_relative(frame.f_code.co_filename), frame.f_lineno)

    @classmethod
    def of_function(cls, func: Any) -> Where | None:
        code = getattr(getattr(func, "__func__", func), "__code__", None)
        return cls(_relative(code.co_filename), code.co_firstlineno) if code is not None else None


def _relative(path: str) -> str:
    try:
        relative = os.path.relpath(path)
    except ValueError:
        return path
    return path if relative.startswith("..") else relative


@dataclass(frozen=True, slots=True, eq=False)
class OperationDecl:
    """One declared operation: a method at a template with its handler and what was declared of it.

    An action (``POST .../action`` chosen by the body's key) is one
    declaration per action, with ``action`` set; they share one endpoint.
    """

    name: str                    # "servers:show"; unique in an API; url_for uses it
    method: str                  # "GET"
    template: Template
    handler: Handler
    facts: Declaration           # what the decorators said
    owner: Any                   # the controller or responder, for version handlers named by string
    source: str                  # "examples.compute.ServersController.show"
    where: Where                 # the api.resource(...) call that declared it
    default_status: int = 200
    action: str | None = None
    negotiate_version: bool = True
    override: bool = False
    #: Every template it is served at: the declared one, and with a project id prefix (or only that).
    mounts: tuple[Template, ...] = ()
    #: A prepared ``cravat.api.binding.Signature`` to bind by, instead of reading the handler's own: for a
    #: handler that adapts another calling convention (a spec-first function that takes no request, say).
    signature: Any = None
    #: What a feature records of it for later ones (``{"extension": "os-server-tags"}``): its
    #: implementations carry it as ``Implementation.extras``.
    extras: Mapping[str, Any] = field(default_factory=lambda: _NO_EXTRAS)

    def __str__(self) -> str:
        return f"{self.name} ({self.source}, declared at {self.where})"

    @property
    def templates(self) -> tuple[Template, ...]:
        return self.mounts or (self.template,)

    @property
    def route_keys(self) -> tuple[tuple[str, str, str | None], ...]:
        """What two declarations may not share: method, route shape and action key, at each mount."""
        return tuple((self.method, shape(t), self.action) for t in self.templates)



def shape(template: Template) -> str:
    """A template with parameter names left out: ``/servers/{id}`` and ``/servers/{sid}`` are one route."""
    return template.shape


@dataclass
class Registry:
    """The declarations of one API, in the order they were made."""

    declarations: list[OperationDecl] = field(default_factory=list)
    _by_route: dict[tuple[str, str, str | None], OperationDecl] = field(default_factory=dict)
    _by_name: dict[str, OperationDecl] = field(default_factory=dict)
    # (shape of the template up to a parameter's place) -> (that parameter's key, the declaration)
    _places: dict[str, tuple[str, OperationDecl]] = field(default_factory=dict)
    # (method, shape) -> a declaration there, and whether it is an action: the two cannot share an endpoint
    _kinds: dict[tuple[str, str], OperationDecl] = field(default_factory=dict)

    def add(self, decls: Sequence[OperationDecl]) -> None:
        """Take all of ``decls`` or, raising, none of them."""
        # What this group adds is staged beside what is there and merged only when all of it holds.
        routes: dict[tuple[str, str, str | None], OperationDecl] = {}
        names: dict[str, OperationDecl] = {}
        places: dict[str, tuple[str, OperationDecl]] = {}
        kinds: dict[tuple[str, str], OperationDecl] = {}
        replaced: list[OperationDecl] = []
        for decl in decls:
            for key in decl.route_keys:
                existing = routes.get(key) or self._by_route.get(key)
                if existing is not None and existing not in replaced:
                    if not decl.override or existing in decls:
                        raise _route_conflict(existing, decl)
                    replaced.append(existing)
            other = names.get(decl.name) or self._by_name.get(decl.name)
            if other is not None and other not in replaced:
                raise DeclarationError(
                    f"operation name {decl.name!r} is used by {other.source} at {other.method} "
                    f"{other.template.text} (declared at {other.where}) and by {decl.source} at {decl.method} "
                    f"{decl.template.text} (declared at {decl.where}); pass name= to tell them apart")
            for template in decl.templates:
                _check_places(self._places, places, decl, template, replaced)
                _check_kind(self._kinds, kinds, decl, template, replaced)
            for key in decl.route_keys:
                routes[key] = decl
            names[decl.name] = decl
        for old in replaced:
            new = routes[old.route_keys[0]]
            LOG.info("%s %s%s: %s overrides %s", new.method, new.template.text,
                     f" {{{new.action!r}: ...}}" if new.action else "", new, old)
            if self._by_name.get(old.name) is old:
                del self._by_name[old.name]
        if replaced:
            self.declarations = [d for d in self.declarations if d not in replaced]
        self.declarations.extend(decls)
        self._by_route.update(routes)
        self._by_name.update(names)
        self._places.update(places)
        self._kinds.update(kinds)

    def __iter__(self) -> Iterator[OperationDecl]:
        return iter(self.declarations)

    def __len__(self) -> int:
        return len(self.declarations)

    def names(self) -> list[str]:
        return list(self._by_name)


def _route_conflict(existing: OperationDecl, decl: OperationDecl) -> RouteConflict:
    action = f" {{{decl.action!r}: ...}}" if decl.action else ""
    return RouteConflict(
        f"duplicate route {decl.method} {decl.template.text}{action}: {existing} and {decl}; "
        "pass override=True to replace the first on purpose")


def _check_kind(known: dict[tuple[str, str], OperationDecl], kinds: dict[tuple[str, str], OperationDecl],
                decl: OperationDecl, template: Template, replaced: list[OperationDecl]) -> None:
    """An endpoint chooses by action key or not at all: ``POST .../action`` cannot be both."""
    key = (decl.method, shape(template))
    other = kinds.get(key) or known.get(key)
    if other is None or other in replaced:
        kinds[key] = decl
    elif (other.action is None) != (decl.action is None):
        action, plain = (decl, other) if decl.action is not None else (other, decl)
        raise RouteConflict(
            f"duplicate route {decl.method} {template.text}: {plain} answers it, so action "
            f"{action.action!r} of {action} cannot be chosen there by the body's key")


def _check_places(known: dict[str, tuple[str, OperationDecl]], places: dict[str, tuple[str, OperationDecl]],
                  decl: OperationDecl, template: Template, replaced: list[OperationDecl]) -> None:
    """Parameters at one place in the tree must share a pattern: else which one a path takes is a guess."""
    prefix = ""
    for index, segment in enumerate(template.segments, start=1):
        if not segment.is_literal:
            seen = places.get(prefix) or known.get(prefix)
            if seen is None or seen[1] in replaced:
                places[prefix] = (segment.key, decl)
            elif seen[0] != segment.key:
                other = seen[1]
                theirs = next(t for t in other.templates if _has_place(t, prefix, seen[0]))
                raise RouteConflict(
                    f"ambiguous routes {theirs.text} ({other.source}, declared at {other.where}) and "
                    f"{template.text} ({decl.source}, declared at {decl.where}): segment {index} is "
                    f"{_segment_at(theirs, index)} in one and {segment.text} in the other; parameters "
                    "at the same place must share one pattern")
        prefix += "/" + segment.key


def _segment_at(template: Template, index: int) -> str:
    return template.segments[index - 1].text


def _has_place(template: Template, prefix: str, key: str) -> bool:
    """Whether ``template`` has a parameter with ``key`` right after ``prefix``."""
    text = ""
    for segment in template.segments:
        if text == prefix:
            return segment.key == key
        text += "/" + segment.key
    return False
