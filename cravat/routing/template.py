"""Path templates: ``/servers/{server_id}/ips`` parsed once into segments.

A parameter fills one whole segment: ``{name}`` matches any non-empty segment,
``{name:regex}`` one the regex matches in full. The regex may not contain
``/``. A trailing slash is not significant: ``/servers/`` is ``/servers``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


class TemplateError(ValueError):
    """A path template that cannot be compiled; the message names the template."""


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: literal text, or a parameter with an optional pattern."""

    text: str                 # as written: "servers" or "{id:[0-9]+}"
    param: str | None = None  # "id" for a parameter, None for literal text
    pattern: str | None = None

    @property
    def key(self) -> str:
        """What two templates must share to share this segment's place in the router."""
        return self.text if self.param is None else "{%s}" % (self.pattern or "")


@dataclass(frozen=True, slots=True)
class Template:
    text: str
    segments: tuple[Segment, ...]

    @property
    def param_names(self) -> tuple[str, ...]:
        return tuple(s.param for s in self.segments if s.param is not None)

    @property
    def is_static(self) -> bool:
        return all(s.param is None for s in self.segments)


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def parse_template(text: str) -> Template:
    """Parse a path template.

    >>> [s.text for s in parse_template("/{project_id:[0-9a-f-]+}/servers").segments]
    ['{project_id:[0-9a-f-]+}', 'servers']
    """
    if not text.startswith("/"):
        raise TemplateError(f"path template {text!r} must start with '/'")
    body = text[1:]
    if body.endswith("/"):
        body = body[:-1]
    segments = tuple(_parse_segment(text, raw) for raw in _split(text, body)) if body else ()
    names = [s.param for s in segments if s.param is not None]
    repeated = {n for n in names if names.count(n) > 1}
    if repeated:
        raise TemplateError(f"path template {text!r} names parameter {sorted(repeated)[0]!r} twice")
    return Template(text, segments)


def _split(template: str, body: str) -> list[str]:
    """Split on '/' outside braces, so ``{id:[0-9]{4}}`` stays one segment."""
    parts, depth, start = [], 0, 0
    for i, char in enumerate(body):
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth < 0:
                raise TemplateError(f"path template {template!r} has an unmatched '}}'")
        elif char == "/" and depth == 0:
            parts.append(body[start:i])
            start = i + 1
    if depth:
        raise TemplateError(f"path template {template!r} has an unclosed '{{'")
    parts.append(body[start:])
    return parts


def _parse_segment(template: str, raw: str) -> Segment:
    if not raw:
        raise TemplateError(f"path template {template!r} has an empty segment ('//')")
    if "{" not in raw and "}" not in raw:
        return Segment(raw)
    if not (raw.startswith("{") and raw.endswith("}")):
        raise TemplateError(
            f"path template {template!r}: segment {raw!r} mixes text and a parameter; "
            "a parameter must fill a whole segment")
    name, _, pattern = raw[1:-1].partition(":")
    if not _NAME.match(name):
        raise TemplateError(f"path template {template!r}: {name!r} is not a valid parameter name")
    if not pattern:
        return Segment(raw, name)
    if "/" in pattern:
        raise TemplateError(f"path template {template!r}: the pattern of {{{name}}} may not match '/'")
    try:
        re.compile(pattern)
    except re.error as exc:
        raise TemplateError(
            f"path template {template!r}: the pattern of {{{name}}} is not a valid regex: {exc}") from None
    return Segment(raw, name, pattern)
