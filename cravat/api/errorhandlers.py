"""Error handlers: exceptions to faults, in one place per API.

Whatever a request raises ends here and becomes a fault in the API's style:

- a :class:`cravat.errors.HTTPError` is rendered as it is;
- a ``webob.exc`` exception (as OpenStack code raises) keeps its status and message;
- any other exception is looked up along its class's MRO among the handlers
  the API registered (as Falcon's ``add_error_handler`` does), so a
  repository's ``NotFound`` or a database's ``IntegrityError`` maps to a
  status once, not in every handler;
- anything else is a 500 with a safe message quoting the request id, its
  traceback in the log only.

>>> api.add_error_handler(KeyError, lambda req, exc: errors.NotFound(f"No such key {exc}."))
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import webob.exc

from cravat.api.declarations import DeclarationError
from cravat.api.encoding import webob_answer
from cravat.http.errors import HTTPError, InternalServerError
from cravat.http.faults import FaultRenderer
from cravat.types import Environ, Headers

LOG = logging.getLogger(__name__)

#: ``handler(req, exc)`` returns (or raises) the HTTPError to answer with; ``req`` is None when the
#: exception came before the request was built (while routing).
ErrorHandler = Callable[[Any, BaseException], HTTPError]

# webob exception headers worth keeping when re-rendering one in the API's style.
_KEPT_HEADERS = ("Allow", "Location", "Retry-After", "WWW-Authenticate")


class ErrorHandlers:
    """The exception-to-fault table of one API, and the renderer of its style."""

    def __init__(self, renderer: FaultRenderer) -> None:
        self.renderer = renderer
        self._handlers: dict[type, ErrorHandler] = {}

    def add(self, exception: type[BaseException], handler: ErrorHandler) -> None:
        if not (isinstance(exception, type) and issubclass(exception, BaseException)):
            raise DeclarationError(f"add_error_handler: {exception!r} is not an exception class")
        if issubclass(exception, HTTPError):
            raise DeclarationError(f"add_error_handler: {exception.__name__} is an HTTPError, which is "
                                   "already its own answer")
        if not callable(handler):
            raise DeclarationError(f"add_error_handler({exception.__name__}): the handler is not callable")
        self._handlers[exception] = handler

    def find(self, exception: type[BaseException]) -> ErrorHandler | None:
        """The handler registered for the nearest class along ``exception``'s MRO."""
        for klass in exception.__mro__:
            handler = self._handlers.get(klass)
            if handler is not None:
                return handler
        return None

    def render(self, error: BaseException, req: Any, environ: Environ, request_id: str) -> tuple[str, Headers, bytes]:
        """The status line, headers and body that answer ``error``."""
        if isinstance(error, HTTPError):
            return self.renderer.render(error, request_id)
        if isinstance(error, webob.exc.HTTPException):
            return self._webob(error, request_id)
        handler = self.find(type(error)) if self._handlers else None
        if handler is not None:
            try:
                mapped = handler(req, error)
            except HTTPError as raised:
                mapped = raised
            except Exception:
                LOG.exception("The error handler for %s failed, request %s", type(error).__name__, request_id)
                mapped = None
            if isinstance(mapped, HTTPError):
                return self.renderer.render(mapped, request_id)
            if mapped is not None:
                LOG.error("The error handler for %s returned %r, not an HTTPError", type(error).__name__, mapped)
        LOG.error("Unexpected error in %s %s, request %s", environ.get("REQUEST_METHOD"), environ.get("PATH_INFO"),
                  request_id, exc_info=error)
        return self.renderer.render(InternalServerError(
            "Unexpected error while handling the request; quote request id "
            f"{request_id} when reporting it."), request_id)

    def _webob(self, exc: webob.exc.HTTPException, request_id: str) -> tuple[str, Headers, bytes]:
        """A ``webob.exc`` raised by a handler (as OpenStack code does): errors in the API's style."""
        response: Any = exc
        if response.status_code < 400:
            return webob_answer(response, request_id)
        headers = {k: response.headers[k] for k in _KEPT_HEADERS if k in response.headers}
        message = response.detail or response.explanation
        return self.renderer.render(HTTPError(message, status=response.status_code, headers=headers), request_id)
