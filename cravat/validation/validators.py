"""Compiled validators: a JSON Schema checked once per request by generated code.

Schemas are compiled by fastjsonschema when an API compiles, by the API's
own :class:`SchemaCompiler`; equal schemas share one compiled function. A failure becomes a 400 whose message
names the field, the offending value (truncated) and the rule it breaks.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import fastjsonschema

from cravat.http.errors import BadRequest

Validator = Callable[[Any], Any]

#: Formats OpenStack schemas use that fastjsonschema does not know; an API may add its own.
DEFAULT_FORMATS: Mapping[str, str | Callable[[str], bool]] = MappingProxyType({
    "uuid": r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}\Z",
})


class SchemaError(ValueError):
    """A schema that does not compile; the message names where it was declared."""


class SchemaCompiler:
    """Compiles an API's schemas, once each: equal schemas share one compiled function.

    One per API, so formats and the cache are the app's own state, never a
    module's. It is used while the API compiles, before any request.

    >>> check = SchemaCompiler().compile({"type": "integer"}, "servers:index")
    """

    def __init__(self, formats: Mapping[str, str | Callable[[str], bool]] | None = None) -> None:
        self.formats = {**DEFAULT_FORMATS, **(formats or {})}
        self._compiled: dict[str, Callable[[Any], Any]] = {}

    def compile(self, schema: dict[str, Any], where: str) -> Callable[[Any], Any]:
        """The raw fastjsonschema function for ``schema``."""
        try:
            key = json.dumps(schema, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"{where}: the schema is not JSON: {exc}") from None
        compiled = self._compiled.get(key)
        if compiled is None:
            try:
                compiled = fastjsonschema.compile(json.loads(key), formats=self.formats, use_default=False)
            except fastjsonschema.JsonSchemaDefinitionException as exc:
                raise SchemaError(f"{where}: the schema is invalid: {exc}") from None
            self._compiled[key] = compiled
        return compiled

    def request_validator(self, schema: dict[str, Any], where: str, part: str) -> Validator:
        """A function that returns the value or raises a 400 naming what broke ``schema``.

        ``part`` names the request part in messages: ``"body"`` or ``"query"``.
        """
        check = self.compile(schema, where)

        def validate(value: Any) -> Any:
            try:
                check(value)
            except fastjsonschema.JsonSchemaValueException as exc:
                raise BadRequest(describe(exc, part)) from None
            return value

        return validate

    def response_checker(self, schema: dict[str, Any], where: str) -> Callable[[Any], str | None]:
        """A function that returns None for a good response body, else what is wrong with it."""
        check = self.compile(schema, where)

        def check_response(value: Any) -> str | None:
            try:
                check(value)
            except fastjsonschema.JsonSchemaValueException as exc:
                return describe(exc, "response")
            return None

        return check_response


def describe(exc: fastjsonschema.JsonSchemaValueException, part: str) -> str:
    """The 400 message for a failed validation.

    >>> describe(<'data.server.name must be string'>, "body")
    "Invalid input for body field 'server.name': 1 is not of type 'string'."
    """
    name = exc.name or "data"
    # fastjsonschema's dotted name marks list indices with brackets, so an object key
    # made of digits stays a key (metadata.2024), unlike in exc.path.
    path = name[5:] if name[:5] == "data." else ("" if name == "data" else name)
    rule, value = exc.rule, exc.value
    rule_value = exc.definition.get(rule) if rule and isinstance(exc.definition, dict) else None
    if rule == "required":
        missing = [k for k in rule_value if not isinstance(value, dict) or k not in value] or list(rule_value)
        return f"Invalid input for {part} field '{_join(path, missing[0])}': the field is required but missing."
    if rule == "additionalProperties":
        known = set((exc.definition or {}).get("properties", {}))
        extra = sorted(str(k) for k in value if k not in known) if isinstance(value, dict) else []
        if len(extra) == 1:
            return f"Invalid input for {part} field '{_join(path, extra[0])}': the field is not allowed."
        where = f"{part} field '{path}'" if path else f"the request {part}"
        names = ", ".join(repr(e) for e in extra[:5])
        return f"Invalid input in {where}: the fields {names} are not allowed."
    detail = _RULES.get(rule)
    text = detail(value, rule_value) if detail else f"{_short(value)} breaks the rule {rule!r}"
    field = f"{part} field '{path}'" if path else f"request {part}"
    return f"Invalid input for {field}: {text}."


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _type_name(rule_value: Any) -> str:
    if isinstance(rule_value, list):
        return " or ".join(repr(t) for t in rule_value)
    return repr(rule_value)


_RULES: dict[str, Callable[[Any, Any], str]] = {
    "type": lambda v, r: f"{_short(v)} is not of type {_type_name(r)}",
    "format": lambda v, r: f"{_short(v)} is not a valid {r!r}",
    "enum": lambda v, r: f"{_short(v)} is not one of {_short(r, 120)}",
    "const": lambda v, r: f"{_short(v)} is not {_short(r)}",
    "pattern": lambda v, r: f"{_short(v)} does not match the pattern {r!r}",
    "minLength": lambda v, r: f"{_short(v)} is shorter than {r} characters",
    "maxLength": lambda v, r: f"{_short(v)} is longer than {r} characters",
    "minimum": lambda v, r: f"{_short(v)} is less than the minimum of {r}",
    "maximum": lambda v, r: f"{_short(v)} is greater than the maximum of {r}",
    "exclusiveMinimum": lambda v, r: f"{_short(v)} is not greater than {r}",
    "exclusiveMaximum": lambda v, r: f"{_short(v)} is not less than {r}",
    "minItems": lambda v, r: f"{_short(v)} has fewer than {r} items",
    "maxItems": lambda v, r: f"{_short(v)} has more than {r} items",
    "uniqueItems": lambda v, r: f"{_short(v)} has repeated items",
    "minProperties": lambda v, r: f"{_short(v)} has fewer than {r} properties",
    "maxProperties": lambda v, r: f"{_short(v)} has more than {r} properties",
    "multipleOf": lambda v, r: f"{_short(v)} is not a multiple of {r}",
    "oneOf": lambda v, r: f"{_short(v)} does not match exactly one of the allowed shapes",
    "anyOf": lambda v, r: f"{_short(v)} does not match any of the allowed shapes",
    "not": lambda v, r: f"{_short(v)} matches a shape that is not allowed",
}
