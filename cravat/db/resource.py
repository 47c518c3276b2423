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

Work that needs what the transaction saved, and must be done before the
answer (the task client's short tasks, ``in_request = "before_answer"``),
is left with :func:`after_transaction`: whichever resource opened the
transaction runs it once the transaction has committed and its session is
closed, so the work holds no connection of the request's and takes the
database's write lock after the request's commit let go of it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy.orm import Session

from cravat.db.engine import Database
from cravat.db.errors import install_error_handlers

LOG = logging.getLogger(__name__)

#: Where the request's session lives while the request runs.
ENV_SESSION = "cravat.db.session"
#: Where the request keeps work for once its transaction has committed and closed (after_transaction).
ENV_AFTER_TRANSACTION = "cravat.db.after_transaction"

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
    try:
        with database.transaction(write=environ["REQUEST_METHOD"] not in _READS) as session:
            environ[ENV_SESSION] = session
            try:
                yield session
            finally:
                environ.pop(ENV_SESSION, None)
    except BaseException:
        environ.pop(ENV_AFTER_TRANSACTION, None)  # rolled back: nothing it saved is there to work on
        raise
    hooks = environ.pop(ENV_AFTER_TRANSACTION, None)
    if hooks:
        _run(hooks)


def after_transaction(environ: dict[str, Any], hook: Callable[[], object]) -> None:
    """Run ``hook()`` once the request's transaction has committed and its session closed, before the answer.

    Called while the transaction is open (or from its ``after_commit``); the
    hook is forgotten if it rolls back. A hook that raises is logged, and the
    next one runs: the transaction is committed already.
    """
    environ.setdefault(ENV_AFTER_TRANSACTION, []).append(hook)


def _run(hooks: list[Callable[[], object]]) -> None:
    for hook in hooks:
        try:
            hook()
        except Exception:
            LOG.exception("work after the request's transaction failed (the transaction is committed)")


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
