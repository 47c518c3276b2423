"""OpenAPI's schema dialects as JSON Schema the validators take.

- Swagger 2.0 and OpenAPI 3.0 schemas are a JSON Schema draft-04 variant:
  ``nullable: true`` (3.0) and ``x-nullable: true`` (2.0) become a ``null``
  type; a boolean ``exclusiveMinimum`` becomes draft-07's number; 2.0's
  ``type: file`` accepts any value (the form reader hands over the upload).
- OpenAPI 3.1 schemas are JSON Schema 2020-12 already and pass unchanged.

>>> to_json_schema("3.0")({"type": "string", "nullable": True, "enum": ["a"]})
{'type': ['string', 'null'], 'enum': ['a', None]}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

#: Formats OpenAPI names that JSON Schema does not define; the validators must know them to accept them.
OPENAPI_FORMATS: dict[str, str | Callable[[str], bool]] = {
    "int32": lambda v: True,
    "int64": lambda v: True,
    "float": lambda v: True,
    "double": lambda v: True,
    "byte": r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?\Z",
    "binary": lambda v: True,
    "password": lambda v: True,
}

_INT32 = (-(2 ** 31), 2 ** 31 - 1)
_INT64 = (-(2 ** 63), 2 ** 63 - 1)


def to_json_schema(version: str) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """The conversion of one schema object (its subschemas already converted) for spec ``version``."""
    return _from_3_1 if version == "3.1" else _from_draft4_dialect


def _from_3_1(schema: dict[str, Any]) -> dict[str, Any]:
    return _integer_bounds(schema)


def _from_draft4_dialect(schema: dict[str, Any]) -> dict[str, Any]:
    out = dict(schema)
    if out.get("type") == "file":
        del out["type"]
    nullable = out.pop("nullable", False) or out.pop("x-nullable", False)
    out.pop("x-nullable", None)
    if nullable is True:
        kind = out.get("type")
        if isinstance(kind, str):
            out["type"] = [kind, "null"]
        if isinstance(out.get("enum"), list) and None not in out["enum"]:
            out["enum"] = [*out["enum"], None]
    for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
        if out.get(exclusive) is True and bound in out:
            out[exclusive] = out.pop(bound)
        elif out.get(exclusive) is False:
            del out[exclusive]
    # Annotations draft-07 validators do not know, with values that are not schemas: left out.
    for key in ("discriminator", "xml", "externalDocs", "example"):
        out.pop(key, None)
    return _integer_bounds(out)


def _integer_bounds(schema: dict[str, Any]) -> dict[str, Any]:
    """``format: int32`` / ``int64`` on an integer is a range: the validators check it as one."""
    bounds = {"int32": _INT32, "int64": _INT64}.get(schema.get("format"))  # type: ignore[arg-type]
    kind = schema.get("type")
    if bounds is None or not (kind == "integer" or (isinstance(kind, list) and "integer" in kind)):
        return schema
    out = dict(schema)
    out.setdefault("minimum", bounds[0])
    out.setdefault("maximum", bounds[1])
    return out
