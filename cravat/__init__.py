"""cravat: REST API services in the OpenStack tradition.

Declare operations as resource controllers, verb responders or (later) an
OpenAPI file; one router and one dispatcher run them all.
"""

from cravat.api import (
    API,
    APIOptions,
    DeclarationError,
    Operation,
    Variant,
    accepts,
    action,
    collection_action,
    member_action,
    response,
    validate,
    versioned,
)
from cravat.http import errors
from cravat.http.errors import HTTPError
from cravat.http.request import Request
from cravat.http.response import Result
from cravat.routing import RouteConflict, TemplateError
from cravat.versions import APIVersion, Microversions, VersionDetail, VersionInfo, VersionList

__all__ = [
    "API",
    "APIOptions",
    "APIVersion",
    "DeclarationError",
    "HTTPError",
    "Microversions",
    "Operation",
    "Request",
    "Result",
    "RouteConflict",
    "TemplateError",
    "Variant",
    "VersionDetail",
    "VersionInfo",
    "VersionList",
    "accepts",
    "action",
    "collection_action",
    "errors",
    "member_action",
    "response",
    "validate",
    "versioned",
]
