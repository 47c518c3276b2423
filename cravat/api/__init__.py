"""API: operations, the dispatcher, controller and responder declaration."""

from cravat.api.app import API
from cravat.api.declare import (
    Variant,
    accepts,
    action,
    collection_action,
    member_action,
    response,
    validate,
    versioned,
)
from cravat.api.operation import DeclarationError, Operation, compile_operation
from cravat.api.options import APIOptions

__all__ = [
    "API",
    "APIOptions",
    "DeclarationError",
    "Operation",
    "Variant",
    "accepts",
    "action",
    "collection_action",
    "compile_operation",
    "member_action",
    "response",
    "validate",
    "versioned",
]
