"""Compiled validators: a JSON Schema checked once per request by generated code.

Schemas are compiled by fastjsonschema when an API compiles, by the API's
own :class:`SchemaCompiler`; equal schemas share one compiled function. A failure becomes a 400
(:class:`~cravat.http.errors.InvalidInput`) naming each field that breaks the schema, the offending
value (truncated) and the rule, found by a second, full walk of the rejected value.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any

import fastjsonschema
import jsonschema
import jsonschema_rs

from cravat.http.errors import InvalidInput
from cravat.validation.explain import RULES, Violation, explain, message_of, pointer, short

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

    A schema that uses JSON Schema 2020-12 keywords fastjsonschema lacks
    (``prefixItems``, ``unevaluatedProperties``, ``dependentRequired``, ...,
    as OpenAPI 3.1 schemas may) is checked by jsonschema's
    ``Draft202012Validator`` instead, that schema alone. A rejection is
    explained by a full walk (:mod:`cravat.validation.explain`) listing every
    violation, whichever validator accepted.

    >>> check = SchemaCompiler().compile({"type": "integer"}, "servers:index")
    """

    def __init__(self, formats: Mapping[str, str | Callable[[str], bool]] | None = None) -> None:
        self.formats = {**DEFAULT_FORMATS, **(formats or {})}
        self._compiled: dict[str, Callable[[Any], Any]] = {}
        self._walkers: dict[str, Any] = {}
        self._explainers: dict[str, Any] = {}

    def compile(self, schema: dict[str, Any], where: str) -> Callable[[Any], Any]:
        """The accepting function for ``schema``: it returns the value or raises ``JsonSchemaValueException``."""
        key = self._key(schema, where)
        compiled = self._compiled.get(key)
        if compiled is None:
            if needs_2020(schema):
                compiled = self._fallback(json.loads(key), where)
            else:
                try:
                    compiled = fastjsonschema.compile(json.loads(key), formats=self.formats, use_default=False)
                except fastjsonschema.JsonSchemaDefinitionException as exc:
                    raise SchemaError(f"{where}: the schema is invalid: {exc}") from None
            self._compiled[key] = compiled
        return compiled

    def explainer(self, schema: dict[str, Any], where: str, part: str) -> Callable[[Any], list[Violation]]:
        """A function from a value to its violations of ``schema`` (``[]`` when it passes).

        The compiled function decides; only a rejected value is walked for
        every violation. For a declaration style that gathers the
        violations of several parts (path, query, body) into one 400.
        """
        check = self.compile(schema, where)
        explain_all = self._explainer(schema, where, part)

        def violations(value: Any) -> list[Violation]:
            try:
                check(value)
            except fastjsonschema.JsonSchemaValueException as exc:
                return explain_all(value) or [_from_exception(exc, part)]
            return []

        return violations

    def request_validator(self, schema: dict[str, Any], where: str, part: str) -> Validator:
        """A function that returns the value or raises a 400 naming everything that broke ``schema``.

        ``part`` names the request part in messages: ``"body"`` or ``"query"``.
        """
        check = self.compile(schema, where)
        explain_all = self._explainer(schema, where, part)

        def validate(value: Any) -> Any:
            try:
                check(value)
            except fastjsonschema.JsonSchemaValueException as exc:
                found = explain_all(value) or [_from_exception(exc, part)]
                raise rejection(describe(exc, part), found) from None
            return value

        return validate

    def response_checker(self, schema: dict[str, Any], where: str) -> Callable[[Any], str | None]:
        """A function that returns None for a good response body, else what is wrong with it."""
        check = self.compile(schema, where)
        explain_all = self._explainer(schema, where, "response")

        def check_response(value: Any) -> str | None:
            try:
                check(value)
            except fastjsonschema.JsonSchemaValueException as exc:
                return message_of(explain_all(value), describe(exc, "response"))
            return None

        return check_response

    def _key(self, schema: dict[str, Any], where: str) -> str:
        try:
            return json.dumps(schema, sort_keys=True)
        except (TypeError, ValueError) as exc:
            raise SchemaError(f"{where}: the schema is not JSON: {exc}") from None

    def _walker(self, schema: dict[str, Any], where: str) -> Any:
        """The jsonschema validator of ``schema``, for the 2020-12 fallback (built once)."""
        key = self._key(schema, where)
        walker = self._walkers.get(key)
        if walker is None:
            cls = _walker_class(schema)
            checker = jsonschema.FormatChecker()
            for name, rule in self.formats.items():
                checker.checks(name)(_format_function(rule))
            walker = self._walkers[key] = cls(json.loads(key), format_checker=checker)
        return walker

    def _explainer(self, schema: dict[str, Any], where: str, part: str) -> Callable[[Any], list[Violation]]:
        """A function from a rejected value to every violation of ``schema``: a full walk with jsonschema-rs.

        PERF: jsonschema's walk of a 1 KB body cost 0.5-0.8 ms, longer than Connexion's whole
        rejection, which kept bench/openapi.py's goal (10x Connexion on every scenario) out of
        reach; jsonschema-rs walks it in 30 us with the same drafts' semantics. Its validator is
        built on the first rejection, not at start-up: an app of thousands of schemas pays only
        for those it rejects with.
        """
        key = self._key(schema, where)
        built: list[Any] = []

        def explain_all(value: Any) -> list[Violation]:
            if not built:
                built.append(self._explainers.get(key) or self._build_explainer(key, schema))
            validator, contents = built[0]
            try:
                return explain(validator, value, part, schema=contents)
            except ValueError:  # a value JSON cannot hold (bytes): the compiled validator's word stands
                return []

        return explain_all

    def _build_explainer(self, key: str, schema: dict[str, Any]) -> Any:
        explainer = self._explainers.get(key)
        if explainer is None:
            contents = json.loads(key)
            cls = {jsonschema.Draft4Validator: jsonschema_rs.Draft4Validator,
                   jsonschema.Draft6Validator: jsonschema_rs.Draft6Validator,
                   jsonschema.Draft7Validator: jsonschema_rs.Draft7Validator}.get(_walker_class(schema),
                                                                                  jsonschema_rs.Draft202012Validator)
            formats = {name: _format_function(rule) for name, rule in self.formats.items()}
            explainer = self._explainers[key] = (cls(contents, validate_formats=True, formats=formats), contents)
        return explainer

    def _fallback(self, schema: dict[str, Any], where: str) -> Callable[[Any], Any]:
        try:
            jsonschema.Draft202012Validator.check_schema(schema)
        except jsonschema.SchemaError as exc:
            raise SchemaError(f"{where}: the schema is invalid: {exc.message}") from None
        walker = self._walker(schema, where)
        is_valid = walker.is_valid

        def check(value: Any) -> Any:
            if not is_valid(value):
                error = jsonschema.exceptions.best_match(walker.iter_errors(value))
                name = "data" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.absolute_path)
                raise fastjsonschema.JsonSchemaValueException(error.message, error.instance, name,
                                                              error.schema, error.validator)
            return value

        return check


def rejection(first: str, violations: list[Violation]) -> InvalidInput:
    """The 400 for ``violations``: ``first`` is the message when there is one; all are listed."""
    return InvalidInput(message_of(violations, first), violations)


#: Keywords of JSON Schema 2019-09 and 2020-12 that fastjsonschema (drafts 4, 6 and 7) does not know.
KEYWORDS_2020 = frozenset(("prefixItems", "unevaluatedProperties", "unevaluatedItems", "dependentRequired",
                           "dependentSchemas", "$dynamicRef", "$dynamicAnchor", "$recursiveRef", "$anchor",
                           "minContains", "maxContains"))


def needs_2020(schema: Any) -> bool:
    """Whether ``schema`` says it is 2019-09 or 2020-12, or uses a keyword only those drafts have."""
    if isinstance(schema, dict):
        declared = schema.get("$schema")
        if isinstance(declared, str) and ("2020-12" in declared or "2019-09" in declared):
            return True
        return any(k in KEYWORDS_2020 or needs_2020(v) for k, v in schema.items())
    if isinstance(schema, list):
        return any(needs_2020(v) for v in schema)
    return False


def _walker_class(schema: dict[str, Any]) -> Any:
    declared = str(schema.get("$schema") or "")
    if "draft-04" in declared:
        return jsonschema.Draft4Validator
    if "draft-06" in declared:
        return jsonschema.Draft6Validator
    return jsonschema.Draft202012Validator if needs_2020(schema) else jsonschema.Draft7Validator


def _format_function(rule: str | Callable[[str], bool]) -> Callable[[Any], bool]:
    if callable(rule):
        return lambda value: not isinstance(value, str) or bool(rule(value))
    pattern = re.compile(rule)
    return lambda value: not isinstance(value, str) or pattern.search(value) is not None


def _from_exception(exc: fastjsonschema.JsonSchemaValueException, part: str) -> Violation:
    """The compiled validator's one violation, when the walk finds none (the two disagree on a format)."""
    name = exc.name or "data"
    path = [p for p in re.split(r"\.|\[(\d+)\]", name[4:]) if p] if name.startswith("data") else []
    return Violation(part, pointer(path), exc.value, exc.rule or "", describe(exc, part))


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


_short = short
_RULES = RULES
