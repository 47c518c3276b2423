"""API: declarations, endpoints and implementations, compiled steps, the dispatcher, ``API``."""

from cravat.api.app import API
from cravat.api.binding import Signature
from cravat.api.declarations import DeclarationError, OperationDecl, Where
from cravat.api.declare import (
    Header,
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
from cravat.api.endpoint import Endpoint
from cravat.api.implementation import Implementation, Plan
from cravat.api.options import APIOptions
from cravat.api.steps import Step

__all__ = [
    "API",
    "APIOptions",
    "DeclarationError",
    "Endpoint",
    "Header",
    "Implementation",
    "OperationDecl",
    "Plan",
    "Query",
    "Signature",
    "Step",
    "Variant",
    "Where",
    "accepts",
    "action",
    "bind",
    "collection_action",
    "document",
    "member_action",
    "produces",
    "response",
    "rule",
    "unversioned",
    "validate",
    "versioned",
]
