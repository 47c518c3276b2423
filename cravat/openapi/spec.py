"""Loading a spec file: YAML or JSON, where each value was written, and its ``$ref``\\s.

A :class:`Spec` is the document as data, which OpenAPI version it is, and
for every value the line and column it was written at (openapi-spec-validator
reports JSON paths only; a person wants the line). ``$ref``\\s, within the
file and to files beside it, resolve through a ``referencing`` registry
that reads those files on demand, relative to the file that refers to them.

>>> spec = load_spec("examples/qtip/swagger.yaml")
>>> spec.version, spec.at(("paths", "/plans", "get"))
('2.0', 'examples/qtip/swagger.yaml:15:5')
"""

from __future__ import annotations

import bisect
import datetime
import json
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urldefrag, urlsplit

import referencing
import referencing.exceptions
import yaml

Location = tuple[str | int, ...]

_PLACEHOLDER = re.compile(r"{{\s*([A-Za-z_][A-Za-z0-9_]*)\s*}}")


class SpecError(ValueError):
    """A spec that cannot be served; the message names the file and each place that is wrong."""

    def __init__(self, file: str, findings: list[str]) -> None:
        self.file = file
        self.findings = findings
        count = f"{len(findings)} problem{'s' if len(findings) != 1 else ''}"
        super().__init__(f"{file}: {count}:\n" + "\n".join(f"  {f}" for f in findings))


@dataclass
class Document:
    """One file's data and where each of its values was written (``path -> (line, column)``)."""

    path: str
    data: Any
    marks: dict[Location, tuple[int, int]] = field(default_factory=dict)
    text: str = field(default="", repr=False)   # as read: what a validation cache is keyed by
    #: How deep ``marks`` goes; deeper places are found on first need (an error), by parsing again.
    depth: int = 1 << 30

    def at(self, location: Location) -> str:
        """``file:line:column`` of ``location``, or of its nearest enclosing value that has a place."""
        if len(location) > self.depth and self.text:
            self.marks = marks_of(self.text)
            self.depth = 1 << 30
        for end in range(len(location), -1, -1):
            mark = self.marks.get(tuple(location[:end]))
            if mark is not None:
                return f"{self.path}:{mark[0]}:{mark[1]}"
        return self.path


@dataclass
class Spec:
    """A loaded spec: its main document, the OpenAPI version, and a resolver for its ``$ref``\\s."""

    main: Document
    version: str                                   # "2.0", "3.0" or "3.1"
    registry: referencing.Registry                 # every file read so far, by URI
    documents: dict[str, Document]                 # by URI

    @property
    def data(self) -> dict[str, Any]:
        return self.main.data

    @property
    def path(self) -> str:
        return self.main.path

    @property
    def uri(self) -> str:
        return Path(os.path.abspath(self.main.path)).as_uri()

    def at(self, location: Location) -> str:
        return self.main.at(location)

    def resolver(self, base_uri: str | None = None) -> referencing.Resolver:
        return self.registry.resolver(base_uri=base_uri or self.uri)

    def where(self, uri: str, location: Location) -> str:
        """``file:line:column`` for a location inside the document at ``uri``."""
        document = self.documents.get(urldefrag(uri)[0])
        return document.at(location) if document is not None else uri


def load_spec(path: str | os.PathLike[str], arguments: dict[str, Any] | None = None) -> Spec:
    """Read the spec at ``path``; ``SpecError`` when it is not readable YAML or JSON, or has no version.

    ``arguments`` fill ``{{ name }}`` placeholders in the file's text (Connexion's ``add_api(arguments=)``
    renders the spec with Jinja2; plain placeholders are what specs use it for).
    """
    text_path = os.fspath(path)
    main = read_document(text_path, arguments)
    if not isinstance(main.data, dict):
        raise SpecError(text_path, [f"{text_path}:1:1: a spec is a mapping (openapi:, info:, paths:), "
                                    f"not a {type(main.data).__name__}"])
    version = spec_version(text_path, main.data)
    documents = {Path(os.path.abspath(text_path)).as_uri(): main}

    def retrieve(uri: str) -> referencing.Resource:
        # The registry is immutable, so each resolver may ask again: a file is read once all the same.
        known = documents.get(uri)
        if known is not None:
            return referencing.Resource(known.data, referencing.Specification.OPAQUE)
        parts = urlsplit(uri)
        if parts.scheme != "file":
            raise referencing.exceptions.NoSuchResource(ref=uri)
        file = unquote(parts.path)
        if not os.path.isfile(file):
            raise referencing.exceptions.NoSuchResource(ref=uri)
        document = read_document(os.path.relpath(file) if not os.path.relpath(file).startswith("..") else file)
        documents[uri] = document
        return referencing.Resource(document.data, referencing.Specification.OPAQUE)

    uri = Path(os.path.abspath(text_path)).as_uri()
    registry = referencing.Registry(retrieve=retrieve).with_resource(
        uri, referencing.Resource(main.data, referencing.Specification.OPAQUE))
    return Spec(main, version, registry, documents)


def spec_version(path: str, data: dict[str, Any]) -> str:
    swagger, openapi = data.get("swagger"), data.get("openapi")
    if str(swagger) == "2.0":
        return "2.0"
    if isinstance(openapi, str) and openapi.startswith("3.0."):
        return "3.0"
    if isinstance(openapi, str) and openapi.startswith("3.1."):
        return "3.1"
    found = f"openapi: {openapi!r}" if openapi is not None else (f"swagger: {swagger!r}" if swagger is not None
                                                                  else "neither 'swagger' nor 'openapi'")
    raise SpecError(path, [f"{path}:1:1: not a Swagger 2.0, OpenAPI 3.0 or 3.1 document: it has {found}"])


def read_document(path: str, arguments: dict[str, Any] | None = None) -> Document:
    """One YAML or JSON file, keys as strings (YAML's ``200:`` is the status "200"), with every value's place.

    PERF: libyaml's parser when PyYAML has it (ten times the pure-Python one); JSON by the json module.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
        if arguments:
            text = _PLACEHOLDER.sub(lambda m: str(arguments.get(m.group(1), m.group(0))), text)
    except OSError as exc:
        raise SpecError(path, [f"{path}: cannot be read: {exc.strerror or exc}"]) from None
    except UnicodeDecodeError as exc:
        raise SpecError(path, [f"{path}: is not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    if path.endswith(".json"):
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SpecError(path, [f"{path}:{exc.lineno}:{exc.colno}: is not JSON: {exc.msg}"]) from None
        # PERF: a JSON file's operations are found in its text; every other place when an error needs it.
        return Document(path, data, _json_operation_marks(text, data), text, depth=_SHALLOW)
    try:
        loader = _Loader(text)
        try:
            node = loader.get_single_node()
            if not path.endswith(".json"):
                data = loader.construct_document(node) if node is not None else None
        finally:
            loader.dispose()
    except yaml.MarkedYAMLError as exc:
        if path.endswith(".json"):  # JSON that YAML 1.1 reads differently: no places, the data stands
            return Document(path, data)
        mark = exc.problem_mark
        place = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark is not None else path
        raise SpecError(path, [f"{place}: is not YAML: {exc.problem or exc}"]) from None
    except yaml.YAMLError as exc:
        raise SpecError(path, [f"{path}: is not YAML: {exc}"]) from None
    marks: dict[Location, tuple[int, int]] = {}
    if node is not None:
        _mark(node, (), marks, depth=_SHALLOW)
    return Document(path, data if path.endswith(".json") else _normalized(data), marks, text, depth=_SHALLOW)


#: Places are kept at load down to operations (``paths``, path, method); the rest when an error needs them.
_SHALLOW = 3


def _json_operation_marks(text: str, data: Any) -> dict[Location, tuple[int, int]]:
    """The places of ``paths``, each path and each of its methods in a JSON text, by searching for their keys.

    Keys appear in the text in the order ``json.loads`` kept them, so each
    search starts where the last one ended: one pass over the text.
    """
    marks: dict[Location, tuple[int, int]] = {(): (1, 1)}
    paths = data.get("paths") if isinstance(data, dict) else None
    if not isinstance(paths, dict):
        return marks
    lines = [0, *(i + 1 for i, c in enumerate(text) if c == "\n")]

    def place(offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(lines, offset)
        return line, offset - lines[line - 1] + 1

    at = text.find('"paths"')
    if at < 0:
        return marks
    marks[("paths",)] = place(at)
    for path, item in paths.items():
        found = text.find(json.dumps(path), at)
        if found < 0:
            return marks  # written with escapes json.dumps does not use: the full parse will find them
        at = found
        marks[("paths", path)] = place(at)
        for method in item if isinstance(item, dict) else ():
            found = text.find(json.dumps(method), at)
            if found >= 0:
                marks[("paths", path, method)] = place(found)
    return marks


def marks_of(text: str) -> dict[Location, tuple[int, int]]:
    """Every value's place in ``text``."""
    marks: dict[Location, tuple[int, int]] = {}
    loader = _Loader(text)
    try:
        node = loader.get_single_node()
    except yaml.YAMLError:
        return marks
    finally:
        loader.dispose()
    if node is not None:
        _mark(node, (), marks)
    return marks


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _mark(node: yaml.Node, location: Location, marks: dict[Location, tuple[int, int]],
          at: yaml.Node | None = None, depth: int = 1 << 30) -> None:
    """Each value's place: a mapping's value is where its key is written (``get:``), an item where it starts."""
    mark = (at or node).start_mark
    marks[location] = (mark.line + 1, mark.column + 1)
    if len(location) >= depth:
        return
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            _mark(value, (*location, str(key.value)), marks, key, depth)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _mark(item, (*location, index), marks, None, depth)


def _normalized(value: Any) -> Any:
    """YAML's extra types as JSON would have them: mapping keys as strings, dates as ISO text."""
    if isinstance(value, dict):
        return {_key(k): _normalized(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_normalized(v) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _key(key: Any) -> str:
    if isinstance(key, bool):
        return "true" if key else "false"
    return key.isoformat() if isinstance(key, (datetime.date, datetime.datetime)) else str(key)


def walk_refs(value: Any, location: Location = ()) -> Iterator[tuple[Location, str]]:
    """Every ``$ref`` in ``value`` and where it is: ``(("paths", "/pets", "get", ...), "#/definitions/Pet")``."""
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str):
            yield location, ref
        for key, item in value.items():
            if key != "$ref":
                yield from walk_refs(item, (*location, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk_refs(item, (*location, index))
