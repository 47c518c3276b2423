"""cravat: REST API services in the OpenStack tradition.

Declare operations as resource controllers, verb responders or (later) an
OpenAPI file; one router and one dispatcher run them all.
"""

from cravat.api import (
    API,
    APIOptions,
    DeclarationError,
    Operation,
    accepts,
    action,
    collection_action,
    member_action,
    response,
)
from cravat.http import errors
from cravat.http.errors import HTTPError
from cravat.http.request import Request
from cravat.http.response import Result
from cravat.routing import RouteConflict, TemplateError

__all__ = [
    "API",
    "APIOptions",
    "DeclarationError",
    "HTTPError",
    "Operation",
    "Request",
    "Result",
    "RouteConflict",
    "TemplateError",
    "accepts",
    "action",
    "collection_action",
    "errors",
    "member_action",
    "response",
]
