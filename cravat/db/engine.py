"""A database: one SQLAlchemy engine and session factory per API, made from a URL.

>>> db = Database("sqlite:///compute.db", metadata=Base.metadata, migrations=[MIGRATIONS])
>>> db.start()                                # the engine, checked: DatabaseUnavailable if it cannot connect
>>> with db.transaction(write=True) as session:
...     session.add(Image(name="web"))        # committed on leaving the block, rolled back on an error
>>> db.stop()

SQLite (the default: a file, in WAL mode) serves one machine; PostgreSQL
(``postgresql://...``, driven by psycopg 3) serves many. On SQLite every
transaction begins explicitly: ``BEGIN`` for reads, ``BEGIN IMMEDIATE`` for
writes, so a writer waits its turn (``busy_timeout``) at the start instead
of failing half-way, and DDL is transactional (a failed migration rolls back).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy
from sqlalchemy import MetaData, event
from sqlalchemy.engine import URL, Connection, Engine, make_url
from sqlalchemy.orm import Session, sessionmaker

from cravat.db.errors import DatabaseUnavailable, first_line

LOG = logging.getLogger(__name__)

DEFAULT_URL = "sqlite:///cravat.db"

#: The execution option that makes a SQLite transaction begin with ``BEGIN IMMEDIATE``.
WRITE_OPTION = "cravat_write"
_HOOKS = "cravat.after_commit"
_SCOPED = "cravat.transaction"


class Database:
    """An engine, a session factory and the migrations of one service's database.

    ``metadata`` is the service's models' (for ``cravat db revision
    --autogenerate``); ``migrations`` are Alembic version directories, the
    service's and any a cravat feature adds (the task table's).
    """

    def __init__(self, url: str = DEFAULT_URL, *, metadata: MetaData | None = None,
                 migrations: Sequence[str | Path] = (), name: str = "service", pool_size: int = 10,
                 connect_timeout: float = 5.0, busy_timeout: float = 10.0, echo: bool = False) -> None:
        self.url = _normalize(url)
        self.metadata = metadata if metadata is not None else MetaData()
        self.migrations = [Path(p).resolve() for p in migrations]
        #: Tables another feature's migrations own: autogenerate leaves them alone.
        self.foreign_tables: set[str] = set()
        self.name = name
        self.pool_size = pool_size
        self.connect_timeout = connect_timeout
        self.busy_timeout = busy_timeout
        self.echo = echo
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._lock = threading.Lock()
        self._started = False

    def __repr__(self) -> str:
        return f"Database({self.safe_url!r})"

    @property
    def safe_url(self) -> str:
        """The URL with its password hidden, for messages and logs."""
        return self.url.render_as_string(hide_password=True)

    @property
    def dialect(self) -> str:
        """``"sqlite"`` or ``"postgresql"``."""
        return self.url.get_backend_name()

    def add_migrations(self, directory: str | Path, *, tables: Sequence[str] = ()) -> None:
        """Another feature's Alembic versions (upgraded with the service's), owning ``tables``."""
        path = Path(directory).resolve()
        if path not in self.migrations:
            self.migrations.append(path)
        self.foreign_tables.update(tables)

    # --- the engine ---------------------------------------------------------------------------

    @property
    def engine(self) -> Engine:
        """The engine, made on first use (``start()`` makes it and checks it connects)."""
        engine = self._engine
        if engine is None:
            with self._lock:
                if self._engine is None:
                    self._engine = self._make_engine()
                    self._sessions = sessionmaker(self._engine, expire_on_commit=False)
                    event.listen(self._sessions, "after_commit", _run_after_commit)
                    event.listen(self._sessions, "after_rollback", _drop_after_commit)
                engine = self._engine
        return engine

    def _make_engine(self) -> Engine:
        if self.dialect == "sqlite":
            database = self.url.database
            if not database or database == ":memory:":
                raise ValueError(f"{self.safe_url}: cravat needs a SQLite file (workers and the API share it), "
                                 "not an in-memory database")
            Path(database).parent.mkdir(parents=True, exist_ok=True)
            engine = sqlalchemy.create_engine(
                self.url, echo=self.echo, pool_size=self.pool_size, max_overflow=self.pool_size,
                connect_args={"timeout": self.busy_timeout, "check_same_thread": False})
            event.listen(engine, "connect", _sqlite_connect)
            event.listen(engine, "begin", _sqlite_begin)
            return engine
        connect_args: dict[str, Any] = {}
        if self.dialect == "postgresql":
            connect_args["connect_timeout"] = max(1, int(self.connect_timeout))
        # PERF: no pre-ping (a round trip per transaction). A connection the database dropped fails its
        # first statement instead: that request is a 503, SQLAlchemy renews the whole pool, the next works.
        return sqlalchemy.create_engine(self.url, echo=self.echo, pool_size=self.pool_size,
                                        max_overflow=self.pool_size, pool_timeout=self.connect_timeout,
                                        connect_args=connect_args)

    def start(self) -> None:
        """Make the engine and check the database answers; ``DatabaseUnavailable`` names it if not."""
        if self._started:
            return
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
        except sqlalchemy.exc.DBAPIError as exc:
            raise DatabaseUnavailable(f"cannot connect to the database {self.safe_url}: "
                                      f"{first_line(exc.orig)}") from None
        self._started = True
        LOG.info("database %s is ready", self.safe_url)

    def stop(self) -> None:
        """Close every pooled connection (the engine is made again if used after)."""
        with self._lock:
            self._started = False
            if self._engine is not None:
                self._engine.dispose()

    def after_fork(self) -> None:
        """In a child process: forget the parent's pooled connections without closing them."""
        if self._engine is not None:
            self._engine.dispose(close=False)

    # --- sessions -----------------------------------------------------------------------------

    def session(self, *, write: bool = False) -> Session:
        """A new session; ``write=True`` begins ``IMMEDIATE`` on SQLite (a writer's turn, taken at once)."""
        self.engine  # noqa: B018 - makes the session factory
        assert self._sessions is not None
        session = self._sessions()
        if write and self.dialect == "sqlite":
            session.connection(execution_options={WRITE_OPTION: True})
        return session

    @contextmanager
    def transaction(self, *, write: bool = False) -> Iterator[Session]:
        """One transaction: committed when the block ends, rolled back if it raises."""
        session = self.session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @contextmanager
    def connection(self, *, write: bool = False) -> Iterator[Connection]:
        """A Core connection in one transaction (committed on leaving the block)."""
        with self.engine.connect() as connection:
            if write and self.dialect == "sqlite":
                connection.execution_options(**{WRITE_OPTION: True})
            with connection.begin():
                yield connection


def after_commit(session: Session, hook: Callable[[], object]) -> None:
    """Run ``hook()`` once the session's transaction commits; forget it if it rolls back.

    The task client wakes workers and publishes this way: only what was
    saved is announced. A hook that raises is logged, never raised: the
    data is committed already.
    """
    session.info.setdefault(_HOOKS, []).append(hook)


def transaction_info(session: Session) -> dict[str, Any]:
    """A dict for the session's current transaction only: emptied when it commits or rolls back."""
    return session.info.setdefault(_SCOPED, {})


def _run_after_commit(session: Session) -> None:
    session.info.pop(_SCOPED, None)
    for hook in session.info.pop(_HOOKS, ()):
        try:
            hook()
        except Exception:
            LOG.exception("an after-commit hook failed (the transaction is committed)")


def _drop_after_commit(session: Session) -> None:
    session.info.pop(_HOOKS, None)
    session.info.pop(_SCOPED, None)


def _sqlite_connect(dbapi_connection: Any, record: Any) -> None:
    # Let SQLAlchemy's begin event say how each transaction begins (pysqlite's own would defer it).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    # WAL: readers never block the writer; NORMAL sync survives a killed process (not a power cut).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(connection: Connection) -> None:
    statement = "BEGIN IMMEDIATE" if connection.get_execution_options().get(WRITE_OPTION) else "BEGIN"
    # PERF: the driver's own execute. exec_driver_sql builds a whole execution context for it, about
    # 25 us of every transaction; its one service, wrapping the driver's error, is done here, so a
    # writer that waited out busy_timeout is SQLAlchemy's OperationalError (a 503) as before.
    try:
        connection.connection.driver_connection.execute(statement)
    except sqlite3.Error as exc:
        raise sqlalchemy.exc.DBAPIError.instance(statement, (), exc, sqlite3.Error) from exc


def _normalize(url: str | URL) -> URL:
    """``postgresql://`` means psycopg 3 here (SQLAlchemy's own default is psycopg2)."""
    try:
        parsed = make_url(url)
    except sqlalchemy.exc.ArgumentError:
        raise ValueError(f"{url!r} is not a database URL such as sqlite:///service.db or "
                         "postgresql://user@host/dbname") from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        raise ValueError(f"{parsed.render_as_string(hide_password=True)}: cravat supports SQLite and PostgreSQL")
    return parsed

