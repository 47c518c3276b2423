"""Database errors, and the one place that maps them to faults in the API's style.

- a repository's :class:`EntityNotFound` is a 404 naming the entity;
- an integrity error (a unique or foreign key constraint) is a 409 naming the constraint;
- a database that cannot be reached, or that dropped the connection, is a 503 with Retry-After.

>>> install_error_handlers(api)
"""

from __future__ import annotations

import logging
import re
from typing import Any

import sqlalchemy.exc

from cravat.http import errors

LOG = logging.getLogger(__name__)

#: How long a client should wait before trying again when the database is away.
RETRY_AFTER = "1"


class DatabaseUnavailable(Exception):
    """The database cannot be reached; the message names it (its password hidden)."""


class EntityNotFound(LookupError):
    """No such entity (or not in the caller's project): a 404 whose message names it."""

    def __init__(self, label: str, entity_id: Any) -> None:
        super().__init__(f"{label} {entity_id} could not be found.")
        self.label = label
        self.entity_id = entity_id


def not_found(req: Any, exc: EntityNotFound) -> errors.HTTPError:
    return errors.NotFound(str(exc))


def conflict(req: Any, exc: sqlalchemy.exc.IntegrityError) -> errors.HTTPError:
    return errors.Conflict(f"The request conflicts with data already saved ({constraint_of(exc)}).")


def unavailable(req: Any, exc: BaseException) -> errors.HTTPError:
    LOG.warning("database unavailable: %s", first_line(exc))
    return errors.ServiceUnavailable("The database is unavailable; try again later.",
                                     headers={"Retry-After": RETRY_AFTER})


def constraint_of(exc: sqlalchemy.exc.IntegrityError) -> str:
    """The constraint an integrity error broke, as the database names it: no SQL, no values.

    >>> constraint_of(exc)     # SQLite: "UNIQUE constraint failed: images.name"
    'unique constraint on images.name'
    """
    orig = exc.orig
    diag = getattr(orig, "diag", None)  # psycopg
    if diag is not None and getattr(diag, "constraint_name", None):
        return f"constraint {diag.constraint_name}"
    text = first_line(orig)
    match = re.match(r"(UNIQUE|FOREIGN KEY|NOT NULL|CHECK) constraint failed(?::\s*(.+))?", text)
    if match:
        kind, where = match.group(1).lower(), match.group(2)
        return f"{kind} constraint on {where}" if where else f"{kind} constraint"
    return "a database constraint"


def install_error_handlers(api: Any) -> None:
    """Map database errors to faults for ``api``: 404, 409 and 503, in its error style."""
    api.add_error_handler(EntityNotFound, not_found)
    api.add_error_handler(sqlalchemy.exc.IntegrityError, conflict)
    for exc in (DatabaseUnavailable, sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError,
                sqlalchemy.exc.DisconnectionError, sqlalchemy.exc.TimeoutError):
        api.add_error_handler(exc, unavailable)


def is_unavailable(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is away (worth retrying later), not that a statement is wrong."""
    return isinstance(exc, (DatabaseUnavailable, sqlalchemy.exc.OperationalError, sqlalchemy.exc.InterfaceError,
                            sqlalchemy.exc.DisconnectionError, sqlalchemy.exc.TimeoutError))


def first_line(exc: BaseException | None) -> str:
    text = str(exc).strip() if exc is not None else ""
    return text.splitlines()[0] if text else type(exc).__name__
