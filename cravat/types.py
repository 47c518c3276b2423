"""The vocabulary shared by every layer: WSGI callables, what handlers return, and the
shapes a lower layer needs of a higher one's objects (so it never imports them)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any, Protocol

Environ = dict[str, Any]
Headers = list[tuple[str, str]]


class StartResponse(Protocol):
    def __call__(self, status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], Any]: ...


WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

#: What a handler is: called as ``handler(req, **arguments)``.
Handler = Callable[..., Any]


class URLs(Protocol):
    """What a request needs of an API's URL builder (``cravat.routing.URLBuilder``)."""

    def path_for(self, name: str, params: Mapping[str, Any], defaults: Mapping[str, Any]) -> str: ...


class OperationInfo(Protocol):
    """What a request tells a handler of the operation it runs (``cravat.api.Implementation``)."""

    name: str
    method: str
