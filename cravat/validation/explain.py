"""Explaining a rejection: every violation of a schema, not only the first.

The compiled validator (fastjsonschema) stops at the first failure, which
is what the accepting path wants. When it rejects, the request is walked
once more with jsonschema-rs (or jsonschema), which reports every failing
keyword: each becomes a :class:`Violation` with the field's JSON pointer,
the value, the rule and a sentence in the same words as the compiled
path's message.

>>> [v.pointer for v in explain(validator, {"server": {"name": 7, "colour": "red"}}, "body", schema=schema)]
['/server/colour', '/server/name']
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

#: At most this many violations are reported for one request.
MAX_VIOLATIONS = 20
#: At most this many are spelled out in the message itself; the rest are counted.
MAX_IN_MESSAGE = 5


@dataclass(frozen=True, slots=True)
class Violation:
    """One broken rule: where (a JSON pointer into the request part), the value, the rule, and why."""

    part: str          # "body", "query", "path", "header", "form"
    pointer: str       # "/server/name"; "" for the part as a whole
    value: Any
    rule: str          # the JSON Schema keyword: "type", "required", "format", ...
    sentence: str      # "Invalid input for body field 'server.name': 7 is not of type 'string'."

    def as_json(self) -> dict[str, Any]:
        """The violation as a problem document's ``errors`` member lists it."""
        return {"in": self.part, "pointer": self.pointer, "value": _bounded(self.value), "rule": self.rule,
                "detail": self.sentence}


def explain(validator: Any, value: Any, part: str, limit: int = MAX_VIOLATIONS, schema: Any = None) \
        -> list[Violation]:
    """Every violation by ``value`` of ``validator``'s schema, by pointer; ``limit`` at most.

    ``validator`` is a jsonschema-rs validator (given ``schema``, which its
    errors point into) or a jsonschema one.
    """
    found: dict[tuple[str, str], Violation] = {}
    violations = _violations_rs if schema is not None else _violations
    for error in validator.iter_errors(value):
        for violation in violations(error, part, schema):
            found.setdefault((violation.pointer, violation.rule), violation)
        if len(found) >= limit:
            break
    return sorted(found.values(), key=lambda v: (v.pointer, v.rule))[:limit]


def message_of(violations: list[Violation], first: str | None = None) -> str:
    """One message for a 400: the sentences of the first few violations, and how many more there are.

    ``first`` (the compiled validator's own sentence) stands alone when it is the only violation.
    """
    if first is not None and len(violations) <= 1:
        return first
    sentences = list(dict.fromkeys(v.sentence for v in violations))
    text = " ".join(sentences[:MAX_IN_MESSAGE])
    if len(sentences) > MAX_IN_MESSAGE:
        text += f" And {len(sentences) - MAX_IN_MESSAGE} more."
    return text


def _violations_rs(error: Any, part: str, schema: Any) -> Iterator[Violation]:
    """A jsonschema-rs error as violations: its schema path names the keyword and leads to the rule's value."""
    path = list(error.instance_path)
    keyword_path = list(error.schema_path)
    rule = keyword_path[-1] if keyword_path and isinstance(keyword_path[-1], str) else error.kind.name
    value, details = error.instance, error.kind.as_dict()
    if rule == "required" and "property" in details:
        where = [*path, details["property"]]
        yield Violation(part, pointer(where), None, rule, f"Invalid input for {_noun(part)} '{dotted(where)}': "
                        f"{'the field' if _noun(part).endswith('field') else 'it'} is required but missing.")
        return
    if rule in ("additionalProperties", "unevaluatedProperties") and details.get("unexpected"):
        extra = [str(e) for e in details["unexpected"]]
        sentence = _not_allowed(part, path, extra)
        for name in extra:
            yield Violation(part, pointer([*path, name]), value.get(name) if isinstance(value, dict) else None,
                            rule, sentence)
        return
    rule_value = _at(schema, keyword_path)
    detail = RULES.get(rule)
    text = detail(value, rule_value) if detail else f"{short(value)} breaks the rule {rule!r}"
    field = f"{_noun(part)} '{dotted(path)}'" if path else f"request {part}"
    yield Violation(part, pointer(path), value, rule, f"Invalid input for {field}: {text}.")


def _at(schema: Any, path: list[Any]) -> Any:
    for step in path:
        try:
            schema = schema[step]
        except (KeyError, IndexError, TypeError):
            return None
    return schema


def _violations(error: Any, part: str, schema: Any = None) -> Iterator[Violation]:
    """A jsonschema error as violations."""
    path = list(error.absolute_path)
    rule, rule_value, value = error.validator, error.validator_value, error.instance
    if rule == "required" and isinstance(value, dict):
        for name in rule_value:
            if name not in value:
                where = [*path, name]
                yield Violation(part, pointer(where), None, rule,
                                f"Invalid input for {_noun(part)} '{dotted(where)}': "
                                f"{'the field' if _noun(part).endswith('field') else 'it'} is required but missing.")
        return
    if rule in ("additionalProperties", "unevaluatedProperties") and isinstance(value, dict):
        schema = error.schema if isinstance(error.schema, dict) else {}
        known = set(schema.get("properties") or ())
        patterns = list(schema.get("patternProperties") or ())
        extra = [k for k in value if k not in known and not _matches_any(patterns, k)]
        if rule_value is not False and isinstance(rule_value, dict):
            extra = []  # a schema for extra properties: its own errors carry the detail
        if extra:
            sentence = _not_allowed(part, path, extra)
            for name in extra:
                yield Violation(part, pointer([*path, name]), value[name], rule, sentence)
            return
    detail = RULES.get(rule)
    text = detail(value, rule_value) if detail else f"{short(value)} breaks the rule {rule!r}"
    field = f"{_noun(part)} '{dotted(path)}'" if path else f"request {part}"
    yield Violation(part, pointer(path), value, rule, f"Invalid input for {field}: {text}.")


#: How messages name a value of each request part; a body's or query's is a "field", as Nova says.
_NOUNS = {"path": "path parameter", "header": "header", "cookie": "cookie", "form": "form field"}


def _noun(part: str) -> str:
    return _NOUNS.get(part, f"{part} field")


def _not_allowed(part: str, path: list[Any], extra: list[str]) -> str:
    if len(extra) == 1:
        return f"Invalid input for {_noun(part)} '{dotted([*path, extra[0]])}': the field is not allowed."
    where = f"{_noun(part)} '{dotted(path)}'" if path else f"the request {part}"
    return f"Invalid input in {where}: the fields {', '.join(repr(str(e)) for e in extra[:5])} are not allowed."


def _matches_any(patterns: list[str], key: str) -> bool:
    return any(re.search(p, key) for p in patterns)


def pointer(path: list[Any]) -> str:
    """RFC 6901: ``["server", "a/b", 0]`` -> ``/server/a~1b/0``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in path)


def dotted(path: list[Any]) -> str:
    """How messages name a field: ``server.networks[1].uuid``."""
    text = ""
    for part in path:
        if isinstance(part, int):
            text += f"[{part}]"
        else:
            text += f".{part}" if text else str(part)
    return text


def short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[:limit - 3] + "..."


def _bounded(value: Any, limit: int = 200) -> Any:
    """The value as given when it is small; else its truncated text (an error body stays small)."""
    if value is None or type(value) in (bool, int, float):
        return value
    if type(value) is str:
        return value if len(value) <= limit else short(value, limit)
    try:
        text = json.dumps(value)
    except (TypeError, ValueError):
        return short(value, limit)
    return value if len(text) <= limit else short(value, limit)


def _type_name(rule_value: Any) -> str:
    if isinstance(rule_value, list):
        return " or ".join(repr(t) for t in rule_value)
    return repr(rule_value)


#: How each rule reads, from the value and the rule's value; shared with the compiled path's messages.
RULES: dict[str, Callable[[Any, Any], str]] = {
    "type": lambda v, r: f"{short(v)} is not of type {_type_name(r)}",
    "format": lambda v, r: f"{short(v)} is not a valid {r!r}",
    "enum": lambda v, r: f"{short(v)} is not one of {short(r, 120)}",
    "const": lambda v, r: f"{short(v)} is not {short(r)}",
    "pattern": lambda v, r: f"{short(v)} does not match the pattern {r!r}",
    "minLength": lambda v, r: f"{short(v)} is shorter than {r} characters",
    "maxLength": lambda v, r: f"{short(v)} is longer than {r} characters",
    "minimum": lambda v, r: f"{short(v)} is less than the minimum of {r}",
    "maximum": lambda v, r: f"{short(v)} is greater than the maximum of {r}",
    "exclusiveMinimum": lambda v, r: f"{short(v)} is not greater than {r}",
    "exclusiveMaximum": lambda v, r: f"{short(v)} is not less than {r}",
    "minItems": lambda v, r: f"{short(v)} has fewer than {r} items",
    "maxItems": lambda v, r: f"{short(v)} has more than {r} items",
    "uniqueItems": lambda v, r: f"{short(v)} has repeated items",
    "minProperties": lambda v, r: f"{short(v)} has fewer than {r} properties",
    "maxProperties": lambda v, r: f"{short(v)} has more than {r} properties",
    "multipleOf": lambda v, r: f"{short(v)} is not a multiple of {r}",
    "oneOf": lambda v, r: f"{short(v)} does not match exactly one of the allowed shapes",
    "anyOf": lambda v, r: f"{short(v)} does not match any of the allowed shapes",
    "not": lambda v, r: f"{short(v)} matches a shape that is not allowed",
    "dependentRequired": lambda v, r: f"{short(v)} lacks a field that another field requires ({short(r)})",
    "prefixItems": lambda v, r: f"{short(v)} does not have the items its positions require",
    "minContains": lambda v, r: f"{short(v)} has fewer than {r} matching items",
    "maxContains": lambda v, r: f"{short(v)} has more than {r} matching items",
}
