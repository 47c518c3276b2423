"""Checks a request schema must pass when it is declared, before any request comes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

# Keywords whose value is one schema, or a list or dict of schemas.
_ONE = ("items", "additionalItems", "not", "contains", "propertyNames", "if", "then", "else")
_LIST = ("allOf", "anyOf", "oneOf", "prefixItems")
_DICT = ("properties", "patternProperties", "definitions", "$defs", "dependentSchemas")


def open_objects(schema: Any, pointer: str = "") -> Iterator[str]:
    """JSON pointers of object schemas that leave ``additionalProperties`` undeclared.

    Nova's rule: every object says whether it accepts properties it does not
    name, so an API never accepts unknown input by accident.

    >>> list(open_objects({"type": "object", "properties": {"a": {"type": "object"}},
    ...                    "additionalProperties": False}))
    ['/properties/a']
    """
    if not isinstance(schema, dict):
        return
    is_object = schema.get("type") == "object" or (
        isinstance(schema.get("type"), list) and "object" in schema["type"]) or "properties" in schema
    if is_object and "additionalProperties" not in schema and "unevaluatedProperties" not in schema:
        yield pointer or "/"
    for key in _ONE:
        if isinstance(schema.get(key), dict):
            yield from open_objects(schema[key], f"{pointer}/{key}")
    for key in _LIST:
        for i, sub in enumerate(schema.get(key) or ()):
            yield from open_objects(sub, f"{pointer}/{key}/{i}")
    for key in _DICT:
        for name, sub in (schema.get(key) or {}).items():
            yield from open_objects(sub, f"{pointer}/{key}/{name}")
    extra = schema.get("additionalProperties")
    if isinstance(extra, dict):
        yield from open_objects(extra, f"{pointer}/additionalProperties")
