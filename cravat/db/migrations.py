"""Alembic migrations for a service's models (and the task table), run by ``cravat db``.

A service keeps its revisions in a directory of its own and names it:
``Database(url, metadata=Base.metadata, migrations=["compute/migrations"])``.
cravat supplies Alembic's environment (no ``alembic.ini``, no ``env.py`` to
copy): ``cravat db upgrade`` applies every head, the service's and those of
the features it uses (the task table is a branch of its own,
``cravat_tasks``).

Each revision runs in its own transaction (transactional DDL on PostgreSQL
and, as cravat drives it, on SQLite too), so a revision that fails is
rolled back whole and :class:`MigrationError` names it; the ones before it
stay applied.

>>> upgrade(database)            # to every head
>>> current(database)
['0001_images (head)', 'cravat_tasks_0001 (head)']
"""

from __future__ import annotations

import os
import traceback
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from cravat.db.engine import Database

_ENVIRONMENT = Path(__file__).parent / "alembic"


class MigrationError(Exception):
    """A migration failed; the message names the revision and its file."""


def config(database: Database) -> Config:
    """An Alembic configuration for ``database``, with cravat's environment and its version directories."""
    if not database.migrations:
        raise MigrationError(f"{database!r} has no migrations: pass Database(migrations=[directory])")
    cfg = Config()
    cfg.set_main_option("script_location", str(_ENVIRONMENT))
    # "os": the version directories are joined with os.pathsep (newer Alembic reads path_separator).
    cfg.set_main_option("path_separator", "os")
    cfg.set_main_option("version_path_separator", "os")
    cfg.set_main_option("version_locations", os.pathsep.join(str(p) for p in database.migrations))
    cfg.attributes["database"] = database
    return cfg


def upgrade(database: Database, revision: str = "heads") -> None:
    """Apply migrations up to ``revision`` (every head by default)."""
    cfg = config(database)
    try:
        command.upgrade(cfg, revision)
    except Exception as exc:
        raise MigrationError(_failure(cfg, exc)) from exc


def downgrade(database: Database, revision: str) -> None:
    cfg = config(database)
    try:
        command.downgrade(cfg, revision)
    except Exception as exc:
        raise MigrationError(_failure(cfg, exc)) from exc


def current(database: Database) -> list[str]:
    """The revisions the database is at, each marked ``(head)`` when nothing follows it."""
    script = ScriptDirectory.from_config(config(database))
    heads = set(script.get_heads())
    with database.engine.connect() as connection:
        at = MigrationContext.configure(connection).get_current_heads()
    return sorted(f"{rev} (head)" if rev in heads else rev for rev in at)


def pending(database: Database) -> list[str]:
    """Revisions not applied yet, oldest first."""
    script = ScriptDirectory.from_config(config(database))
    with database.engine.connect() as connection:
        at = set(MigrationContext.configure(connection).get_current_heads())
    applied = set()
    for rev in at:
        applied.update(r.revision for r in script.iterate_revisions(rev, "base"))
    return [r.revision for r in reversed(list(script.walk_revisions())) if r.revision not in applied]


def revision(database: Database, message: str, *, autogenerate: bool = False) -> str:
    """A new revision file in the service's directory (its first); returns its path."""
    cfg = config(database)
    script = ScriptDirectory.from_config(cfg)
    home = database.migrations[0]
    own = [r for r in script.get_revisions("heads") if r and Path(r.path).resolve().parent == home]
    kwargs: dict[str, Any] = {"version_path": str(home)}
    if own:
        kwargs["head"] = own[0].revision
    else:
        kwargs["head"] = "base"
        kwargs["branch_label"] = database.name
    made = command.revision(cfg, message=message, autogenerate=autogenerate, **kwargs)
    scripts = made if isinstance(made, list) else [made]
    return str(scripts[0].path) if scripts and scripts[0] is not None else ""


def run_environment(context: Any) -> None:
    """The body of cravat's ``env.py``: migrate the database ``cravat db`` passed, online."""
    if context.is_offline_mode():
        raise MigrationError("cravat runs migrations against the database (online); --sql is not supported")
    database: Database = context.config.attributes["database"]
    foreign = database.foreign_tables

    def include_name(name: str | None, kind: str, parent: Any) -> bool:
        return not (kind == "table" and name in foreign)

    with database.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=database.metadata, transaction_per_migration=True,
                          transactional_ddl=True, include_name=include_name,
                          render_as_batch=database.dialect == "sqlite")
        with context.begin_transaction():
            context.run_migrations()
        connection.commit()


def _failure(cfg: Config, exc: BaseException) -> str:
    """Which revision failed (the revision file in the traceback), and why."""
    script = ScriptDirectory.from_config(cfg)
    paths = {str(Path(r.path).resolve()): r.revision for r in script.walk_revisions() if r.path}
    failed = None
    for frame in traceback.extract_tb(exc.__traceback__):
        failed = paths.get(str(Path(frame.filename).resolve()), failed)
    reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    reason_text = reason[0] if reason else type(exc).__name__
    if failed is None:
        return f"migration failed: {reason_text}"
    return f"migration {failed} failed and was rolled back: {reason_text}"
