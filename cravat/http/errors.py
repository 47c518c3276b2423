"""HTTP errors that handlers raise; the fault renderer turns them into responses.

An error carries a status, a message meant for the API's user, and any headers
the status needs (``Allow`` for 405, ``Retry-After`` for 503). It knows nothing
of the error style: that is the renderer's job, chosen once per API.

>>> raise NotFound("Server 42 could not be found.")
"""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
from types import MappingProxyType
from typing import Any

_NO_HEADERS: Mapping[str, str] = MappingProxyType({})


class HTTPError(Exception):
    """An HTTP error response. Subclasses fix ``status``; any status can be raised directly.

    >>> HTTPError("Quota exceeded for cores.", status=403).status
    403
    """

    status: int = 500
    default_message: str = "The server has either erred or is incapable of performing the requested operation."

    def __init__(self, message: str | None = None, *, status: int | None = None,
                 headers: dict[str, str] | None = None) -> None:
        # PERF: no super().__init__ nor empty dict per error: a refused request
        # is as common as a served one, and this halves the cost of raising.
        if status is not None:
            # A status no client can read would make the fault itself fail; it is the server's error.
            self.status = status if type(status) is int and 100 <= status <= 599 else 500
        if message is None:
            message = self.default_message
        elif type(message) is not str:
            message = str(message)
        self.message = message
        self.args = (message,)
        self.headers: Mapping[str, str] = {k: str(v) for k, v in headers.items()} if headers else _NO_HEADERS

    @property
    def title(self) -> str:
        """The status's reason phrase: 'Not Found' for 404."""
        try:
            return HTTPStatus(self.status).phrase
        except ValueError:
            return "Error"


class BadRequest(HTTPError):
    status = 400
    default_message = "The request is malformed."


class InvalidInput(BadRequest):
    """A 400 for a request that breaks its schemas, with each violation (pointer, value, rule, detail).

    Each entry is a JSON object (``{"in": "body", "pointer": "/server/name",
    "value": 7, "rule": "type", "detail": "..."}``); the problem style puts
    the list in the body's ``errors`` member, every style has the message.
    """

    def __init__(self, message: str, violations: list[Any]) -> None:
        super().__init__(message)
        self.violations = violations  # each has ``as_json()``

    @property
    def errors(self) -> list[dict[str, object]]:
        """The violations as JSON objects; built only when a problem document lists them."""
        return [v.as_json() for v in self.violations]


class Unauthorized(HTTPError):
    status = 401
    default_message = "The request needs authentication."


class Forbidden(HTTPError):
    status = 403
    default_message = "The request is not allowed."


class NotFound(HTTPError):
    status = 404
    default_message = "The resource could not be found."


class MethodNotAllowed(HTTPError):
    """405, with the ``Allow`` header the route's verb map computed at start-up."""

    status = 405
    default_message = "The method is not allowed for this resource."

    def __init__(self, message: str | None = None, *, allow: str) -> None:
        super().__init__(message, headers={"Allow": allow})


class NotAcceptable(HTTPError):
    status = 406
    default_message = "The requested version or media type is not available."


class Conflict(HTTPError):
    status = 409
    default_message = "The request conflicts with the resource's current state."


class LengthRequired(HTTPError):
    status = 411
    default_message = "The request needs a Content-Length."


class RequestEntityTooLarge(HTTPError):
    status = 413
    default_message = "The request body is too large."


class UnsupportedMediaType(HTTPError):
    status = 415
    default_message = "The request body's media type is not supported."


class InternalServerError(HTTPError):
    status = 500


class ServiceUnavailable(HTTPError):
    status = 503
    default_message = "The service is unavailable; try again later."
