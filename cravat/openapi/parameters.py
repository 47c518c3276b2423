"""Reading parameters as the spec serializes them: styles, explode, and the spec's types.

A :class:`Reader` is built once per parameter. It takes the raw text(s)
the request carries for it and returns the value with the schema's types
(an array split by its style, each item converted), ready for validation:

======================  ===================  ==============
style (explode)         ``?ids=`` carries     value
======================  ===================  ==============
form (true)             ``ids=1&ids=2``       ``[1, 2]``
form (false)            ``ids=1,2``           ``[1, 2]``
spaceDelimited          ``ids=1%202``         ``[1, 2]``
pipeDelimited           ``ids=1|2``           ``[1, 2]``
deepObject              ``f[a]=1&f[b]=x``     ``{"a": 1, "b": "x"}``
simple (path, header)   ``1,2``               ``[1, 2]``
label / matrix (path)   ``.1.2`` / ``;id=1``  ``[1, 2]`` / ``1``
======================  ===================  ==============

A text that does not convert stays text, so the validator reports the
type it should have had, naming the parameter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from cravat.openapi.operations import Parameter
from cravat.validation import coerce_text

_DELIMITERS = {"form": ",", "simple": ",", "spaceDelimited": " ", "tabDelimited": "\t", "pipeDelimited": "|"}
ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT"})()


def flat(schema: Any, root: dict[str, Any] | None = None) -> dict[str, Any]:
    """``schema`` with a top-level ``$ref`` (or a lone ``allOf: [{$ref}]``) into its ``$defs`` followed.

    What a reader needs to know of a schema, its type, items and
    properties, may sit behind a reference; validation still uses the
    schema as it is.
    """
    root = root if root is not None else (schema if isinstance(schema, dict) else {})
    defs = root.get("$defs") or {}
    for _ in range(16):
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        all_of = schema.get("allOf")
        if isinstance(ref, str) and ref.startswith("#/$defs/") and ref[8:] in defs:
            schema = {**defs[ref[8:]], **{k: v for k, v in schema.items() if k not in ("$ref", "$defs")}}
        elif isinstance(all_of, list) and len(all_of) == 1 and "type" not in schema:
            schema = {**flat(all_of[0], root), **{k: v for k, v in schema.items() if k != "allOf"}}
        else:
            return schema
    return schema


def kind_of(schema: dict[str, Any]) -> Any:
    """The schema's type (a name or list); ``"string"`` when it does not say."""
    kind = schema.get("type")
    if kind is None and isinstance(schema.get("enum"), list) and schema["enum"]:
        first = schema["enum"][0]
        kind = "integer" if isinstance(first, int) and not isinstance(first, bool) else "string"
    return kind or "string"


def is_array(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "array" or (isinstance(kind, list) and "array" in kind)


def is_object(schema: dict[str, Any]) -> bool:
    kind = schema.get("type")
    return kind == "object" or (isinstance(kind, list) and "object" in kind) or "properties" in schema


def item_kind(schema: dict[str, Any]) -> Any:
    items = schema.get("items")
    return kind_of(items) if isinstance(items, dict) else "string"


def converter(schema: dict[str, Any]) -> Callable[[str], Any]:
    """Text -> value for a scalar schema."""
    kind = kind_of(schema)
    return lambda text: coerce_text(text, kind)


class Reader:
    """How one parameter's value is read out of what the request carries.

    ``read_query(params)`` takes WebOb's ``req.GET`` (a multidict);
    ``read_text(text)`` one string (a path segment, a header, a cookie).
    Both return ``ABSENT`` when the request does not carry the parameter.
    """

    def __init__(self, param: Parameter) -> None:
        self.param = param
        root = param.schema
        schema = flat(root)
        self.name = param.name
        self.array = is_array(schema)
        self.object = not self.array and is_object(schema) and not param.content_json
        self.convert_item = converter(flat(schema.get("items") or {}, root)) if self.array else converter(schema)
        self.delimiter = _DELIMITERS.get(param.style, ",")
        self.properties = {k: converter(flat(v, root)) for k, v in (schema.get("properties") or {}).items()}

    # --- query strings ---------------------------------------------------------------------

    def read_query(self, params: Any) -> Any:
        param = self.param
        if param.style == "deepObject":
            return self._deep_object(params)
        if self.object and param.explode and param.style == "form":
            found = {k: self.properties[k](params.getall(k)[-1]) for k in self.properties if k in params}
            return found if found else ABSENT
        values = params.getall(self.name)
        if not values:
            return ABSENT
        if param.content_json:
            return _json(values[-1])
        if self.array:
            if param.explode and param.style == "form":
                return [self.convert_item(v) for v in values]
            return self._split(values[-1])
        if self.object:
            return self._pairs(values[-1])
        return self.convert_item(values[-1])

    def _deep_object(self, params: Any) -> Any:
        prefix = self.name + "["
        found = {}
        for key in params:
            if key.startswith(prefix) and key.endswith("]"):
                prop = key[len(prefix):-1]
                convert = self.properties.get(prop)
                text = params.getall(key)[-1]
                found[prop] = convert(text) if convert is not None else text
        return found if found else ABSENT

    # --- one string: a path segment, a header, a cookie --------------------------------------

    def read_text(self, text: str | None) -> Any:
        if text is None:
            return ABSENT
        param = self.param
        if param.content_json:
            return _json(text)
        if param.style == "label":
            text = text[1:] if text.startswith(".") else text
            return self._split(text, "." if param.explode else ",") if self.array else self.convert_item(text)
        if param.style == "matrix":
            prefix = f";{self.name}="
            if self.array and param.explode:
                return [self.convert_item(p.partition("=")[2]) for p in text.split(";") if p]
            text = text[len(prefix):] if text.startswith(prefix) else text
        if self.array:
            return self._split(text)
        if self.object:
            return self._pairs(text, exploded=param.explode)
        return self.convert_item(text)

    def _split(self, text: str, delimiter: str | None = None) -> list[Any]:
        if text == "":
            return []
        return [self.convert_item(part) for part in text.split(delimiter or self.delimiter)]

    def _pairs(self, text: str, *, exploded: bool = False) -> Any:
        """``a,1,b,x`` (or exploded ``a=1,b=x``) as ``{"a": 1, "b": "x"}``."""
        if exploded:
            pairs = [p.partition("=")[::2] for p in text.split(",") if p]
        else:
            parts = text.split(",")
            if len(parts) % 2:
                return text  # not key,value pairs: the validator says it is no object
            pairs = list(zip(parts[::2], parts[1::2]))
        return {k: self.properties.get(k, lambda t: t)(v) for k, v in pairs}


def _json(text: str) -> Any:
    try:
        return json.loads(text)
    except ValueError:
        return text
