"""``cravat db``: a service's migrations (Alembic), against the database its app is configured with.

    cravat db upgrade  --app examples.compute_async:app     # every head: the service's and the task table's
    cravat db current  --app examples.compute_async:app
    cravat db revision --app examples.compute_async:app -m "add images.size" [--autogenerate]
"""

from __future__ import annotations

import argparse
import logging
import sys
from typing import Any

from cravat.api.app import API
from cravat.db import migrations
from cravat.db.engine import Database
from cravat.db.errors import DatabaseUnavailable
from cravat.db.resource import database_of
from cravat.deploy.loading import LoadError, load_object


def register(commands: Any) -> None:
    db = commands.add_parser("db", help="migrate a service's database",
                             description="Alembic migrations of the database an app is configured with.")
    actions = db.add_subparsers(dest="db_command", required=True)
    for name, help_text in (("upgrade", "apply every migration not applied yet (or up to --revision)"),
                            ("current", "print the revisions the database is at"),
                            ("revision", "write a new migration in the service's directory")):
        action = actions.add_parser(name, help=help_text)
        action.add_argument("--app", required=True, metavar="MODULE:ATTR",
                            help="the cravat API (with a database attached), or a cravat.db.Database")
        action.add_argument("--url", help="the database URL, instead of the app's own")
        if name == "upgrade":
            action.add_argument("--revision", default="heads", help="the revision to reach (default: every head)")
        if name == "revision":
            action.add_argument("-m", "--message", required=True, help="what the migration does")
            action.add_argument("--autogenerate", action="store_true",
                                help="fill it in from the difference between the models and the database")
        action.set_defaults(run=_run)


def database_from(spec: str, url: str | None = None) -> Database:
    """The Database that ``--app`` names: an API's attached one, or a Database itself."""
    obj = load_object(spec)
    database = database_of(obj) if isinstance(obj, API) else obj
    if not isinstance(database, Database):
        raise LoadError(f"{spec} is a {type(obj).__name__} with no cravat database (use cravat.db.attach)")
    if url:
        configured = database
        database = Database(url, metadata=configured.metadata, migrations=configured.migrations, name=configured.name)
        database.foreign_tables.update(configured.foreign_tables)
    return database


def _run(args: argparse.Namespace) -> int:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s %(message)s")
    database = database_from(args.app, args.url)
    try:
        database.start()
        if args.db_command == "upgrade":
            before = migrations.pending(database)
            migrations.upgrade(database, args.revision)
            print(f"{database.safe_url}: applied {', '.join(before) if before else 'nothing (up to date)'}")
        elif args.db_command == "current":
            print("\n".join(migrations.current(database)) or "(no migration applied)")
        else:
            print(migrations.revision(database, args.message, autogenerate=args.autogenerate))
    except (DatabaseUnavailable, migrations.MigrationError) as exc:
        print(f"cravat db {args.db_command}: {exc}", file=sys.stderr)
        return 1
    finally:
        database.stop()
    return 0
