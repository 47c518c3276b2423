"""Is the spec valid OpenAPI? Every finding at once, each with its JSON path, file, line and column.

First every ``$ref`` is looked up (openapi-spec-validator stops at the
first that points nowhere); then openapi-spec-validator reports each way
the document breaks its version's schema and rules; then what cravat needs
besides: each path template's parameters declared, and the other way round.

>>> check_spec(load_spec("broken.yaml"))
SpecError: broken.yaml: 2 problems:
  broken.yaml:12:9: $.paths['/pets'].get.responses: {} has less than 1 property
  broken.yaml:20:11: $.paths['/pets/{id}'].get: path parameter 'id' of the template is not declared
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.metadata
import os
import re
from pathlib import Path

import referencing.exceptions
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV30SpecValidator, OpenAPIV31SpecValidator
from openapi_spec_validator.settings import OpenAPISpecValidatorSettings

from cravat.openapi.operations import Operation
from cravat.openapi.refs import check_refs, location_of
from cravat.openapi.spec import Spec, SpecError

_VALIDATORS = {"2.0": OpenAPIV2SpecValidator, "3.0": OpenAPIV30SpecValidator, "3.1": OpenAPIV31SpecValidator}
_TEMPLATE_PARAM = re.compile(r"{([^{}]+)}")
#: At most this many of openapi-spec-validator's findings are listed.
MAX_FINDINGS = 50


def check_spec(spec: Spec) -> None:
    """Raise ``SpecError`` listing every finding, or return for a spec that can be served.

    PERF: openapi-spec-validator takes half a second for a spec of 1,000
    operations; a spec that passed it once is remembered (by the hash of
    every file it is made of and the validator's version, in
    ``$CRAVAT_CACHE_DIR``, by default ``~/.cache/cravat``), so serving it
    again starts without checking it again. Any change to any file checks anew.
    """
    findings = check_refs(spec)
    if findings:
        raise SpecError(spec.path, findings)  # the validator cannot walk a document with dangling refs
    marker = _passed_marker(spec)
    if marker is not None and marker.exists():
        return
    findings = validator_findings(spec)
    if findings:
        raise SpecError(spec.path, findings)
    if marker is not None:
        with contextlib.suppress(OSError):
            marker.parent.mkdir(parents=True, exist_ok=True)
            marker.write_text(spec.path + "\n")


def _passed_marker(spec: Spec) -> Path | None:
    """Where the fact that this exact spec passed the validator is kept, or None without a cache."""
    folder = os.environ.get("CRAVAT_CACHE_DIR") or os.path.join(os.path.expanduser("~"), ".cache", "cravat")
    if folder.lower() in ("off", "none", "0"):
        return None
    digest = hashlib.sha256(f"openapi-spec-validator {_validator_version()} {spec.version}".encode())
    for uri in sorted(spec.documents):
        document = spec.documents[uri]
        if not document.text:
            return None
        digest.update(b"\0" + uri.encode() + b"\0" + document.text.encode())
    return Path(folder) / "specs-passed" / digest.hexdigest()


def _validator_version() -> str:
    try:
        return importlib.metadata.version("openapi-spec-validator")
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def validator_findings(spec: Spec) -> list[str]:
    # As openapi-spec-validator's own validate() builds it: with its resolved-reference cache (a third faster).
    path = SchemaPath.from_dict(spec.data, base_uri=spec.uri,
                                resolved_cache_maxsize=OpenAPISpecValidatorSettings().resolved_cache_maxsize)
    validator = _VALIDATORS[spec.version](path)
    findings = []
    try:
        for error in validator.iter_errors():
            path = tuple(error.path) if getattr(error, "path", None) else ()
            message = error.message.split("\n", 1)[0]
            path = path or _named_operation(message)
            findings.append(f"{spec.at(path)}: {location_of(path)}: {message}")
            if len(findings) >= MAX_FINDINGS:
                findings.append(f"... and possibly more (the first {MAX_FINDINGS} are listed)")
                break
    except referencing.exceptions.Unresolvable as exc:
        findings.append(f"{spec.path}: a $ref points nowhere: {exc}")
    return list(dict.fromkeys(findings))


_OPERATION_NAMED = re.compile(r"for '(\w+)'(?: operation)? in '([^']+)'")


def _named_operation(message: str) -> tuple[str, ...]:
    """The operation a finding names in words ("for 'get' operation in '/pets'"), as a location."""
    found = _OPERATION_NAMED.search(message)
    return ("paths", found.group(2), found.group(1)) if found else ()


def check_operations(spec: Spec, ops: list[Operation]) -> list[str]:
    """What cravat needs of each operation beyond the schema: path parameters that match the template."""
    findings = []
    for op in ops:
        in_template = _TEMPLATE_PARAM.findall(op.path)
        declared = [p.name for p in op.parameters if p.location == "path"]
        for name in in_template:
            if name not in declared:
                findings.append(f"{op.where}: {location_of(op.location)}: path parameter {name!r} of the template "
                                f"{op.path} is not declared in its parameters")
        for param in op.parameters:
            if param.location == "path" and param.name not in in_template:
                findings.append(f"{spec.at(param.place)}: {location_of(op.location)}: parameter {param.name!r} is "
                                f"'in: path' but the template {op.path} has no {{{param.name}}}")
    return findings
