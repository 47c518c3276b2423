"""From a declared method to its operation: one implementation, or a table of them by version.

Controllers and responders both come through here, so versions, schemas and
statuses mean the same whichever style declared them.
"""

from __future__ import annotations

from typing import Any

from cravat.api.declare import Declaration, Variant
from cravat.api.operation import DeclarationError, Operation, compile_operation, describe_handler
from cravat.http.codecs import JSON
from cravat.routing.template import Template
from cravat.types import Handler
from cravat.validation.validators import SchemaError
from cravat.versions.microversion import VersionRange, follows


def declared_operation(name: str, method: str, template: Template, handler: Handler, decl: Declaration,
                       default_status: int, owner: Any) -> Operation:
    """Compile ``handler`` as declared; ``owner`` is the controller or responder, for handler names."""
    common: dict[str, Any] = {"headers": decl.headers, "accepts": decl.accepts or (JSON,)}
    try:
        if not decl.variants:
            return compile_operation(name, method, template, handler, status=decl.status or default_status,
                                     schemas=decl.schemas, **common)
        rows = sorted((_implementation(name, method, template, handler, decl, v, default_status, owner, common)
                       for v in decl.variants), key=lambda op: op.version_range.low)
    except SchemaError as exc:
        raise DeclarationError(str(exc)) from None
    _check_contiguous(name, describe_handler(handler), rows)
    return compile_operation(name, method, template, None, status=decl.status or default_status,
                             versions=tuple(rows), source=describe_handler(handler), **common)


def _implementation(name: str, method: str, template: Template, handler: Handler, decl: Declaration,
                    variant: Variant, default_status: int, owner: Any, common: dict[str, Any]) -> Operation:
    where = f"{name} ({describe_handler(handler)})"
    try:
        version_range = VersionRange.parse(variant.min_version, variant.max_version)
    except ValueError as exc:
        raise DeclarationError(f"{where}: {exc}") from None
    impl = _resolve(variant.handler, handler, owner, where)
    schemas = dict(decl.schemas)
    schemas.update((k, s) for k, s in (("body", variant.body), ("query", variant.query),
                                       ("response", variant.response)) if s is not None)
    return compile_operation(name, method, template, impl, status=variant.status or decl.status or default_status,
                             schemas=schemas, version_range=version_range, **common)


def _resolve(named: Any, default: Handler, owner: Any, where: str) -> Handler:
    if named is None:
        return default
    if callable(named):
        return named
    impl = getattr(owner, named, None)
    if not callable(impl):
        raise DeclarationError(f"{where}: version handler {named!r} is not a method of {type(owner).__qualname__}")
    return impl


def _check_contiguous(name: str, source: str, rows: list[Operation]) -> None:
    """Ranges must neither overlap nor leave gaps: every version between the first and last has one answer."""
    for earlier, later in zip(rows, rows[1:]):
        a, b = earlier.version_range, later.version_range
        if a.high is None or b.low <= a.high:
            raise DeclarationError(f"{name} ({source}): version ranges {a} and {b} overlap")
        if not follows(a, b):
            raise DeclarationError(f"{name} ({source}): version ranges {a} and {b} leave a gap between them")
