"""Query strings against a JSON Schema: strings become the types the schema names.

A query string holds only strings; ``?limit=10&all_tenants=true`` checked
against ``{"limit": {"type": "integer"}, "all_tenants": {"type": "boolean"}}``
is first coerced to ``{"limit": 10, "all_tenants": True}``. A repeated
parameter is a list when the schema says ``array``, else the last value wins
(as WebOb's ``req.GET[name]`` does). A value that will not coerce stays a
string, so the validator reports the type it should have had.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

from webob.multidict import MultiDict

# ASCII only: int() and float() also take '1_000', ' 5', and digits of other scripts.
_INTEGER = re.compile(r"-?[0-9]+\Z")
_NUMBER = re.compile(r"-?[0-9]+(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?\Z")
#: Python's int() refuses more than 4,300 digits (a ValueError, so a 500); a longer
#: number stays a string and fails its schema's type as any other non-number does.
_MAX_DIGITS = 4300
_TRUE = {"true", "1", "yes", "on"}
_BOOLEANS = _TRUE | {"false", "0", "no", "off"}


def coerce_text(text: str, kind: Any) -> Any:
    """``text`` as the first of the JSON Schema ``kind`` (a type name, or a list of them) it reads as; else the text.

    >>> coerce_text("10", "integer"), coerce_text("x", ["integer", "string"]), coerce_text("x", "integer")
    (10, 'x', 'x')
    """
    kinds = kind if isinstance(kind, list) else [kind]
    for k in kinds:
        if k == "integer" and _INTEGER.match(text) and len(text) <= _MAX_DIGITS:
            return int(text)
        if k == "number" and _NUMBER.match(text) and len(text) <= _MAX_DIGITS:
            if not any(c in text for c in ".eE"):
                return int(text)
            number = float(text)
            if math.isfinite(number):  # 1e999 is no JSON number
                return number
        if k == "boolean" and text.lower() in _BOOLEANS:
            return text.lower() in _TRUE
        if k == "null" and text in ("", "null"):
            return None
        if k == "string":
            return text
    return text


def query_coercer(schema: dict[str, Any]) -> Callable[[MultiDict], dict[str, Any]]:
    """A function from WebOb's ``req.GET`` to a dict ready for validation, built once per schema."""
    properties = schema.get("properties") or {}
    arrays = {name: (prop.get("items") or {}).get("type", "string")
              for name, prop in properties.items() if prop.get("type") == "array"}
    scalars = {name: prop.get("type", "string") for name, prop in properties.items() if name not in arrays}

    def coerce(params: MultiDict) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name in params:
            if name in out:
                continue
            if name in arrays:
                out[name] = [coerce_text(v, arrays[name]) for v in params.getall(name)]
            else:
                out[name] = coerce_text(params.getall(name)[-1], scalars.get(name, "string"))
        return out

    return coerce
