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

import re

import referencing.exceptions
from jsonschema_path import SchemaPath
from openapi_spec_validator import OpenAPIV2SpecValidator, OpenAPIV30SpecValidator, OpenAPIV31SpecValidator

from cravat.openapi.operations import Operation
from cravat.openapi.refs import check_refs, location_of
from cravat.openapi.spec import Spec, SpecError

_VALIDATORS = {"2.0": OpenAPIV2SpecValidator, "3.0": OpenAPIV30SpecValidator, "3.1": OpenAPIV31SpecValidator}
_TEMPLATE_PARAM = re.compile(r"{([^{}]+)}")
#: At most this many of openapi-spec-validator's findings are listed.
MAX_FINDINGS = 50


def check_spec(spec: Spec) -> None:
    """Raise ``SpecError`` listing every finding, or return for a spec that can be served."""
    findings = check_refs(spec)
    if findings:
        raise SpecError(spec.path, findings)  # the validator cannot walk a document with dangling refs
    findings = validator_findings(spec)
    if findings:
        raise SpecError(spec.path, findings)


def validator_findings(spec: Spec) -> list[str]:
    validator = _VALIDATORS[spec.version](SchemaPath.from_dict(spec.data, base_uri=spec.uri))
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
                findings.append(f"{param.where}: {location_of(op.location)}: parameter {param.name!r} is 'in: path' "
                                f"but the template {op.path} has no {{{param.name}}}")
    return findings
