"""Reverse routing: the path of a named operation, for Location headers and links."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import quote

from cravat.routing.template import Segment, Template


class _Variant:
    __slots__ = ("template", "fills", "params")

    def __init__(self, template: Template) -> None:
        self.template = template
        self.params = template.param_names
        self.fills = tuple(_filler(s, template.text) for s in template.segments)


def _filler(segment: Segment, template: str) -> Callable[[Mapping[str, Any]], str] | str:
    """Literal text as it is, or a function filling the segment's parameters from values."""
    if segment.is_literal:
        return segment.text
    check = re.compile(segment.regex).fullmatch if segment.regex else None
    names, layout = segment.params, segment.format

    def fill(values: Mapping[str, Any]) -> str:
        text = layout.format(*(str(values[n]) for n in names))
        if check is not None and check(text) is None:
            raise ValueError(f"url_for: {text!r} does not match {segment.text} in {template}")
        return quote(text, safe="")

    return fill


class URLBuilder:
    """Builds paths for named operations.

    An operation may sit at several templates (with and without a project id
    prefix); the builder uses the one with the most parameters it can fill.
    It is built when the API compiles and only read afterwards.

    >>> urls.path_for("servers:show", {"id": "42"}, {"project_id": "abc"})
    '/abc/servers/42'
    """

    def __init__(self) -> None:
        self._variants: dict[str, list[_Variant]] = {}
        self._by_template: dict[str, _Variant] = {}  # names at one template share its variant

    def add(self, name: str, template: Template) -> None:
        variants = self._variants.setdefault(name, [])
        if any(v.template.text == template.text for v in variants):
            return
        variant = self._by_template.get(template.text)
        if variant is None:
            variant = self._by_template[template.text] = _Variant(template)
        variants.append(variant)
        if len(variants) > 1:
            variants.sort(key=lambda v: len(v.params), reverse=True)

    def names(self) -> list[str]:
        return list(self._variants)

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
            return "/" + "/".join(f if type(f) is str else f(values) for f in variant.fills)
        last = variants[-1]
        missing = [p for p in last.params if params.get(p, defaults.get(p)) is None]
        raise LookupError(f"url_for({name!r}) needs a value for parameter {missing[0]!r} of {last.template.text}")
