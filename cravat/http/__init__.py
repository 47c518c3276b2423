"""HTTP: requests and responses, HTTP errors, fault rendering, body codecs."""

from cravat.http.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    HTTPError,
    InternalServerError,
    InvalidInput,
    LengthRequired,
    MethodNotAllowed,
    NotAcceptable,
    NotFound,
    RequestEntityTooLarge,
    ServiceUnavailable,
    Unauthorized,
    UnsupportedMediaType,
)
from cravat.http.request import Request
from cravat.http.response import Result

__all__ = [
    "BadRequest",
    "InvalidInput",
    "Conflict",
    "Forbidden",
    "HTTPError",
    "InternalServerError",
    "LengthRequired",
    "MethodNotAllowed",
    "NotAcceptable",
    "NotFound",
    "Request",
    "RequestEntityTooLarge",
    "Result",
    "ServiceUnavailable",
    "Unauthorized",
    "UnsupportedMediaType",
]
