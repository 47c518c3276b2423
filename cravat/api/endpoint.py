"""Endpoints: a route and a method, and how a request there picks its implementation.

An endpoint holds one implementation, or a selector built at compile time:

- by microversion: a table with one entry per version of the API's range
  (a tuple indexed by the minor version when the range has one major
  version, else the ranges' bounds searched by bisection), never a cache
  filled per request;
- by action key: ``POST /servers/{id}/action`` reads the body and takes the
  implementation its single top-level key names (each of which may itself
  be chosen by version).

``negotiate(environ)`` reads the request's microversion as this endpoint
wants it: strictly (400 or 406 for a bad header), leniently (for documents
that describe versions, which must not refuse the question), or not at all.

>>> endpoint.select(environ, APIVersion(2, 40))
Implementation(name='servers:start', ...)
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping
from typing import Any

from cravat.api.implementation import Implementation
from cravat.api.steps import BODY_KEY
from cravat.http.bodies import NO_BODY, BodyReader
from cravat.http.errors import BadRequest, HTTPError
from cravat.types import Environ
from cravat.versions.microversion import APIVersion

#: ``select(environ, version)``: the implementation for this request, or an HTTP error saying why none.
Selector = Callable[[Environ, Any], Implementation]


class Endpoint:
    """One method at one route: its implementations and the selector that picks one per request."""

    __slots__ = ("name", "method", "template", "implementations", "select", "negotiate", "builtin")

    def __init__(self, name: str, method: str, template: str, implementations: tuple[Implementation, ...],
                 select: Selector | None, negotiate: Callable[[Environ], APIVersion | None],
                 builtin: bool = False) -> None:
        self.name = name
        self.method = method
        self.template = template
        self.implementations = implementations
        # One implementation needs no selector: its own (a bound method, no closure per endpoint).
        self.select = select if select is not None else self._only
        self.negotiate = negotiate
        self.builtin = builtin  # OPTIONS and HEAD answered for the route, not declared

    def _only(self, environ: Environ, version: Any) -> Implementation:
        return self.implementations[0]

    def __str__(self) -> str:
        sources = sorted({i.source for i in self.implementations})
        return f"{self.name} ({', '.join(sources)})" if sources else self.name

    def __repr__(self) -> str:
        return f"<Endpoint {self.method} {self.template} {self.name}>"


def single(impl: Implementation) -> Selector:
    return lambda environ, version: impl


def by_version(impls: tuple[Implementation, ...], versions: tuple[APIVersion, ...] | None,
               unavailable_status: int) -> Selector:
    """A selector over implementations with disjoint version ranges, ordered by range."""
    name = impls[0].name
    ranges = ", ".join(str(i.version_range) for i in impls)

    def unavailable(version: Any) -> HTTPError:
        return HTTPError(f"{name} is not available in version {version}; it is in {ranges}.",
                         status=unavailable_status)

    if versions is not None:
        # PERF: one tuple index per request; the API's versions share one major number.
        first_minor = versions[0].minor
        table = tuple(next((i for i in impls if i.version_range.contains(v)), None)  # type: ignore[union-attr]
                      for v in versions)

        def select_by_minor(environ: Environ, version: APIVersion) -> Implementation:
            impl = table[version[1] - first_minor]
            if impl is None:
                raise unavailable(version)
            return impl

        return select_by_minor
    lows = [i.version_range.low for i in impls]  # type: ignore[union-attr]

    def select_by_range(environ: Environ, version: APIVersion) -> Implementation:
        index = bisect.bisect_right(lows, version) - 1
        if index >= 0 and impls[index].version_range.contains(version):  # type: ignore[union-attr]
            return impls[index]
        raise unavailable(version)

    return select_by_range


def by_action(template: str, reader: BodyReader, actions: Mapping[str, Selector]) -> Selector:
    """A selector reading the body and choosing by its single top-level key (Nova's action bodies)."""
    known = ", ".join(sorted(actions))

    def select(environ: Environ, version: Any) -> Implementation:
        body = reader.read(environ)
        if type(body) is dict and len(body) == 1:
            (key,) = body
            chosen = actions.get(key)
            if chosen is None:
                raise BadRequest(f"There is no action {key!r} at {template}; actions: {known}.")
            environ[BODY_KEY] = body
            return chosen(environ, version)
        if not isinstance(body, dict):
            got = type(body).__name__ if body is not NO_BODY else "no body"
            raise BadRequest(f"An action body must be a JSON object with one key naming the action ({known}); "
                             f"got {got}.")
        got = ", ".join(sorted(body)) if body else "none"
        raise BadRequest(f"An action body must have exactly one key naming the action ({known}); "
                         f"got {len(body)}: {got}.")

    return select
