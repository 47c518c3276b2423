"""The ``cravat`` command."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
from collections.abc import Sequence
from typing import Any

from cravat.api.app import API
from cravat.deploy.loading import LoadError, load_object


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="cravat", description="Run and inspect cravat services.")
    commands = parser.add_subparsers(dest="command", required=True)

    routes = commands.add_parser("routes", help="print an API's route table")
    routes.add_argument("app", help="the API, as package.module:attribute")
    routes.set_defaults(run=_routes)

    serve = commands.add_parser("serve", help="serve an API over HTTP")
    serve.add_argument("--app", required=True, help="the WSGI application, as package.module:attribute")
    serve.add_argument("--bind", default="127.0.0.1:8080", help="HOST:PORT to listen on (default %(default)s)")
    serve.set_defaults(run=_serve)

    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except LoadError as exc:
        print(f"cravat {args.command}: {exc}", file=sys.stderr)
        return 2


def _routes(args: argparse.Namespace) -> int:
    api = load_object(args.app)
    if not isinstance(api, API):
        raise LoadError(f"{args.app} is a {type(api).__name__}, not a cravat API")
    print(format_routes(api))
    return 0


def format_routes(api: API) -> str:
    """The route table as aligned text: method, template, versions, operation, success status, handler."""
    rows = [("METHOD", "TEMPLATE", "VERSIONS", "OPERATION", "STATUS", "HANDLER")]
    for row in api.route_table():
        op = row.operation
        template = row.template if row.action is None else f'{row.template} {{"{row.action}": ...}}'
        versions = str(op.version_range) if op.version_range is not None else "all"
        rows.append((row.method, template, versions, op.name, str(op.status), op.source))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths)) + "  " + r[-1] for r in rows)


def _serve(args: argparse.Namespace) -> int:
    from cravat.deploy.devserver import make_server

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    app = load_object(args.app)
    host, port = _parse_bind(args.bind)
    try:
        server = make_server(app, host, port)
    except OSError as exc:
        print(f"cravat serve: cannot listen on {args.bind}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    signal.signal(signal.SIGTERM, lambda *_: _stop(server))
    print(f"cravat: serving {args.app} on http://{host}:{server.server_port}/", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


def _stop(server: Any) -> None:
    # shutdown() waits for serve_forever to return, so it must not run on the serving thread.
    import threading

    threading.Thread(target=server.shutdown, daemon=True).start()


def _parse_bind(bind: str) -> tuple[str, int]:
    host, sep, port = bind.rpartition(":")
    if not sep or not port.isdigit():
        raise LoadError(f"--bind {bind!r} is not HOST:PORT")
    return host.strip("[]") or "127.0.0.1", int(port)


if __name__ == "__main__":
    sys.exit(main())
