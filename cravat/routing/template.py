"""Path templates: ``/servers/{server_id}/ips`` parsed once into segments.

A segment is literal text, one parameter, or literal text with parameters
in it (a *partial* segment):

- ``{name}`` matches any non-empty segment;
- ``{name:regex}`` one the regex matches in full (the regex may not contain ``/``);
- ``{name:int}`` and ``{name:uuid}`` are *typed*: the segment must be a whole
  number (at most 18 digits) or a UUID, and the handler receives an ``int``
  or a :class:`uuid.UUID`;
- ``{name}.{ext}`` or ``v{major:int}`` mix text and parameters in one
  segment; each parameter stops at the text that follows it.

A trailing slash is not significant: ``/servers/`` is ``/servers``.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


class TemplateError(ValueError):
    """A path template that cannot be compiled; the message names the template."""


@dataclass(frozen=True, slots=True)
class Converter:
    """A typed parameter: the text it matches, and how the text becomes the value."""

    name: str
    pattern: str
    convert: Callable[[str], Any]


CONVERTERS: dict[str, Converter] = {
    # 18 digits always fit a 64-bit integer; a longer one is not an id but an attack on int().
    "int": Converter("int", "[0-9]{1,18}", int),
    "uuid": Converter("uuid", "[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}",
                      uuid.UUID),
}


@dataclass(frozen=True, slots=True)
class Segment:
    """One segment: literal text, or parameters with their patterns.

    ``params`` names the segment's parameters in order (empty for literal
    text); ``regex`` matches the whole segment with one group per parameter
    where a plain ``{name}`` would not do (a pattern, a converter, a partial
    segment), else None; ``converters`` gives each parameter's converter or None.
    """

    text: str                                    # as written: "servers", "{id:[0-9]+}", "{name}.{ext}"
    params: tuple[str, ...] = ()
    regex: str | None = None
    converters: tuple[Converter | None, ...] = ()
    key: str = ""                                # what two templates must share to share this place
    whole: bool = False                          # one parameter fills the segment
    format: str = ""                             # str.format text that fills it: "{}.{}" for {name}.{ext}
    pattern: str | None = None                   # a whole-segment parameter's pattern as written, or None

    @property
    def param(self) -> str | None:
        """The parameter that fills this segment (``"id"`` for ``{id}``), else None."""
        return self.params[0] if self.whole else None

    @property
    def is_literal(self) -> bool:
        return not self.params


@dataclass(frozen=True, slots=True)
class Template:
    """A parsed template; what is derived from its segments is computed once, by ``parse_template``."""

    text: str
    segments: tuple[Segment, ...]
    param_names: tuple[str, ...] = ()
    #: Each parameter's converter, in ``param_names`` order.
    converters: tuple[Converter | None, ...] = ()
    #: The template with parameter names left out (``/servers/{}``): two templates of one shape
    #: are one route.
    shape: str = "/"

    @property
    def is_static(self) -> bool:
        return not self.param_names


_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def extend_template(base: Template, tail: str) -> Template:
    """``base`` with the segments of ``tail`` after it: ``/servers/{id}`` + ``action``.

    PERF: parses only ``tail``; a controller makes two or three templates from its collection's.
    """
    text = base.text.rstrip("/") + "/" + tail.strip("/")
    if not tail.strip("/"):
        return base
    added = tuple(_parse_segment(text, raw) for raw in _split(text, tail.strip("/")))
    segments = base.segments + added
    names = base.param_names + tuple(p for s in added for p in s.params)
    if len(set(names)) != len(names):
        repeated = sorted({n for n in names if names.count(n) > 1})[0]
        raise TemplateError(f"path template {text!r} names parameter {repeated!r} twice")
    return Template(text, segments, names, base.converters + tuple(c for s in added for c in s.converters),
                    base.shape.rstrip("/") + "/" + "/".join(s.key for s in added))


def parse_template(text: str) -> Template:
    """Parse a path template.

    >>> [s.text for s in parse_template("/{project_id:[0-9a-f-]+}/servers").segments]
    ['{project_id:[0-9a-f-]+}', 'servers']
    >>> parse_template("/files/{name}.{ext}").param_names
    ('name', 'ext')
    """
    if not isinstance(text, str) or not text.startswith("/"):
        raise TemplateError(f"path template {text!r} must start with '/'")
    body = text[1:]
    if body.endswith("/"):
        body = body[:-1]
    segments = tuple(_parse_segment(text, raw) for raw in _split(text, body)) if body else ()
    names = [p for s in segments for p in s.params]
    repeated = {n for n in names if names.count(n) > 1}
    if repeated:
        raise TemplateError(f"path template {text!r} names parameter {sorted(repeated)[0]!r} twice")
    return Template(text, segments, tuple(names), tuple(c for s in segments for c in s.converters),
                    "/" + "/".join(s.key for s in segments))


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


def _pieces(template: str, raw: str) -> list[tuple[str, str | None]]:
    """``"{name}.{ext}"`` -> ``[("name", None), (".", ...)]``: literal text as ``(text, "")``,
    parameters as ``(name, pattern or None)``."""
    pieces: list[tuple[str, str | None]] = []
    i = 0
    while i < len(raw):
        if raw[i] == "}":
            raise TemplateError(f"path template {template!r} has an unmatched '}}'")
        if raw[i] != "{":
            j = i
            while j < len(raw) and raw[j] not in "{}":
                j += 1
            pieces.append((raw[i:j], ""))
            i = j
            continue
        depth, j = 0, i
        while True:
            if raw[j] == "{":
                depth += 1
            elif raw[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        name, _, pattern = raw[i + 1:j].partition(":")
        if not _NAME.match(name):
            raise TemplateError(f"path template {template!r}: {name!r} is not a valid parameter name")
        pieces.append((name, pattern or None))
        i = j + 1
    return pieces


_PLAIN = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}\Z")


def _parse_segment(template: str, raw: str) -> Segment:
    if not raw:
        raise TemplateError(f"path template {template!r} has an empty segment ('//')")
    if "{" not in raw and "}" not in raw:
        return Segment(raw, key=raw)
    plain = _PLAIN.match(raw)
    if plain is not None:  # PERF: "{id}", most parameters, without the general parse
        return Segment(raw, (plain[1],), None, (None,), "{}", whole=True, format="{}")
    pieces = _pieces(template, raw)
    for (a, a_pattern), (b, b_pattern) in zip(pieces, pieces[1:]):
        if a_pattern != "" and b_pattern != "":
            raise TemplateError(f"path template {template!r}: in segment {raw!r}, {{{a}}} and {{{b}}} stand "
                                "side by side; put literal text between them so each knows where it ends")
    names, converters, regex_parts, key_parts, format_parts = [], [], [], [], []
    plain = len(pieces) == 1  # one parameter filling the segment
    for index, (name, pattern) in enumerate(pieces):
        if pattern == "":
            regex_parts.append(re.escape(name))
            key_parts.append(name)
            format_parts.append(name)
            continue
        converter = CONVERTERS.get(pattern) if pattern else None
        if converter is not None:
            regex = converter.pattern
        elif pattern is not None:
            if "/" in pattern:
                raise TemplateError(f"path template {template!r}: the pattern of {{{name}}} may not match '/'")
            try:
                compiled = re.compile(pattern)
            except re.error as exc:
                raise TemplateError(
                    f"path template {template!r}: the pattern of {{{name}}} is not a valid regex: {exc}") from None
            if compiled.groups:
                # The segment's own groups are its parameters; a pattern's groups would shift them.
                pattern = _uncapture(pattern)
            regex = pattern
        else:
            follower = pieces[index + 1][0] if index + 1 < len(pieces) else ""
            regex = "[^/]+" if not follower else f"[^/{re.escape(follower[0])}]+"
        names.append(name)
        converters.append(converter)
        regex_parts.append(f"({regex})")
        key_parts.append("{%s}" % (pattern or ""))
        format_parts.append("{}")
    if plain and pieces[0][1] is None:
        return Segment(raw, (names[0],), None, (None,), "{}", whole=True, format="{}")
    return Segment(raw, tuple(names), "".join(regex_parts), tuple(converters), "".join(key_parts), whole=plain,
                   format="".join(format_parts), pattern=pieces[0][1] if plain else None)


def _uncapture(pattern: str) -> str:
    """A regex with its capturing groups made non-capturing: ``(a|b)`` -> ``(?:a|b)``."""
    out, i = [], 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            out.append(pattern[i:i + 2])
            i += 2
            continue
        if char == "[":  # a class: no groups inside
            j = i + 1
            if j < len(pattern) and pattern[j] == "^":
                j += 1
            if j < len(pattern) and pattern[j] == "]":
                j += 1
            while j < len(pattern) and pattern[j] != "]":
                j += 2 if pattern[j] == "\\" else 1
            out.append(pattern[i:j + 1])
            i = j + 1
            continue
        if char == "(" and not pattern.startswith("(?", i):
            out.append("(?:")
        elif pattern.startswith("(?P<", i):
            end = pattern.index(">", i)
            out.append("(?:")
            i = end + 1
            continue
        else:
            out.append(char)
        i += 1
    return "".join(out)
