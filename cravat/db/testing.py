"""Scratch databases for tests: a SQLite file, or a PostgreSQL schema of one's own.

>>> with scratch_postgresql("postgresql://postgres@127.0.0.1/test") as url:
...     database = Database(url, ...)         # every table lands in a new schema, dropped afterwards

A schema per test module lets suites share one PostgreSQL database without
seeing each other's tables. A PostgreSQL that is down is an error naming
it, never a skipped test.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import sqlalchemy
from sqlalchemy.engine import make_url

#: The database the suite uses unless ``CRAVAT_TEST_POSTGRESQL`` names another.
DEFAULT_POSTGRESQL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@contextmanager
def scratch_postgresql(url: str = DEFAULT_POSTGRESQL, *, prefix: str = "cravat_test") -> Iterator[str]:
    """A URL whose connections use a new schema (``search_path``); the schema is dropped on leaving."""
    base = make_url(url)
    if base.drivername in ("postgresql", "postgres"):
        base = base.set(drivername="postgresql+psycopg")
    schema = f"{prefix}_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(base, connect_args={"connect_timeout": 5}, poolclass=sqlalchemy.pool.NullPool)
    try:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    except sqlalchemy.exc.OperationalError as exc:
        raise RuntimeError(f"the tests need PostgreSQL at {base.render_as_string(hide_password=True)}, "
                           f"which is not answering: {str(exc.orig).splitlines()[0]}") from None
    try:
        yield base.update_query_dict({"options": f"-csearch_path={schema}"}).render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


@contextmanager
def scratch_database(kind: str, directory: str | Path) -> Iterator[str]:
    """A URL for a scratch ``"sqlite"`` file in ``directory``, or a ``"postgresql"`` schema.

    PostgreSQL is ``CRAVAT_TEST_POSTGRESQL`` if set, else the machine's ``test`` database.
    """
    if kind == "sqlite":
        yield f"sqlite:///{Path(directory) / 'scratch.db'}"
        return
    with scratch_postgresql(os.environ.get("CRAVAT_TEST_POSTGRESQL", DEFAULT_POSTGRESQL)) as url:
        yield url
