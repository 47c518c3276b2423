"""OpenAPI 3.1 documents generated from any cravat app, one per microversion.

Everything comes from what the kernel compiled (``api.route_table()`` and
each :class:`~cravat.Implementation`: its template, schemas, status, media
types, summary, tags, policy rule and version range), so whichever style
declared an operation (controller, responder, extension) it is documented
the same way, and what a later feature records appears without this
module knowing of it.

- A versioned API has one document per microversion: an operation appears
  in a version's document when one of its implementations covers it, with
  that implementation's schemas and status; each operation takes the
  version header, fixed to the document's version.
- Body-keyed actions (``POST /servers/{id}/action`` with ``{"os-start": null}``)
  are distinct operations, each with its own body schema, rule and version
  range, at the path ``/servers/{id}/action#os-start``: the fragment keeps
  the paths distinct in the document and is never sent by a client.
- Errors are documented in the API's fault style (Nova's, Barbican's or
  RFC 9457 problems).
- Examples come from API samples (:mod:`cravat.openapi.samples`).

>>> document = generate(api, version="2.5")
>>> sorted(document["paths"])[:2]
['/', '/ping']
"""

from __future__ import annotations

import copy
import threading
from typing import Any

from cravat.api import API, Implementation
from cravat.http.errors import BadRequest
from cravat.openapi.docs import DOCS_PREFIX
from cravat.openapi.samples import Sample, example, load_samples
from cravat.routing.template import Template, parse_template
from cravat.versions.microversion import APIVersion
from cravat.versions.negotiation import STANDARD_HEADER, enumerate_versions

OPENAPI_VERSION = "3.1.0"

FAULT_SCHEMAS: dict[str, tuple[str, dict[str, Any]]] = {
    "nova": ("application/json", {
        "type": "object", "minProperties": 1, "maxProperties": 1,
        "additionalProperties": {"type": "object", "required": ["code", "message"],
                                 "properties": {"code": {"type": "integer"}, "message": {"type": "string"}}},
        "description": "Nova's fault: one key naming the fault (itemNotFound, badRequest, ...).",
    }),
    "barbican": ("application/json", {
        "type": "object", "required": ["code", "title", "description"],
        "properties": {"code": {"type": "integer"}, "title": {"type": "string"}, "description": {"type": "string"}},
    }),
    "problem": ("application/problem+json", {
        "type": "object", "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"}, "title": {"type": "string"}, "status": {"type": "integer"},
            "detail": {"type": "string"}, "request_id": {"type": "string"},
            "errors": {"type": "array", "description": "Each violation of the request's schemas.", "items": {
                "type": "object", "properties": {"in": {"type": "string"}, "pointer": {"type": "string"},
                                                 "value": {}, "rule": {"type": "string"},
                                                 "detail": {"type": "string"}}}},
        },
        "description": "An RFC 9457 problem document.",
    }),
}


def generate(api: API, *, version: str | APIVersion | None = None, title: str | None = None,
             samples: str | list[Sample] | None = None, description: str | None = None) -> dict[str, Any]:
    """The OpenAPI 3.1 document of ``api``, for microversion ``version`` (default: the latest)."""
    api.compile()
    settings = api.options.microversions
    chosen = _version(api, version)
    if isinstance(samples, str):
        samples = load_samples(samples)
    fault_type, fault_schema = FAULT_SCHEMAS[api.options.error_style]
    paths: dict[str, dict[str, Any]] = {}
    for row in api.route_table():
        impl = row.operation
        if impl.name.startswith(DOCS_PREFIX) or impl.name == "OPTIONS":
            continue
        if api.options.project_id == "optional" and row.template != impl.template.text:
            continue  # the same operation under /{project_id}: documented once, without it
        if chosen is not None and impl.version_range is not None and not impl.version_range.contains(chosen):
            continue
        key, path_params = openapi_path(row.template)
        if row.action is not None:
            key += f"#{row.action}"
        operation = _operation(api, impl, row.action, path_params, chosen, settings, fault_type)
        _add_examples(operation, impl, samples or [], fault_type)
        paths.setdefault(key, {})[row.method.lower()] = operation
    info: dict[str, Any] = {"title": title or "cravat API", "version": str(chosen) if chosen else "1.0"}
    if description:
        info["description"] = description
    document: dict[str, Any] = {"openapi": OPENAPI_VERSION, "info": info, "paths": paths, "components": {
        "schemas": {"Fault": fault_schema},
        "responses": {"Fault": {"description": f"An error, in the API's {api.options.error_style} fault style.",
                                "content": {fault_type: {"schema": {"$ref": "#/components/schemas/Fault"}}}}},
    }}
    if chosen is not None and settings is not None:
        document["x-cravat-microversions"] = {"service_type": settings.service_type, "min": settings.min_version,
                                              "max": settings.max_version, "this": str(chosen)}
    return document


def generate_all(api: API, **kwargs: Any) -> dict[str, dict[str, Any]]:
    """One document per microversion of ``api`` (``{"2.1": {...}, ...}``); one (``{"": ...}``) when unversioned."""
    settings = api.options.microversions
    if settings is None:
        return {"": generate(api, **kwargs)}
    versions = enumerate_versions(APIVersion.parse(settings.min_version), APIVersion.parse(settings.max_version))
    if versions is None:
        raise ValueError(f"the versions {settings.min_version}-{settings.max_version} span major versions; "
                         "ask for each with version=")
    if isinstance(kwargs.get("samples"), str):
        kwargs["samples"] = load_samples(kwargs["samples"])
    return {str(v): generate(api, version=v, **kwargs) for v in versions}


def _version(api: API, version: str | APIVersion | None) -> APIVersion | None:
    settings = api.options.microversions
    if settings is None:
        if version is not None:
            raise ValueError(f"version {version} asked for, but the API has no microversions")
        return None
    low, high = APIVersion.parse(settings.min_version), APIVersion.parse(settings.max_version)
    if version is None:
        return high
    chosen = version if isinstance(version, APIVersion) else APIVersion.parse(str(version))
    if not low <= chosen <= high:
        raise ValueError(f"version {chosen} is outside the API's {low}-{high}")
    return chosen


def openapi_path(template_text: str) -> tuple[str, list[dict[str, Any]]]:
    """A cravat template as an OpenAPI path and its path parameters' objects.

    >>> openapi_path("/servers/{id:uuid}")
    ('/servers/{id}', [{'name': 'id', 'in': 'path', 'required': True, 'schema': {'type': 'string', 'format': 'uuid'}}])
    """
    template: Template = parse_template(template_text)
    parts, params = [], []
    for segment in template.segments:
        if segment.is_literal:
            parts.append(segment.text)
            continue
        parts.append(segment.format.format(*(f"{{{p}}}" for p in segment.params)) if segment.format
                     else f"{{{segment.params[0]}}}")
        for name, converter in zip(segment.params, segment.converters):
            if converter is not None and converter.name == "int":
                schema: dict[str, Any] = {"type": "integer", "minimum": 0, "maximum": 10 ** 18 - 1}
            elif converter is not None and converter.name == "uuid":
                schema = {"type": "string", "format": "uuid"}
            elif segment.whole and segment.pattern:
                schema = {"type": "string", "pattern": f"^(?:{segment.pattern})$"}
            else:
                schema = {"type": "string", "minLength": 1, "pattern": "^[^/]+$"}
            params.append({"name": name, "in": "path", "required": True, "schema": schema})
    return "/" + "/".join(parts), params


def _operation(api: API, impl: Implementation, action: str | None, path_params: list[dict[str, Any]],
               version: APIVersion | None, settings: Any, fault_type: str) -> dict[str, Any]:
    schemas = impl.schemas
    operation: dict[str, Any] = {"operationId": impl.name}
    summary = impl.summary or (f"The {action!r} action" if action else None)
    if summary:
        operation["summary"] = summary
    if impl.description:
        operation["description"] = impl.description
    literal = next((s.text for s in impl.template.segments if s.is_literal), None)
    tags = list(impl.tags) or ([literal] if literal else [])
    if tags:
        operation["tags"] = tags
    parameters = [dict(p) for p in path_params]
    query = schemas.get("query") or {}
    required = set(query.get("required") or ())
    for name, schema in (query.get("properties") or {}).items():
        param = {"name": name, "in": "query", "required": name in required, "schema": copy.deepcopy(schema)}
        if schema.get("type") == "array":
            param.update(style="form", explode=True)
        parameters.append(param)
    for argument in impl.binding.arguments:  # @cravat.bind(...): its label names the header as written
        key = argument.label.partition(" ")[2] if argument.kind == "header" else argument.key
        parameters.append({"name": key, "in": argument.kind, "required": argument.required,
                           "schema": {"type": "string"}})
    if version is not None and impl.negotiate_version:
        value = f"{settings.service_type} {version}"
        parameters.append({"name": STANDARD_HEADER, "in": "header", "required": True,
                           "description": "The microversion this document describes.",
                           "schema": {"type": "string", "enum": [value], "default": value}})
    if parameters:
        operation["parameters"] = parameters
    body_schema = schemas.get("body")
    if action is not None and body_schema is None:
        body_schema = {"type": "object", "properties": {action: {}}, "required": [action],
                       "additionalProperties": False}
    if body_schema is not None or impl.binding.takes_body:
        operation["requestBody"] = {
            "required": action is not None or impl.binding.body_required or body_schema is not None,
            "content": {media: {"schema": copy.deepcopy(body_schema or {})} for media in impl.accepts}}
    success: dict[str, Any] = {"description": "Success."}
    if impl.status not in (204, 304):
        response_schema = copy.deepcopy(schemas.get("response") or {})
        success["content"] = {media: {"schema": response_schema} for media in impl.produces}
    operation["responses"] = {str(impl.status): success, "default": {"$ref": "#/components/responses/Fault"}}
    extras: dict[str, Any] = {"x-cravat-handler": impl.source}
    if impl.rule:
        extras["x-cravat-policy-rule"] = impl.rule
    if impl.version_range is not None:
        extras["x-cravat-versions"] = str(impl.version_range)
    if action is not None:
        extras["x-cravat-action"] = action
    operation.update(extras)
    return operation


def _add_examples(operation: dict[str, Any], impl: Implementation, samples: list[Sample], fault_type: str) -> None:
    for sample in samples:
        for exchange in sample.exchanges:
            if exchange.operation != impl.name:
                continue
            if exchange.version is not None and impl.version_range is not None and \
                    not impl.version_range.contains(APIVersion.parse(exchange.version)):
                continue
            request_body = exchange.request.get("body")
            if request_body is not None and "requestBody" in operation:
                for content in operation["requestBody"]["content"].values():
                    content.setdefault("examples", {})[sample.name] = {"value": example(request_body)}
            status = str(exchange.response["status"])
            body = exchange.response.get("body")
            response = operation["responses"].get(status)
            if body is None or response is None or "content" not in response:
                continue
            for content in response["content"].values():
                content.setdefault("examples", {})[sample.name] = {"value": example(body)}
            break


class DocumentCache:
    """Documents of one API by version, generated on first request and kept (the API is frozen by then)."""

    def __init__(self, api: API, *, title: str | None = None, samples: str | None = None) -> None:
        self.api = api
        self.title = title
        self.samples = load_samples(samples) if samples else None
        self._documents: dict[str, dict[str, Any]] = {}
        self._lock = threading.Lock()

    def for_request(self, req: Any) -> dict[str, Any]:
        version = req.GET.get("version") or None
        key = version or ""
        with self._lock:
            document = self._documents.get(key)
            if document is None:
                try:
                    document = generate(self.api, version=version, title=self.title, samples=self.samples)
                except ValueError as exc:
                    raise BadRequest(f"No document for version {version!r}: {exc}.") from None
                self._documents[key] = document
        return document
