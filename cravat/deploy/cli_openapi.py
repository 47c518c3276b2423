"""``cravat run SPEC`` (serve an OpenAPI file) and ``cravat openapi APP`` (write an app's OpenAPI documents)."""

from __future__ import annotations

import argparse
import json
import logging
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

from cravat.api.app import API
from cravat.deploy import server
from cravat.deploy.loading import LoadError, load_object
from cravat.deploy.pasteload import PasteLoadError
from cravat.deploy.server import AppSource, ServeOptions


def register(commands: Any) -> None:
    """Add ``run`` and ``openapi`` to the ``cravat`` command's subcommands."""
    run = commands.add_parser(
        "run", help="serve a Swagger 2.0 or OpenAPI 3.x file",
        description="Serve SPEC: each operationId names a Python function (package.module.function), as "
                    "Connexion's 'run' does, on cravat's dispatcher and a production server.")
    run.add_argument("spec", help="the spec file (YAML or JSON)")
    run.add_argument("base_module_path", nargs="?",
                     help="where the handler modules are (importable from there); default: the spec's folder, "
                          "as Connexion's run has it")
    run.add_argument("--base-path", help="serve under this path (default: the spec's basePath or server URL)")
    run.add_argument("--strict-validation", action="store_true",
                     help="refuse query and form parameters the spec does not declare")
    run.add_argument("--validate-responses", action="store_true",
                     help="check every answer against the spec (a 500, logged, when it breaks it)")
    run.add_argument("--stub", action="store_true",
                     help="answer 501 for operations whose function does not resolve, instead of refusing to start")
    run.add_argument("--pythonic-params", action="store_true", help="bind petId as pet_id (snake case)")
    run.add_argument("--error-style", default="problem", choices=("problem", "nova", "barbican"),
                     help="the shape of error bodies (default %(default)s, RFC 9457)")
    _serving(run)
    run.set_defaults(run=_run)

    openapi = commands.add_parser(
        "openapi", help="write the OpenAPI 3.1 document of a cravat app",
        description="Write APP's OpenAPI 3.1 document (generated from its route table), for its latest "
                    "microversion, one version (--version), or every version (--all-versions, into --output DIR).")
    openapi.add_argument("app", help="the API, as package.module:attribute")
    which = openapi.add_mutually_exclusive_group()
    which.add_argument("--version", help="the microversion to document (default: the latest)")
    which.add_argument("--all-versions", action="store_true", help="one document per microversion")
    openapi.add_argument("--output", "-o", help="the file (or, with --all-versions, the folder) to write; "
                                                "default: standard output")
    openapi.add_argument("--samples", help="a folder of API samples to take examples from")
    openapi.add_argument("--title", help="the document's info.title")
    openapi.set_defaults(run=_openapi)


def _serving(parser: argparse.ArgumentParser) -> None:
    from cravat.deploy.cli import _positive

    parser.add_argument("--bind", default="127.0.0.1:8080", help="HOST:PORT to listen on (default %(default)s)")
    parser.add_argument("--server", choices=list(server.SERVERS), default=server.DEFAULT_SERVER,
                        help="the HTTP server (default %(default)s)")
    parser.add_argument("--workers", type=_positive, default=1, help="worker processes (default %(default)s)")
    parser.add_argument("--threads", type=_positive, default=8, help="threads per worker (default %(default)s)")
    parser.add_argument("--graceful-timeout", type=_positive, default=30, metavar="SECONDS",
                        help="how long a worker may finish its requests after SIGTERM (default %(default)s)")


def run_paste(args: argparse.Namespace) -> str:
    """The paste file that serves ``args.spec`` with ``args``' settings, as ``egg:cravat#openapi`` reads it."""
    spec = os.path.abspath(args.spec)
    if not os.path.isfile(spec):
        raise LoadError(f"{args.spec}: no such file")
    modules = os.path.abspath(args.base_module_path or os.path.dirname(spec))
    lines = ["[app:main]", "use = egg:cravat#openapi", f"spec = {_ini(spec)}", f"error_style = {args.error_style}",
             f"module_path = {_ini(modules)}"]
    if args.base_path is not None:
        lines.append(f"base_path = {_ini(args.base_path)}")
    for flag in ("strict_validation", "validate_responses", "stub", "pythonic_params"):
        lines.append(f"{flag} = {'true' if getattr(args, flag) else 'false'}")
    return "\n".join(lines) + "\n"


def _ini(value: str) -> str:
    return value.replace("%", "%%")


def _run(args: argparse.Namespace) -> int:
    from cravat.deploy.cli import _concurrency, _parse_bind

    logging.basicConfig(level=logging.INFO, format=server.LOG_FORMAT)
    folder = tempfile.mkdtemp(prefix="cravat-run-")
    try:
        paste = Path(folder, "run.ini")
        paste.write_text(run_paste(args), encoding="utf-8")
        host, port = _parse_bind(args.bind)
        options = ServeOptions(AppSource.from_paste(str(paste)), host, port, server=args.server,
                               workers=args.workers, threads=args.threads, graceful_timeout=args.graceful_timeout)
        app = _checked(paste)
        server.check_bind(host, port)
        if args.server != "dev":
            app = None  # each worker loads its own from the paste file
        print(f"cravat: serving {args.spec} on {options.url} with {_concurrency(options)}", flush=True)
        return server.run(options, app)
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _checked(paste: Path) -> Any:
    """The app, built here once so a bad spec exits naming each problem (the paste file is an implementation detail)."""
    from cravat.deploy.pasteload import load_paste_app
    from cravat.openapi import SpecError

    try:
        return load_paste_app(str(paste))
    except PasteLoadError as exc:
        cause = exc.__cause__ or exc.__context__
        while cause is not None and not isinstance(cause, SpecError):
            cause = cause.__cause__ or cause.__context__
        if cause is not None:
            raise LoadError(str(cause)) from None
        raise LoadError(exc.reason) from None


def _openapi(args: argparse.Namespace) -> int:
    from cravat.openapi import generate, generate_all

    api = load_object(args.app)
    if not isinstance(api, API):
        api = getattr(api, "api", api)  # a cravat.openapi.App serves through its API
    if not isinstance(api, API):
        raise LoadError(f"{args.app} is a {type(api).__name__}, not a cravat API")
    try:
        if args.all_versions:
            documents = generate_all(api, samples=args.samples, title=args.title)
            if not args.output:
                print(json.dumps(documents, indent=2, ensure_ascii=False))
                return 0
            folder = Path(args.output)
            folder.mkdir(parents=True, exist_ok=True)
            for version, document in documents.items():
                name = f"openapi-{version}.json" if version else "openapi.json"
                (folder / name).write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"cravat openapi: wrote {len(documents)} documents to {folder}", file=sys.stderr)
            return 0
        document = generate(api, version=args.version, samples=args.samples, title=args.title)
    except ValueError as exc:
        raise LoadError(str(exc)) from None
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
    else:
        sys.stdout.write(text)
    return 0
