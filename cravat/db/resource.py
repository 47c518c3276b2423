"""The request's database session: a request-scoped resource, one transaction per request.

>>> attach(api, database)                    # handlers that take ``session`` get one
>>> class Images:
...     def create(self, req, session, body):
...         session.add(Image(name=body["image"]["name"]))    # committed before the answer is encoded

The transaction commits when the handler returns, inside the steps and so
before the answer is encoded: a commit that fails is a fault (409 or 503),
never a 201 for data that was not saved. It rolls back when the handler
raises. Every resource that needs the request's transaction (the task
client) shares the one unit this module opens, whichever is opened first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from cravat.db.engine import Database
from cravat.db.errors import install_error_handlers

#: Where the request's session lives while the request runs.
ENV_SESSION = "cravat.db.session"

#: Methods whose requests only read: on SQLite they begin a plain (deferred) transaction.
_READS = frozenset(("GET", "HEAD", "OPTIONS"))


@contextmanager
def request_transaction(req: Any, database: Database) -> Iterator[Session]:
    """The request's one session: opened by the first resource that asks, committed as that one closes."""
    environ = req.environ
    session = environ.get(ENV_SESSION)
    if session is not None:
        yield session
        return
    with database.transaction(write=environ["REQUEST_METHOD"] not in _READS) as session:
        environ[ENV_SESSION] = session
        try:
            yield session
        finally:
            environ.pop(ENV_SESSION, None)


class SessionResource:
    """``provider(req)`` for ``api.add_resource``: the request's session, in its transaction."""

    def __init__(self, database: Database) -> None:
        self.database = database

    def __call__(self, req: Any) -> Any:
        return request_transaction(req, self.database)

    def __repr__(self) -> str:
        return f"SessionResource({self.database!r})"


def attach(api: Any, database: Database, *, name: str = "session") -> SessionResource:
    """Give ``api`` the database: the ``session`` resource, its error handlers, start and stop.

    The engine is made and checked when the API starts (``api.on_startup``),
    so a database that is down is a clear start-up error, and disposed when
    it stops.
    """
    resource = SessionResource(database)
    api.add_resource(name, resource)
    install_error_handlers(api)
    api.on_startup(database.start)
    api.on_shutdown(database.stop)
    return resource


def database_of(api: Any) -> Database | None:
    """The database attached to ``api`` (found among its resources), or None."""
    for provider in api.resources.values():
        if isinstance(provider, SessionResource):
            return provider.database
        database = getattr(provider, "database", None)
        if isinstance(database, Database):
            return database
    return None
