"""A spec's operations in one shape, whatever its version.

Swagger 2.0 and OpenAPI 3.x say the same things in different places (2.0's
``in: body`` and ``formData`` parameters are 3.x's ``requestBody``;
``collectionFormat`` is ``style`` and ``explode``; ``consumes`` and
``produces`` are content maps). :func:`operations` reads either into
:class:`Operation` records, schemas already converted and self-contained,
so nothing later needs to know which version it was.

>>> [(op.method, op.path, op.operation_id) for op in operations(spec, bundler)]
[('GET', '/plans', 'examples.qtip.controllers.plan.list_plans'), ...]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from cravat.openapi.refs import Bundler
from cravat.openapi.spec import Location, Spec

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
NO_DEFAULT: Any = type("NoDefault", (), {"__repr__": lambda self: "NO_DEFAULT"})()

# 2.0's collectionFormat as 3.x's (style, explode).
_COLLECTION_FORMATS = {"csv": ("form", False), "ssv": ("spaceDelimited", False), "tsv": ("tabDelimited", False),
                       "pipes": ("pipeDelimited", False), "multi": ("form", True)}
_DEFAULT_STYLES = {"query": "form", "cookie": "form", "path": "simple", "header": "simple"}
# The keys of a 2.0 non-body parameter that are its schema.
_SCHEMA_KEYS = ("type", "format", "items", "enum", "default", "minimum", "maximum", "exclusiveMinimum",
                "exclusiveMaximum", "minLength", "maxLength", "pattern", "minItems", "maxItems", "uniqueItems",
                "multipleOf", "x-nullable")


@dataclass(frozen=True)
class Parameter:
    """A path, query, header, cookie or (2.0) form parameter."""

    name: str
    location: str               # "path", "query", "header", "cookie", "formData"
    required: bool
    schema: dict[str, Any]      # converted, self-contained
    style: str
    explode: bool
    default: Any = NO_DEFAULT
    content_json: bool = False  # 3.x ``content: {application/json: ...}``: the value is JSON text
    place: Location = ()        # where the spec declares it (``spec.at(place)`` for messages)

    @property
    def type(self) -> Any:
        return self.schema.get("type")


@dataclass(frozen=True)
class Body:
    """A request body: a schema per media type, the handler argument it binds to, and whether it is required."""

    media_types: dict[str, dict[str, Any]]   # media type -> converted schema
    required: bool
    name: str = "body"                       # x-body-name
    form_fields: tuple[str, ...] = ()        # 2.0 formData: each field binds to an argument of its own

    @property
    def is_form(self) -> bool:
        return any(m in FORM_TYPES for m in self.media_types)


@dataclass(frozen=True)
class Response:
    status: str                               # "200", "2XX", "default"
    description: str
    media_types: dict[str, dict[str, Any] | None]  # media type -> converted schema (None: any)


@dataclass(frozen=True)
class Operation:
    method: str                      # "GET"
    path: str                        # "/pets/{petId}", as the spec writes it
    operation_id: str | None
    controller: str | None           # x-openapi-router-controller (or x-swagger-router-controller)
    parameters: tuple[Parameter, ...]
    body: Body | None
    responses: tuple[Response, ...]
    produces: tuple[str, ...]
    summary: str | None
    description: str | None
    tags: tuple[str, ...]
    location: Location               # ("paths", "/pets/{petId}", "get")
    where: str                       # "petstore.yaml:41:7"
    deprecated: bool = False
    extensions: dict[str, Any] = field(default_factory=dict)  # the operation's x-* members


def operations(spec: Spec, bundler: Bundler) -> list[Operation]:
    """Every operation of ``spec`` in the order the spec lists them."""
    data = spec.data
    found = []
    for path, item in (data.get("paths") or {}).items():
        if not isinstance(item, dict):
            continue
        item, item_base = bundler.resolve(item)
        for method in METHODS:
            op = item.get(method)
            if isinstance(op, dict):
                found.append(_operation(spec, bundler, path, method, item, op, item_base))
    return found


def _operation(spec: Spec, bundler: Bundler, path: str, method: str, item: dict[str, Any], op: dict[str, Any],
               base: str) -> Operation:
    location = ("paths", path, method)
    declared: dict[tuple[str, str], tuple[dict[str, Any], str, Location]] = {}
    for source, params in ((("paths", path), item.get("parameters")), (location, op.get("parameters"))):
        for index, raw in enumerate(params or ()):
            param, param_base = bundler.resolve(raw, base)
            if isinstance(param, dict) and "name" in param and "in" in param:
                declared[(param["in"], param["name"])] = (param, param_base, (*source, "parameters", index))
    v2 = spec.version == "2.0"
    parameters: list[Parameter] = []
    body: Body | None = None
    form: list[tuple[dict[str, Any], str]] = []
    for (where_in, _), (param, param_base, param_location) in declared.items():
        if v2 and where_in == "body":
            media = _media(op, data=spec.data, key="consumes") or ["application/json"]
            schema = bundler.schema(param.get("schema") or {}, param_base)
            body = Body({m: schema for m in media}, bool(param.get("required")), param.get("x-body-name", "body"))
        elif v2 and where_in == "formData":
            form.append((param, param_base))
        else:
            parameters.append(_parameter(spec, bundler, param, param_base, param_location))
    if form:
        body = _form_body(spec, bundler, op, form)
    if not v2 and op.get("requestBody") is not None:
        body = _request_body(bundler, op["requestBody"], base)
    responses = _responses(spec, bundler, op, base)
    produces = _produces(spec, op, responses)
    controller = op.get("x-openapi-router-controller") or item.get("x-openapi-router-controller") or \
        op.get("x-swagger-router-controller") or item.get("x-swagger-router-controller")
    return Operation(
        method=method.upper(), path=path, operation_id=op.get("operationId"), controller=controller,
        parameters=tuple(parameters), body=body, responses=responses, produces=produces,
        summary=op.get("summary"), description=op.get("description"), tags=tuple(op.get("tags") or ()),
        location=location, where=spec.at(location), deprecated=bool(op.get("deprecated")),
        extensions={k: v for k, v in op.items() if k.startswith("x-")})


def _parameter(spec: Spec, bundler: Bundler, param: dict[str, Any], base: str, location: Location) -> Parameter:
    where_in = param["in"]
    content_json = False
    if spec.version == "2.0":
        raw = {k: param[k] for k in _SCHEMA_KEYS if k in param}
        style, explode = _COLLECTION_FORMATS.get(param.get("collectionFormat", "csv"), ("form", False))
        if where_in in ("path", "header"):
            style = "simple"
        if raw.get("type") == "array" and isinstance(raw.get("items"), dict) and "collectionFormat" in raw["items"]:
            raw["items"] = {k: v for k, v in raw["items"].items() if k != "collectionFormat"}
    else:
        raw = param.get("schema")
        if raw is None and isinstance(param.get("content"), dict) and param["content"]:
            media, content = next(iter(param["content"].items()))
            raw = (content or {}).get("schema") or {}
            content_json = media == "application/json" or media.endswith("+json")
        raw = raw or {}
        style = param.get("style", _DEFAULT_STYLES.get(where_in, "form"))
        explode = param.get("explode", style == "form")
    schema = bundler.schema(raw, base)
    default = schema.get("default", NO_DEFAULT) if isinstance(schema, dict) else NO_DEFAULT
    return Parameter(name=param["name"], location=where_in, required=bool(param.get("required")) or where_in == "path",
                     schema=schema, style=style, explode=bool(explode), default=default, content_json=content_json,
                     place=location)


def _form_body(spec: Spec, bundler: Bundler, op: dict[str, Any], form: list[tuple[dict[str, Any], str]]) -> Body:
    properties, required = {}, []
    for param, base in form:
        raw = {k: param[k] for k in _SCHEMA_KEYS if k in param}
        properties[param["name"]] = bundler.schema(raw, base)
        if param.get("required"):
            required.append(param["name"])
    schema: dict[str, Any] = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    media = [m for m in _media(op, data=spec.data, key="consumes") if m in FORM_TYPES] or [FORM_TYPES[0]]
    return Body({m: schema for m in media}, bool(required), form_fields=tuple(properties))


def _request_body(bundler: Bundler, raw: Any, base: str) -> Body:
    body, body_base = bundler.resolve(raw, base)
    content = body.get("content") or {}
    media = {m: bundler.schema((c or {}).get("schema") or {}, body_base) for m, c in content.items()}
    return Body(media or {"application/json": {}}, bool(body.get("required")), body.get("x-body-name", "body"))


def _responses(spec: Spec, bundler: Bundler, op: dict[str, Any], base: str) -> tuple[Response, ...]:
    out = []
    for status, raw in (op.get("responses") or {}).items():
        response, response_base = bundler.resolve(raw, base)
        if not isinstance(response, dict):
            continue
        if spec.version == "2.0":
            schema = response.get("schema")
            media = _media(op, data=spec.data, key="produces") or ["application/json"]
            converted = bundler.schema(schema, response_base) if schema is not None else None
            types: dict[str, dict[str, Any] | None] = {m: converted for m in media} if schema is not None else {}
        else:
            types = {m: bundler.schema(c["schema"], response_base) if isinstance(c, dict) and "schema" in c
                     else None for m, c in (response.get("content") or {}).items()}
        out.append(Response(str(status), response.get("description", ""), types))
    return tuple(out)


def _produces(spec: Spec, op: dict[str, Any], responses: tuple[Response, ...]) -> tuple[str, ...]:
    if spec.version == "2.0":
        media = _media(op, data=spec.data, key="produces")
    else:
        media = list(dict.fromkeys(m for r in responses if r.status.startswith("2") or r.status == "default"
                                   for m in r.media_types))
    media = [m.lower() for m in media if "*" not in m] or ["application/json"]
    # JSON first: a handler's data answers in it when the client does not say.
    media.sort(key=lambda m: 0 if m == "application/json" or m.endswith("+json") else 1)
    return tuple(media)


def _media(op: dict[str, Any], *, data: dict[str, Any], key: str) -> list[str]:
    value = op.get(key, data.get(key))
    return [str(m).lower() for m in value] if isinstance(value, list) else []


def response_for(responses: tuple[Response, ...], status: int) -> Response | None:
    """The response a status falls under: its own, its range (``2XX``), else ``default``."""
    text = str(status)
    by_status = {r.status.upper(): r for r in responses}
    return by_status.get(text) or by_status.get(text[0] + "XX") or by_status.get("DEFAULT")
