"""The vocabulary shared by every layer: WSGI callables and what handlers return."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Protocol

Environ = dict[str, Any]
Headers = list[tuple[str, str]]


class StartResponse(Protocol):
    def __call__(self, status: str, headers: Headers, exc_info: Any = None) -> Callable[[bytes], Any]: ...


WSGIApp = Callable[[Environ, StartResponse], Iterable[bytes]]

#: What a handler is: called as ``handler(req, **path_params[, body=...])``.
Handler = Callable[..., Any]
