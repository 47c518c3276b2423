"""One spec operation compiled: read and check its request, bind its arguments, check its answer.

At load, each operation becomes a :class:`CompiledOperation`: a reader
per parameter (its style and types), one validator per request part
(path, query, header, cookie, and the body per media type) from the API's
:class:`~cravat.validation.SchemaCompiler`, and the handler argument
each value binds to, by Connexion's names. Per request it reads every
part, gathers every violation of every part into one 400, fills the
spec's defaults, and returns the handler's keyword arguments.

The handler the kernel calls is :func:`adapter`'s: it reads the request
with the compiled operation, then calls the user's function with the
keyword arguments (the kernel read the body already, within its size and
media type limits). :class:`CheckSpecResponse` (a step, order 75) checks
answers against the spec's response schemas when asked to.

>>> compiled = CompiledOperation(op, function, config, api.schema_compiler)
>>> compiled.arguments(req, body)      # {'pet_id': 42, 'limit': 20, 'body': {...}}
"""

from __future__ import annotations

import asyncio
import copy
import functools
import inspect
import io
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import webob
from webob.request import BaseRequest

from cravat.api import Step
from cravat.api.steps import query_of
from cravat.http.bodies import NO_BODY
from cravat.http.errors import HTTPError, InternalServerError
from cravat.http.response import Result
from cravat.openapi.operations import FORM_TYPES, NO_DEFAULT, Operation, Parameter, response_for
from cravat.openapi.parameters import ABSENT, Reader, converter, is_array
from cravat.openapi.resolver import pythonic, sanitized
from cravat.validation import SchemaCompiler
from cravat.validation.explain import Violation, message_of
from cravat.validation.validators import rejection

LOG = logging.getLogger(__name__)

_TRIVIAL_KEYS = frozenset(("type", "description", "title", "example", "examples", "deprecated", "readOnly",
                           "writeOnly", "format"))
_LOCATIONS = ("path", "query", "header", "cookie")
_PARTS = {"path": "path", "query": "query", "header": "header", "cookie": "cookie"}


class LoadError(ValueError):
    """An operation that cannot be served as declared; the message names the spec's file and line."""


@dataclass(frozen=True)
class APIConfig:
    """What ``add_api`` was told for one spec."""

    base_path: str = ""
    strict_validation: bool = False
    validate_responses: bool = False
    pythonic_params: bool = False
    stub: bool = False


@dataclass(frozen=True, slots=True)
class _Bound:
    """One parameter: how to read it, and the argument it binds to (None: read and checked, not passed)."""

    param: Parameter
    reader: Reader
    argument: str | None
    key: str        # the path parameter's router name, or the header's environ key


def _signature(function: Any) -> tuple[dict[str, bool], bool]:
    """``({argument: has a default}, takes **kwargs)`` of the function as written (decorators unwrapped)."""
    target = inspect.unwrap(function)
    try:
        params = inspect.signature(target).parameters.values()
    except (TypeError, ValueError):
        return {}, True
    named = {p.name: p.default is not inspect.Parameter.empty for p in params
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return named, any(p.kind is p.VAR_KEYWORD for p in params)


class CompiledOperation:
    """Everything a request to one spec operation needs, built once."""

    def __init__(self, op: Operation, function: Any, config: APIConfig, compiler: SchemaCompiler,
                 path_keys: dict[str, str], source: str) -> None:
        self.op = op
        self.config = config
        self.source = source
        named, takes_all = _signature(function) if function is not None else ({}, True)
        name_of = pythonic if config.pythonic_params else sanitized
        where = f"{op.where}: {op.method} {op.path} ({source})"
        self._where = where
        provided: set[str] = set()

        def argument(param_name: str, always: bool = False) -> str | None:
            arg = name_of(param_name)
            if arg in named or takes_all:
                provided.add(arg)
                return arg
            if always:
                raise LoadError(f"{where}: the handler does not take path parameter {param_name!r} "
                                f"(as argument {arg!r}); it takes {', '.join(named) or 'nothing'}")
            return None

        self.bound: dict[str, tuple[_Bound, ...]] = {}
        for location in _LOCATIONS:
            params = [p for p in op.parameters if p.location == location]
            self.bound[location] = tuple(
                _Bound(p, Reader(p), argument(p.name, always=location == "path"),
                       path_keys.get(p.name, p.name) if location == "path" else _header_key(p.name))
                for p in params)
        self.validators = {loc: _part_validator(compiler, [b.param for b in bound], where, _PARTS[loc])
                           for loc, bound in self.bound.items() if bound}
        self.query_names = _query_names(self.bound["query"]) if config.strict_validation else None
        body = op.body
        self.body_argument: str | None = None
        self.form_arguments: dict[str, str] = {}
        self.body_validators: dict[str, Callable[[Any], list[Violation]]] = {}
        self.body_defaults: dict[str, dict[str, Any]] = {}
        self.form_converters: dict[str, dict[str, tuple[Callable[[str], Any], bool]]] = {}
        if body is not None:
            if body.form_fields:  # Swagger 2.0 formData: one argument per field
                for name in body.form_fields:
                    arg = argument(name)
                    if arg is not None:
                        self.form_arguments[name] = arg
            else:
                self.body_argument = argument(body.name)
            for media, schema in body.media_types.items():
                # A JSON Schema checks decoded JSON or a form's fields; other media (XML, text) arrive as bytes.
                if not (media in FORM_TYPES or media.endswith("json") or media == "*/*"):
                    continue
                if not _trivial(schema):
                    self.body_validators[media] = compiler.explainer(schema, where, "form" if media in FORM_TYPES
                                                                     else "body")
                if _has_default(schema):
                    self.body_defaults[media] = schema
                if media in FORM_TYPES:
                    self.form_converters[media] = {
                        k: (converter(v.get("items") or {}) if is_array(v) else converter(v), is_array(v))
                        for k, v in (schema.get("properties") or {}).items() if isinstance(v, dict)}
        self.form_names = {n for c in self.form_converters.values() for n in c} \
            if config.strict_validation else None
        missing = [n for n, has_default in named.items() if not has_default and n not in provided]
        if missing and function is not None:
            offered = sorted({name_of(p.name) for p in op.parameters} | ({name_of(body.name)} if body else set()))
            raise LoadError(f"{where}: the handler requires {', '.join(map(repr, missing))}, which the spec does "
                            f"not declare (it declares {', '.join(offered) or 'no parameters'})")
        self.response_checkers = self._response_checkers(compiler) if config.validate_responses else {}
        self.status = next((int(r.status) for r in op.responses if r.status.isdigit() and r.status[0] == "2"), 200)

    # --- per request -----------------------------------------------------------------------

    def single_path_parameter(self) -> tuple[str, str] | None:
        """``(argument, router key)`` when the operation's one input is a plain path parameter, else None."""
        read = self.reader()
        if read is None or read == self.arguments:
            return None
        pairs = [(b.argument, b.key) for b in self.bound["path"] if b.argument is not None]
        return pairs[0] if len(pairs) == 1 else None  # type: ignore[return-value]

    def reader(self) -> Callable[[Any, Any], dict[str, Any]] | None:
        """``read(req, body) -> arguments``, specialised to what this operation has; None when it has nothing."""
        bound = self.bound
        if self.op.body is None and self.query_names is None and not any(bound.values()):
            return None
        plain = self.op.body is None and self.query_names is None and not any(bound[k] for k in _LOCATIONS[1:]) \
            and self.validators.get("path") is None and all(_trivial(b.param.schema) for b in bound["path"])
        if not plain:
            return self.arguments
        pairs = tuple((b.argument, b.key) for b in bound["path"] if b.argument is not None)
        if len(pairs) == 1:
            ((argument, key),) = pairs
            return lambda req, body: {argument: req.path_params[key]}
        return lambda req, body: {argument: req.path_params[key] for argument, key in pairs}

    def arguments(self, req: Any, body: Any) -> dict[str, Any]:
        """The handler's keyword arguments for ``req``, or an ``InvalidInput`` listing every violation."""
        kwargs: dict[str, Any] = {}
        violations: list[Violation] = []
        environ = req.environ
        bound = self.bound
        if bound["path"]:
            params = req.path_params
            values = {}
            for b in bound["path"]:
                value = b.reader.read_text(params.get(b.key))
                values[b.param.name] = value
                if b.argument is not None:
                    kwargs[b.argument] = value
            self._check("path", values, violations)
        if bound["query"] or self.query_names is not None:
            query = query_of(req)
            values = self._read(bound["query"], lambda b: b.reader.read_query(query), kwargs)
            self._check("query", values, violations)
            if self.query_names is not None:
                violations.extend(_unknown("query", [k for k in query if k not in self.query_names]))
        if bound["header"]:
            values = self._read(bound["header"], lambda b: b.reader.read_text(environ.get(b.key)), kwargs)
            self._check("header", values, violations)
        if bound["cookie"]:
            cookies = req.cookies
            values = self._read(bound["cookie"], lambda b: b.reader.read_text(cookies.get(b.param.name)), kwargs)
            self._check("cookie", values, violations)
        if self.op.body is not None:
            self._body(environ, body, kwargs, violations)
        if violations:
            raise rejection(message_of(violations), violations)
        return kwargs

    def _read(self, bound: tuple[_Bound, ...], read: Callable[[_Bound], Any], kwargs: dict[str, Any]) \
            -> dict[str, Any]:
        values = {}
        for b in bound:
            value = read(b)
            if value is ABSENT:
                if b.param.default is NO_DEFAULT:
                    continue
                value = copy.deepcopy(b.param.default)
            values[b.param.name] = value
            if b.argument is not None:
                kwargs[b.argument] = value
        return values

    def _check(self, location: str, values: dict[str, Any], violations: list[Violation]) -> None:
        validate = self.validators.get(location)
        if validate is not None:
            violations.extend(validate(values))

    def _body(self, environ: dict[str, Any], body: Any, kwargs: dict[str, Any], violations: list[Violation]) -> None:
        content_type = environ.get("CONTENT_TYPE")
        media_types = self.op.body.media_types  # type: ignore[union-attr]
        media = content_type.partition(";")[0].strip().lower() if content_type else next(iter(media_types))
        media = _matching(media, media_types)
        if media in FORM_TYPES:
            body = self._form(environ, body, media, violations)
        if body is NO_BODY:
            return
        validate = self.body_validators.get(media)
        if validate is not None:
            checked = {k: _placeholder(v) for k, v in body.items()} if media in FORM_TYPES and \
                isinstance(body, dict) else body
            violations.extend(validate(checked))
        defaults = self.body_defaults.get(media)
        if defaults is not None:
            body = _with_defaults(defaults, body)
        if self.form_arguments and isinstance(body, dict):
            for name, arg in self.form_arguments.items():
                if name in body:
                    kwargs[arg] = body[name]
        elif self.body_argument is not None:
            kwargs[self.body_argument] = body

    def _form(self, environ: dict[str, Any], raw: Any, media: str, violations: list[Violation]) -> Any:
        if raw is NO_BODY:
            return NO_BODY
        fields = BaseRequest({"REQUEST_METHOD": "POST", "wsgi.input": io.BytesIO(raw), "CONTENT_LENGTH": str(len(raw)),
                              "CONTENT_TYPE": environ.get("CONTENT_TYPE", media)}).POST
        converters = self.form_converters.get(media, {})
        form: dict[str, Any] = {}
        for name in fields:
            if not isinstance(name, str):  # a multipart part without a name: nothing can bind to it
                violations.append(Violation("form", "", None, "name", "Invalid input: a form part has no name."))
                continue
            convert, many = converters.get(name, (None, False))
            values = fields.getall(name)
            if convert is None:
                form[name] = values[-1]
            else:
                items = [v if not isinstance(v, str) else convert(v) for v in values]
                form[name] = items if many else items[-1]
        if self.form_names is not None:
            violations.extend(_unknown("form", [k for k in form if k not in self.form_names]))
        return form

    # --- responses -----------------------------------------------------------------------------

    def _response_checkers(self, compiler: SchemaCompiler) -> dict[tuple[str, str], Callable[[Any], list[Violation]]]:
        checkers = {}
        for response in self.op.responses:
            for media, schema in response.media_types.items():
                if schema is not None and not _trivial(schema):
                    checkers[(response.status, media)] = compiler.explainer(schema, self._where, "response")
        return checkers

    def check_response(self, status: int, media: str, data: Any) -> str | None:
        """What is wrong with answering ``data`` with ``status`` in ``media``, by the spec; None when nothing."""
        response = response_for(self.op.responses, status)
        if response is None:
            documented = ", ".join(r.status for r in self.op.responses)
            return f"status {status} is not among the spec's responses ({documented})"
        if not response.media_types:
            return None if data is None else None  # the spec says nothing of a body
        checker = self.response_checkers.get((response.status, media))
        if checker is None:
            return None
        violations = checker(data)
        return message_of(violations) if violations else None


def _header_key(name: str) -> str:
    key = "HTTP_" + name.upper().replace("-", "_")
    return key[5:] if key in ("HTTP_CONTENT_TYPE", "HTTP_CONTENT_LENGTH") else key


def _query_names(bound: tuple[_Bound, ...]) -> frozenset[str] | _Prefixes:
    names, prefixes = set(), []
    for b in bound:
        if b.param.style == "deepObject":
            prefixes.append(b.param.name + "[")
        elif b.reader.object and b.param.explode:
            names.update(b.reader.properties)
        else:
            names.add(b.param.name)
    return _Prefixes(frozenset(names), tuple(prefixes)) if prefixes else frozenset(names)


class _Prefixes:
    """Known query names, and the prefixes of deepObject parameters (``filter[``)."""

    def __init__(self, names: frozenset[str], prefixes: tuple[str, ...]) -> None:
        self.names = names
        self.prefixes = prefixes

    def __contains__(self, key: object) -> bool:
        return key in self.names or (isinstance(key, str) and key.startswith(self.prefixes))


def _unknown(part: str, names: list[str]) -> list[Violation]:
    noun = "query parameter" if part == "query" else "form field"
    return [Violation(part, "/" + n, None, "additionalProperties",
                      f"Invalid input: the {noun} {n!r} is not in the spec (strict validation).")
            for n in dict.fromkeys(names)]


def _part_validator(compiler: SchemaCompiler, params: list[Parameter], where: str, part: str) \
        -> Callable[[Any], list[Violation]] | None:
    """One validator for all parameters in one place, or None when none of them constrains anything."""
    # The router only matches a path that has every path parameter: that they are required holds already.
    required = [p.name for p in params if p.required and p.location != "path"]
    if not required and all(_trivial(p.schema) for p in params):
        return None
    properties, defs = {}, {}
    for p in params:
        schema = dict(p.schema)
        defs.update(schema.pop("$defs", {}))
        properties[p.name] = schema
    schema = {"type": "object", "properties": properties}
    if required:
        schema["required"] = required
    if defs:
        schema["$defs"] = defs
    return compiler.explainer(schema, where, part)


def _trivial(schema: dict[str, Any]) -> bool:
    """A schema every value of its part passes: no constraint but a string type (what any text is)."""
    return set(schema) <= _TRIVIAL_KEYS and schema.get("type") in (None, "string") and \
        schema.get("format") in (None, "password")


def _matching(media: str, offered: dict[str, Any]) -> str:
    if media in offered:
        return media
    major = media.partition("/")[0]
    for candidate in (f"{major}/*", "*/*"):
        if candidate in offered:
            return candidate
    return media


def _placeholder(value: Any) -> Any:
    """An uploaded file, as validation sees it: its name (a string, as ``format: binary`` wants)."""
    if isinstance(value, list):
        return [_placeholder(v) for v in value]
    return value if not hasattr(value, "filename") or isinstance(value, str) else (value.filename or "")


def _has_default(schema: Any) -> bool:
    """Whether a ``default`` appears anywhere in ``schema`` (when not, no request needs its walk)."""
    if isinstance(schema, dict):
        return "default" in schema or any(_has_default(v) for k, v in schema.items()
                                          if k not in ("enum", "const", "example", "examples"))
    if isinstance(schema, list):
        return any(_has_default(v) for v in schema)
    return False


def _with_defaults(schema: dict[str, Any], value: Any, depth: int = 0, root: dict[str, Any] | None = None) -> Any:
    """``value`` with the defaults its object schemas give for missing properties, at any depth."""
    root = root or schema
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/") and depth < 16:
        schema = (root.get("$defs") or {}).get(ref[8:], {})
    if not isinstance(value, dict) or depth > 16:
        return value
    properties = schema.get("properties")
    if not isinstance(properties, dict):
        return value
    out = None
    for name, sub in properties.items():
        if not isinstance(sub, dict):
            continue
        if name not in value and "default" in sub:
            out = out if out is not None else dict(value)
            out[name] = copy.deepcopy(sub["default"])
        elif isinstance(value.get(name), dict):
            filled = _with_defaults(sub, value[name], depth + 1, root)
            if filled is not value[name]:
                out = out if out is not None else dict(value)
                out[name] = filled
    return out if out is not None else value


# --- the steps -----------------------------------------------------------------------------------


class CheckSpecResponse(Step):
    """Check each answer against the spec's response for its status: a 500 when it breaks it (logged)."""

    order, name = 75, "check the spec's response"

    def __init__(self, compiled: CompiledOperation) -> None:
        self.compiled = compiled

    def wrap(self, inner: Any) -> Any:
        check, where = self.compiled.check_response, self.compiled._where  # noqa: SLF001

        def run(req: Any, arguments: dict[str, Any]) -> Any:
            result = inner(req, arguments)
            status, data = (result.status, result.body) if type(result) is Result else (None, result)
            if isinstance(data, webob.Response):
                return result
            problem = check(status or req.operation.status, req.media_type or "application/json", data)
            if problem is not None:
                LOG.error("Response of %s breaks the spec: %s", where, problem)
                raise InternalServerError(f"The response of {req.operation.name} does not conform to the spec; "
                                          "the server log has the details.")
            return result

        return run


# --- the handler: the user's function, adapted ---------------------------------------------------


def adapter(function: Any, compiled: CompiledOperation) -> Callable[..., Any]:
    """``handler(req, **kernel_arguments)``: read ``req`` by the spec, call ``function(**arguments)``.

    A tuple answer becomes a ``Result``: a handler may return a body,
    ``(body, status)``, ``(body, status, headers)``, a :class:`cravat.Result`,
    or a WebOb response; an ``async def`` handler runs to completion.

    PERF: reading the request here, not in a step of its own, spares a call
    per request, and an operation whose only inputs are plain path
    parameters reads them with one dict built from the route's values:
    spec-first costs what a controller costs (bench/openapi.py).
    """
    if inspect.iscoroutinefunction(inspect.unwrap(function)) or inspect.iscoroutinefunction(function):
        sync = function

        def function(**arguments: Any) -> Any:  # noqa: F811 - the coroutine, run for this request
            return asyncio.run(sync(**arguments))

    read = compiled.reader()
    status = compiled.status

    def answer(result: Any) -> Any:
        if type(result) is not tuple:
            return _connexion_answer(result)
        if len(result) == 2 and result[1] == status and not _no_content(result[0]):
            return result[0]  # PERF: the declared status: the plain answer, encoded on the kernel's fast path
        return _from_tuple(result)

    # PERF: each shape its own function, the tuple check inline: the common answer costs no extra call.
    single = compiled.single_path_parameter()
    if read is None:
        def handler(req: Any) -> Any:
            result = function()
            return result if type(result) in _PLAIN else answer(result)
    elif single is not None:
        argument, key = single

        def handler(req: Any) -> Any:
            result = function(**{argument: req.path_params[key]})
            return result if type(result) in _PLAIN else answer(result)
    else:
        def handler(req: Any, body: Any = NO_BODY) -> Any:
            result = function(**read(req, body))
            return result if type(result) in _PLAIN else answer(result)

    return functools.update_wrapper(handler, function)


#: Answers handed to the kernel as they are (the common case: no further look at them).
_PLAIN = frozenset((dict, list, str, bytes, type(None), Result))


def _no_content(value: Any) -> bool:
    """Whether ``value`` is Connexion's ``NoContent`` (a handler module written for Connexion imported it)."""
    connexion = sys.modules.get("connexion")
    return connexion is not None and value is getattr(connexion, "NoContent", None)


def _connexion_answer(result: Any) -> Any:
    """Connexion's answers as cravat's: ``NoContent`` is no body; a ``ConnexionResponse`` (from
    ``connexion.problem(...)``, say) keeps its status, headers, media type and body."""
    if _no_content(result):
        return None
    lifecycle = sys.modules.get("connexion.lifecycle")
    response = getattr(lifecycle, "ConnexionResponse", None) if lifecycle is not None else None
    if response is not None and isinstance(result, response):
        return Result(result.body, status=result.status_code, headers=dict(result.headers or {}) or None,
                      content_type=result.content_type)
    return result


def _from_tuple(result: tuple[Any, ...]) -> Result:
    if not 1 <= len(result) <= 3:
        raise InternalServerError(f"A handler returned a tuple of {len(result)}; return body, (body, status) "
                                  "or (body, status, headers).")
    body = None if _no_content(result[0]) else _connexion_answer(result[0])
    status = result[1] if len(result) > 1 else None
    headers = dict(result[2]) if len(result) > 2 and result[2] else None
    if status is not None and (not isinstance(status, int) or isinstance(status, bool)):
        try:
            status = int(status)
        except (TypeError, ValueError):
            raise InternalServerError(f"A handler returned the status {status!r}, which is not a number.") from None
    if isinstance(body, Result):
        return Result(body.body, status=status or body.status, headers={**(body.headers or {}), **(headers or {})},
                      content_type=body.content_type)
    return Result(body, status=status, headers=headers)


def not_implemented(operation_id: str, why: str) -> Callable[..., Any]:
    """The handler of an operation whose function did not resolve, under ``--stub``: 501."""
    def stub(**arguments: Any) -> Any:
        raise HTTPError(f"The operation {operation_id!r} is not implemented: {why}", status=501)

    return stub
