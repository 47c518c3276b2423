"""``$ref``\\s: checked all at load, then gathered into self-contained schemas for the validators.

Every ``$ref`` of the spec, and of each file it refers to, is looked up
through the spec's ``referencing`` registry; one that points nowhere is a
finding naming the file, line and column where it is written.

A validator needs one schema with everything it refers to inside it. The
:class:`Bundler` rewrites each ``$ref`` to ``#/$defs/<name>``, one entry
per target (so recursive schemas stay finite), converts each target with
the version's schema rules, and hands out a schema with only the
``$defs`` it reaches:

>>> bundler.schema({"$ref": "#/definitions/Pet"}, spec.uri)
{'$ref': '#/$defs/Pet', '$defs': {'Pet': {'type': 'object', ...}}}
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any
from urllib.parse import urldefrag, urljoin

import referencing.exceptions

from cravat.openapi.spec import Location, Spec, walk_refs

Convert = Callable[[dict[str, Any]], dict[str, Any]]


def check_refs(spec: Spec) -> list[str]:
    """A finding for each ``$ref`` that points nowhere, in the spec and in every file it reaches."""
    findings: list[str] = []
    seen: set[str] = set()
    pending = [spec.uri]
    while pending:
        uri = pending.pop()
        if uri in seen:
            continue
        seen.add(uri)
        document = spec.documents.get(uri)
        if document is None:
            continue
        resolver = spec.resolver(uri)
        for location, ref in walk_refs(document.data):
            try:
                resolved = resolver.lookup(ref)
            except referencing.exceptions.Unresolvable as exc:
                findings.append(f"{document.at((*location, '$ref'))}: $ref {ref!r} points nowhere: {_why(exc)}")
                continue
            target = urldefrag(_absolute(resolver, ref))[0]
            if target not in seen:
                pending.append(target)
            del resolved
    return findings


def _why(exc: Exception) -> str:
    if isinstance(exc, referencing.exceptions.PointerToNowhere):
        return f"{exc.ref!r} is not in the document"
    if isinstance(exc, referencing.exceptions.NoSuchAnchor):
        return f"there is no anchor {exc.anchor!r}"
    return "the file it names cannot be read (only files beside the spec are, by relative path)"


def _absolute(resolver: referencing.Resolver, ref: str) -> str:
    return urljoin(resolver._base_uri, ref)  # noqa: SLF001 - the base is what the ref is relative to


class Bundler:
    """Self-contained schemas from a spec's schemas, ``$ref``\\s gathered into ``$defs``, converted once each."""

    def __init__(self, spec: Spec, convert: Convert) -> None:
        self.spec = spec
        self.convert = convert
        self.defs: dict[str, Any] = {}
        self._names: dict[str, str] = {}        # absolute ref -> its $defs name
        self._uses: dict[str, set[str]] = {}    # $defs name -> the names it refers to

    def schema(self, node: Any, base_uri: str | None = None) -> dict[str, Any]:
        """``node`` (a schema as written) as one self-contained, converted JSON Schema."""
        uses: set[str] = set()
        converted = self._rewrite(node, self.spec.resolver(base_uri), uses)
        if not uses:
            return converted
        reached: dict[str, Any] = {}
        stack = list(uses)
        while stack:
            name = stack.pop()
            if name not in reached:
                reached[name] = self.defs[name]
                stack.extend(self._uses[name])
        return {**converted, "$defs": dict(sorted(reached.items()))}

    def resolve(self, node: Any, base_uri: str | None = None) -> tuple[Any, str]:
        """Follow ``node``'s ``$ref`` (parameters, responses, request bodies): the target and its base URI."""
        resolver = self.spec.resolver(base_uri)
        seen = 0
        while isinstance(node, dict) and isinstance(node.get("$ref"), str) and seen < 32:
            resolved = resolver.lookup(node["$ref"])
            node, resolver = resolved.contents, resolved.resolver
            seen += 1
        return node, resolver._base_uri  # noqa: SLF001

    def _rewrite(self, node: Any, resolver: referencing.Resolver, uses: set[str]) -> Any:
        if isinstance(node, list):
            return [self._rewrite(item, resolver, uses) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str):
            name = self._define(ref, resolver)
            uses.add(name)
            siblings = {k: v for k, v in node.items() if k != "$ref"}
            target = {"$ref": f"#/$defs/{name}"}
            if siblings and self.spec.version == "3.1":  # 2020-12: a $ref's siblings apply too
                rest = self.convert({k: self._rewrite(v, resolver, uses) for k, v in siblings.items()})
                return {"allOf": [target], **rest}
            return target
        return self.convert({k: self._subschemas(k, v, resolver, uses) for k, v in node.items()})

    def _subschemas(self, key: str, value: Any, resolver: referencing.Resolver, uses: set[str]) -> Any:
        if key in ("properties", "patternProperties", "$defs", "definitions", "dependentSchemas"):
            if isinstance(value, dict):
                return {name: self._rewrite(sub, resolver, uses) for name, sub in value.items()}
            return value
        if key in ("enum", "const", "default", "example", "examples", "required", "x-examples"):
            return value  # data, not schemas: a {"$ref": ...} in an example is an example
        return self._rewrite(value, resolver, uses)

    def _define(self, ref: str, resolver: referencing.Resolver) -> str:
        absolute = _absolute(resolver, ref)
        name = self._names.get(absolute)
        if name is not None:
            return name
        name = self._names[absolute] = self._fresh_name(ref)
        resolved = resolver.lookup(ref)
        self.defs[name] = {}  # placeholder: a recursive schema meets its own name while being rewritten
        uses: set[str] = set()
        self.defs[name] = self._rewrite(copy.deepcopy(resolved.contents), resolved.resolver, uses)
        self._uses[name] = uses
        return name

    def _fresh_name(self, ref: str) -> str:
        tail = urldefrag(ref)[1].rstrip("/").rsplit("/", 1)[-1] or urldefrag(ref)[0].rsplit("/", 1)[-1]
        base = re.sub(r"[^A-Za-z0-9_.-]", "_", tail) or "schema"
        name, n = base, 1
        while name in self.defs:
            n += 1
            name = f"{base}_{n}"
        return name


def served_document(spec: Spec) -> dict[str, Any]:
    """The spec as one document for clients: ``$ref``\\s to other files replaced by what they point at.

    References within the main file stay as written; a reference into
    another file is inlined (with that file's own references, followed
    relative to it), unless it is recursive, when it stays a reference.
    """
    def inline(node: Any, resolver: referencing.Resolver, external: bool, active: tuple[str, ...]) -> Any:
        if isinstance(node, list):
            return [inline(item, resolver, external, active) for item in node]
        if not isinstance(node, dict):
            return node
        ref = node.get("$ref")
        if isinstance(ref, str) and (external or not ref.startswith("#")):
            absolute = _absolute(resolver, ref)
            if absolute not in active:
                resolved = resolver.lookup(ref)
                inner_external = urldefrag(absolute)[0] != spec.uri
                if inner_external:
                    return inline(resolved.contents, resolved.resolver, True, (*active, absolute))
                # back into the main file: a local reference serves
                return {"$ref": "#" + urldefrag(absolute)[1]}
        return {k: inline(v, resolver, external, active) for k, v in node.items()}

    if len(spec.documents) == 1:  # PERF: one file, nothing to inline; the data is served as it is
        return spec.data
    return inline(spec.data, spec.resolver(), False, ())


def location_of(path: Location) -> str:
    """A JSON path as openapi-spec-validator writes one: ``$.paths['/pets'].get``."""
    text = "$"
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if re.fullmatch(r"[A-Za-z_]\w*", part)
                                                           else f"[{part!r}]")
    return text
