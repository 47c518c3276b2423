"""Reverse routing: the path of a named operation, for Location headers and links."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from cravat.routing.template import Template


class _Variant:
    __slots__ = ("template", "parts", "params", "patterns")

    def __init__(self, template: Template) -> None:
        self.template = template
        # parts: literal text, or None where a parameter goes (in `params` order)
        self.parts = tuple(None if s.param else s.text for s in template.segments)
        self.params = template.param_names
        self.patterns = {s.param: re.compile(s.pattern) for s in template.segments if s.param and s.pattern}


class URLBuilder:
    """Builds paths for named operations.

    An operation may sit at several templates (with and without a project id
    prefix); the builder uses the one with the most parameters it can fill.

    >>> urls.path_for("servers:show", {"id": "42"}, {"project_id": "abc"})
    '/abc/servers/42'
    """

    def __init__(self) -> None:
        self._variants: dict[str, list[_Variant]] = {}

    def add(self, name: str, template: Template) -> None:
        variants = self._variants.setdefault(name, [])
        if any(v.template.text == template.text for v in variants):
            return
        variants.append(_Variant(template))
        variants.sort(key=lambda v: len(v.params), reverse=True)

    def path_for(self, name: str, params: Mapping[str, Any], defaults: Mapping[str, Any]) -> str:
        """The quoted path of ``name`` with ``params``; missing parameters come from ``defaults``."""
        variants = self._variants.get(name)
        if variants is None:
            raise LookupError(f"url_for: no operation is named {name!r}")
        known = {p for v in variants for p in v.params}
        unknown = sorted(set(params) - known)
        if unknown:
            raise LookupError(f"url_for({name!r}): {unknown[0]!r} is not a parameter of "
                              f"{' or '.join(v.template.text for v in variants)}")
        for variant in variants:
            values = {p: params[p] if p in params else defaults.get(p) for p in variant.params}
            if any(v is None for v in values.values()):
                continue
            return _fill(variant, values)
        last = variants[-1]
        missing = [p for p in last.params if params.get(p, defaults.get(p)) is None]
        raise LookupError(f"url_for({name!r}) needs a value for parameter {missing[0]!r} of {last.template.text}")


def _fill(variant: _Variant, values: dict[str, Any]) -> str:
    names = iter(variant.params)
    out = []
    for part in variant.parts:
        if part is not None:
            out.append(part)
            continue
        name = next(names)
        text = str(values[name])
        pattern = variant.patterns.get(name)
        if pattern is not None and not pattern.fullmatch(text):
            raise ValueError(f"url_for: {text!r} does not match the pattern of {{{name}}} in {variant.template.text}")
        out.append(quote(text, safe=""))
    return "/" + "/".join(out)
