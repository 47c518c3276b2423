"""The ``cravat`` command."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from cravat.api.app import API
from cravat.deploy import cli_db, cli_openapi, cli_policy, cli_tasks, server
from cravat.deploy.loading import LoadError, load_object
from cravat.deploy.pasteload import PasteLoadError
from cravat.deploy.server import AppSource, ServeError, ServeOptions


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (LoadError, PasteLoadError) as exc:
        print(f"cravat {args.command}: {exc}", file=sys.stderr)
        return 2
    except ServeError as exc:
        print(f"cravat {args.command}: {exc}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="cravat", description="Run and inspect cravat services.")
    commands = parser.add_subparsers(dest="command", required=True)

    routes = commands.add_parser("routes", help="print an API's route table")
    routes.add_argument("app", help="the API, as package.module:attribute")
    routes.set_defaults(run=_routes)

    serve = commands.add_parser(
        "serve", help="serve an application over HTTP",
        description="Serve a WSGI application on a production server: WORKERS processes of THREADS threads each. "
                    "SIGTERM drains the requests in flight, then exits; SIGHUP replaces the workers, "
                    "which load the application again.")
    what = serve.add_mutually_exclusive_group(required=True)
    what.add_argument("--paste", metavar="FILE", help="a Paste Deploy INI file to load the application from")
    what.add_argument("--app", metavar="MODULE:ATTR", help="the WSGI application, as package.module:attribute")
    serve.add_argument("--name", help="the application in --paste FILE: [composite:NAME], [pipeline:NAME] "
                                      "or [app:NAME] (default main)")
    serve.add_argument("--bind", default="127.0.0.1:8080", help="HOST:PORT to listen on (default %(default)s)")
    serve.add_argument("--server", choices=list(server.SERVERS), default=server.DEFAULT_SERVER,
                       help="the HTTP server (default %(default)s; dev is the stdlib server, for tests)")
    serve.add_argument("--workers", type=_positive, default=1, help="worker processes (default %(default)s)")
    serve.add_argument("--threads", type=_positive, default=8, help="threads per worker (default %(default)s)")
    serve.add_argument("--graceful-timeout", type=_positive, default=30, metavar="SECONDS",
                       help="how long a worker may finish its requests after SIGTERM or SIGHUP "
                            "before it is killed (default %(default)s)")
    limits = serve.add_argument_group("slow and hostile clients (docs/serving.md says what each server does)")
    limits.add_argument("--header-timeout", type=_seconds, default=10.0, metavar="SECONDS",
                        help="how long a client may take to send a request's head (default %(default)s)")
    limits.add_argument("--body-timeout", type=_seconds, default=30.0, metavar="SECONDS",
                        help="how long a client may take to send a request's body; then 408 (default %(default)s)")
    limits.add_argument("--keepalive-timeout", type=_seconds, default=5.0, metavar="SECONDS",
                        help="how long an idle keep-alive connection stays open (default %(default)s)")
    limits.add_argument("--body-threads", type=_positive, metavar="N",
                        help="granian: threads for requests whose body is still arriving, beyond --threads; "
                             "more such requests are 503 at once (default 4 x --threads)")
    limits.add_argument("--max-body-size", type=_positive, default=1024 * 1024, metavar="BYTES",
                        help="request bodies over this are 413 before they are read (default %(default)s)")
    limits.add_argument("--allowed-host", action="append", default=[], metavar="HOST",
                        help="a Host the service answers to (repeat; *.example.com for subdomains); "
                             "default: any valid host")
    limits.add_argument("--trusted-proxy", action="append", default=[], metavar="ADDRESS",
                        help="a proxy address or network whose X-Forwarded-* and Forwarded headers are believed "
                             "(repeat); default: none, those headers are removed")
    limits.add_argument("--public-endpoint", metavar="URL",
                        help="build links from this URL (https://kms.example.com) instead of the request's Host")
    limits.add_argument("--error-style", choices=["nova", "barbican", "problem"],
                        help="the style of faults the server answers itself (default: the app's own)")
    serve.set_defaults(run=_serve)
    cli_openapi.register(commands)
    cli_policy.register(commands)
    cli_db.register(commands)
    cli_tasks.register(commands)
    return parser


def _routes(args: argparse.Namespace) -> int:
    api = load_object(args.app)
    if not isinstance(api, API):
        raise LoadError(f"{args.app} is a {type(api).__name__}, not a cravat API")
    print(format_routes(cli_policy.load_api(args.app)))
    return 0


def format_routes(api: API) -> str:
    """The route table as aligned text: method, template, versions, operation, status, policy rule, handler."""
    rows = [("METHOD", "TEMPLATE", "VERSIONS", "OPERATION", "STATUS", "RULE", "HANDLER")]
    for row in api.route_table():
        op = row.operation
        template = row.template if row.action is None else f'{row.template} {{"{row.action}": ...}}'
        versions = str(op.version_range) if op.version_range is not None else "all"
        rule = op.rule or "-"
        if any(step.name == "authorize in handler" for step in op.steps):
            rule += " (in handler)"  # checked by the handler, on what it loaded
        rows.append((row.method, template, versions, op.name, str(op.status), rule, op.source))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] for r in rows)


def _serve(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.INFO, format=server.LOG_FORMAT)
    options = serve_options(args)
    app = server.check(options)
    print(f"cravat: serving {options.source.describe()} on {options.url} with {_concurrency(options)}", flush=True)
    return server.run(options, app)


def _concurrency(options: ServeOptions) -> str:
    """``granian, 2 workers x 8 threads``."""
    if options.server == "dev":
        return "dev, 1 process, a thread per connection"
    workers = f"{options.workers} worker{'s' if options.workers > 1 else ''}"
    threads = f"{options.threads} thread{'s' if options.threads > 1 else ''}"
    return f"{options.server}, {workers} x {threads}"


def serve_options(args: argparse.Namespace) -> ServeOptions:
    """The :class:`ServeOptions` that ``cravat serve``'s arguments stand for."""
    if args.paste is not None:
        source = AppSource.from_paste(args.paste, args.name or "main")
    elif args.name is not None:
        raise LoadError("--name names a section of the --paste file; with --app it has nothing to name")
    else:
        source = AppSource.from_spec(args.app)
    host, port = _parse_bind(args.bind)
    try:
        return ServeOptions(source, host, port, server=args.server, workers=args.workers, threads=args.threads,
                            graceful_timeout=args.graceful_timeout, body_threads=args.body_threads,
                            header_timeout=args.header_timeout,
                            body_timeout=args.body_timeout, keepalive_timeout=args.keepalive_timeout,
                            max_body_size=args.max_body_size, allowed_hosts=tuple(args.allowed_host),
                            trusted_proxies=tuple(args.trusted_proxy), public_endpoint=args.public_endpoint,
                            error_style=args.error_style)
    except ValueError as exc:
        raise LoadError(str(exc)) from None


def _positive(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a positive whole number")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds from 0 to 3600")
    return value


def _parse_bind(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit() or not 0 < int(port) < 65536:
        raise LoadError(f"--bind {bind!r} is not HOST:PORT (a port from 1 to 65535)")
    return host.strip("[]") or "127.0.0.1", int(port)


if __name__ == "__main__":
    sys.exit(main())
