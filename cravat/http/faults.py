"""Fault renderers: one error, three styles of body.

An API picks its style once; every error it answers, from the router's 404 to
a handler's ``Conflict`` to an unexpected exception, goes through the same
renderer, so clients see one shape.

- ``nova``: ``{"itemNotFound": {"code": 404, "message": "..."}}``
- ``barbican``: ``{"code": 404, "title": "Not Found", "description": "..."}``
- ``problem``: RFC 9457 ``application/problem+json``
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cravat.http.errors import HTTPError
from cravat.http.status import status_line
from cravat.types import Headers

REQUEST_ID_HEADER = "x-openstack-request-id"

# Nova's fault names (nova/api/openstack/wsgi.py); any other status is a computeFault.
NOVA_FAULT_NAMES = {
    400: "badRequest",
    401: "unauthorized",
    403: "forbidden",
    404: "itemNotFound",
    405: "badMethod",
    406: "notAcceptable",
    409: "conflictingRequest",
    411: "lengthRequired",
    413: "overLimit",
    415: "badMediaType",
    429: "overLimit",
    501: "notImplemented",
    503: "serviceUnavailable",
}


def nova_body(error: HTTPError, request_id: str) -> dict[str, Any]:
    name = NOVA_FAULT_NAMES.get(error.status, "computeFault")
    return {name: {"code": error.status, "message": error.message}}


def barbican_body(error: HTTPError, request_id: str) -> dict[str, Any]:
    return {"code": error.status, "title": error.title, "description": error.message}


def problem_body(error: HTTPError, request_id: str) -> dict[str, Any]:
    return {
        "type": "about:blank",
        "title": error.title,
        "status": error.status,
        "detail": error.message,
        "request_id": request_id,
    }


STYLES: dict[str, tuple[Callable[[HTTPError, str], dict[str, Any]], str]] = {
    "nova": (nova_body, "application/json"),
    "barbican": (barbican_body, "application/json"),
    "problem": (problem_body, "application/problem+json"),
}


class FaultRenderer:
    """Turns an ``HTTPError`` into a WSGI status line, headers and body in one style.

    >>> FaultRenderer("barbican").render(NotFound("No secret 7."), "req-1")[0]
    '404 Not Found'
    """

    def __init__(self, style: str) -> None:
        try:
            self._body, self._media_type = STYLES[style]
        except KeyError:
            raise ValueError(f"unknown error style {style!r}; choose one of {', '.join(STYLES)}") from None
        self.style = style

    def render(self, error: HTTPError, request_id: str) -> tuple[str, Headers, bytes]:
        payload = json.dumps(self._body(error, request_id)).encode("utf-8")
        headers: Headers = [
            ("Content-Type", self._media_type),
            ("Content-Length", str(len(payload))),
            (REQUEST_ID_HEADER, request_id),
        ]
        headers.extend(error.headers.items())
        return status_line(error.status), headers, payload
