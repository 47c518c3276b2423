"""Spec-first APIs: Connexion's ``App`` and ``add_api``, run by cravat's one dispatcher.

>>> app = App(__name__, specification_dir="specs")
>>> app.add_api("swagger.yaml", base_path="/v1.0", strict_validation=True)
>>> app.add_api("new_api.yaml", base_path="/api2")
>>> application = app            # a WSGI application, for any server or a paste pipeline

Each ``add_api`` loads a spec (:mod:`cravat.openapi.spec`), checks it
(:mod:`cravat.openapi.checks`), resolves each operationId to a function
(:mod:`cravat.openapi.resolver`), compiles each operation's reading and
checking (:mod:`cravat.openapi.binding`) and hands the kernel one
declaration per operation through ``api.add_declarations``. Every problem
of a spec is reported at once, naming the file, line and column; nothing
of a spec that fails is declared.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from types import MappingProxyType
from typing import Any

from cravat.api import API, APIOptions, DeclarationError, OperationDecl, Plan, Signature, Where
from cravat.api.app import collector_paused
from cravat.api.declare import Declaration
from cravat.http.errors import HTTPError
from cravat.openapi.binding import (
    APIConfig,
    CheckSpecResponse,
    CompiledOperation,
    LoadError,
    adapter,
    not_implemented,
)
from cravat.openapi.checks import check_operations, check_spec
from cravat.openapi.docs import mount_docs
from cravat.openapi.operations import Operation, operations
from cravat.openapi.refs import Bundler, served_document
from cravat.openapi.resolver import Resolver, ResolverError
from cravat.openapi.schemas import OPENAPI_FORMATS, to_json_schema
from cravat.openapi.spec import Spec, SpecError, load_spec
from cravat.routing.template import TemplateError, parse_template


class App:
    """One WSGI application serving any number of specs, each on its base path.

    ``settings`` are :class:`cravat.APIOptions` fields (``error_style``
    defaults to ``"problem"``, RFC 9457, as Connexion answers); the API
    that serves everything is ``app.api``.
    """

    def __init__(self, import_name: str | None = None, *, specification_dir: str | os.PathLike[str] = "",
                 **settings: Any) -> None:
        settings.setdefault("error_style", "problem")
        settings.setdefault("strict_validation", False)  # a spec's own schemas say what they allow
        settings["formats"] = {**OPENAPI_FORMATS, **(settings.get("formats") or {})}
        self.import_name = import_name
        self.specification_dir = os.fspath(specification_dir)
        self.api = API(APIOptions(**settings))
        self.specs: dict[str, Spec] = {}   # base path -> spec
        self._compiled: dict[OperationDecl, CompiledOperation] = {}
        self._checks_responses: set[OperationDecl] = set()
        self._names: set[str] = set()
        self.api.add_step(self._response_step)

    def add_api(self, specification: str | os.PathLike[str], *, base_path: str | None = None,
                strict_validation: bool = False, validate_responses: bool = False,
                arguments: dict[str, Any] | None = None, resolver: Resolver | None = None,
                pythonic_params: bool = False, stub: bool = False, swagger_ui: bool = True,
                name: str | None = None) -> Spec:
        """Serve the spec at ``specification`` (relative to ``specification_dir``) under ``base_path``.

        ``base_path`` defaults to the spec's own (2.0's ``basePath``, the
        path of 3.x's first server URL). ``strict_validation`` refuses query
        and form parameters the spec does not declare; ``validate_responses``
        checks every answer against the spec (a 500, logged, when it breaks
        it); ``stub`` answers 501 for operations whose function does not
        resolve, instead of refusing to load.
        """
        path = os.path.join(self.specification_dir, os.fspath(specification))
        # PERF: as compiling does, loading keeps all it allocates; the cyclic collector would walk it again and
        # again, half the load time of a spec of 1,000 operations.
        with collector_paused():
            return self._add_api(path, base_path, strict_validation, validate_responses, arguments, resolver,
                                 pythonic_params, stub, swagger_ui, name)

    def _add_api(self, path: str, base_path: str | None, strict_validation: bool, validate_responses: bool,
                 arguments: dict[str, Any] | None, resolver: Resolver | None, pythonic_params: bool, stub: bool,
                 swagger_ui: bool, name: str | None) -> Spec:
        spec = load_spec(path, arguments)
        check_spec(spec)
        base = _base_path(spec) if base_path is None else base_path
        base = "/" + base.strip("/") if base.strip("/") else ""
        if base in self.specs:
            raise SpecError(spec.path, [f"{spec.path}: base path {base or '/'!r} already serves "
                                        f"{self.specs[base].path}; give each spec its own base_path"])
        config = APIConfig(base, strict_validation, validate_responses, pythonic_params, stub)
        bundler = Bundler(spec, to_json_schema(spec.version))
        ops = operations(spec, bundler)
        findings = check_operations(spec, ops) + _duplicate_ids(ops)
        if findings:
            raise SpecError(spec.path, findings)
        decls, compiled, findings = self._declarations(spec, ops, config, resolver or Resolver(), name)
        if findings:
            raise SpecError(spec.path, findings)
        try:
            self.api.add_declarations(decls)
        except DeclarationError as exc:
            raise SpecError(spec.path, [str(exc)]) from None
        self._compiled.update(compiled)
        if validate_responses:
            self._checks_responses.update(compiled)
        self._names.update(d.name for d in decls)
        self.specs[base] = spec
        document = served_document(spec)
        mount_docs(self.api, base, lambda req: document, spec.version,
                   str((spec.data.get("info") or {}).get("title") or "API"), ui=swagger_ui,
                   name=base.strip("/").replace("/", ".") or "root")
        return spec

    def _declarations(self, spec: Spec, ops: list[Operation], config: APIConfig, resolver: Resolver,
                      name: str | None) -> tuple[list[OperationDecl], dict[OperationDecl, CompiledOperation],
                                                 list[str]]:
        decls, compiled, findings = [], {}, []
        for op in ops:
            why = None
            try:
                resolved, function = resolver.resolve(op)
                source = resolved
            except ResolverError as exc:
                label = resolver.operation_id(op) or f"{op.method} {op.path}"
                if not config.stub:
                    findings.append(f"{op.where}: operationId {label!r} does not resolve: {exc}")
                    continue
                resolved, function, source, why = label, None, f"stub for {label}", str(exc)
            try:
                template, keys = _template(config.base_path, op)
            except TemplateError as exc:
                findings.append(f"{op.where}: {exc}")
                continue
            try:
                operation = CompiledOperation(op, function, config, self.api.schema_compiler, keys, source)
            except (LoadError, ValueError) as exc:
                findings.append(str(exc))
                continue
            handler = adapter(function if function is not None else not_implemented(resolved, why or ""), operation)
            body = op.body
            facts = Declaration(
                status=operation.status, accepts=tuple(body.media_types) if body else None,
                produces=op.produces, summary=op.summary, description=op.description, tags=op.tags)
            signature = Signature(MappingProxyType({"body": not body.required} if body else {}), False)
            where = Where(spec.path, spec.main.marks.get(op.location, (0, 0))[0])
            op_name = self._name(op, resolved, config.base_path, name)
            decl = OperationDecl(name=op_name, method=op.method, template=template, handler=handler, facts=facts,
                                 owner=None, source=source, where=where, signature=signature,
                                 mounts=self.api.mounts(template))
            decls.append(decl)
            compiled[decl] = operation
        return decls, compiled, findings

    def _name(self, op: Operation, resolved: str, base_path: str, name: str | None) -> str:
        chosen = op.operation_id or resolved
        if name:
            return f"{name}:{chosen}"
        return chosen if chosen not in self._names else f"{base_path.strip('/') or 'root'}:{chosen}"

    # --- the kernel's hooks ------------------------------------------------------------------

    def _response_step(self, plan: Plan, impl: Any) -> CheckSpecResponse | None:
        if plan.decl not in self._checks_responses:
            return None
        return CheckSpecResponse(self._compiled[plan.decl])

    # --- errors ----------------------------------------------------------------------------

    def add_error_handler(self, exception: type[BaseException], handler: Callable[[Any, BaseException], HTTPError]) \
            -> None:
        """``handler(req, exc)`` answers ``exception`` and its subclasses (found along the MRO)."""
        self.api.add_error_handler(exception, handler)

    def map_error(self, exception: type[BaseException], status: int, title: str | None = None) -> None:
        """Answer ``exception`` with ``status`` and the exception's text as the problem's detail.

        >>> app.map_error(LookupError, 404)
        >>> app.map_error(NotImplementedError, 501)
        """
        def handler(req: Any, exc: BaseException) -> HTTPError:
            return HTTPError(str(exc) or title or type(exc).__name__, status=status)

        self.api.add_error_handler(exception, handler)

    # --- serving ---------------------------------------------------------------------------

    def compile(self) -> App:
        self.api.compile()
        return self

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.api(environ, start_response)

    def run(self, host: str = "127.0.0.1", port: int = 8080) -> None:
        """Serve on the development server until interrupted (``cravat run`` serves on a production one)."""
        from wsgiref.simple_server import make_server

        self.compile()
        with make_server(host, port, self) as server:
            server.serve_forever()


def _base_path(spec: Spec) -> str:
    if spec.version == "2.0":
        return str(spec.data.get("basePath") or "")
    servers = spec.data.get("servers") or []
    if servers and isinstance(servers[0], dict):
        from urllib.parse import urlsplit

        url = str(servers[0].get("url") or "")
        for var, value in ((servers[0].get("variables") or {}).items()):
            url = url.replace("{" + var + "}", str((value or {}).get("default", "")))
        return urlsplit(url).path
    return ""


def _template(base_path: str, op: Operation) -> tuple[Any, dict[str, str]]:
    """The kernel's template for ``op``'s path, and each path parameter's name in it.

    Parameter names that are not Python names (``pet-id``) are renamed in the template.
    """
    import re

    keys: dict[str, str] = {}

    def rename(match: re.Match[str]) -> str:
        name = match.group(1)
        key = name if name.isidentifier() else f"p{len(keys)}_" + re.sub(r"\W", "_", name)
        keys[name] = key
        return "{" + key + "}"

    text = re.sub(r"{([^{}]+)}", rename, op.path)
    return parse_template(base_path + ("" if text == "/" and base_path else text)), keys


def _duplicate_ids(ops: list[Operation]) -> list[str]:
    seen: dict[str, Operation] = {}
    findings = []
    for op in ops:
        if op.operation_id is None:
            continue
        first = seen.setdefault(op.operation_id, op)
        if first is not op:
            findings.append(f"{op.where}: operationId {op.operation_id!r} of {op.method} {op.path} is also the id "
                            f"of {first.method} {first.path} ({first.where}); operationIds must be unique")
    return findings
