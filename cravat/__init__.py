"""cravat: REST API services in the OpenStack tradition.

Declare operations as resource controllers, verb responders or (later) an
OpenAPI file; they compile into endpoints and frozen implementations, and
one router and one dispatcher run them all.
"""

from cravat.api import (
    API,
    APIOptions,
    DeclarationError,
    Header,
    Implementation,
    Query,
    Variant,
    accepts,
    action,
    bind,
    collection_action,
    document,
    member_action,
    produces,
    response,
    rule,
    unversioned,
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
    "Header",
    "Implementation",
    "Microversions",
    "Query",
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
    "bind",
    "collection_action",
    "document",
    "errors",
    "member_action",
    "produces",
    "response",
    "rule",
    "unversioned",
    "validate",
    "versioned",
]
