"""Persistence: engines and sessions per API, a repository base, pagination, migrations.

>>> database = cravat.db.Database("sqlite:///compute.db", metadata=Base.metadata, migrations=[MIGRATIONS])
>>> cravat.db.attach(api, database)      # handlers that take ``session`` get the request's transaction
"""

from cravat.db.clock import db_now
from cravat.db.engine import DEFAULT_URL, Database, after_commit
from cravat.db.errors import DatabaseUnavailable, EntityNotFound, install_error_handlers, is_unavailable
from cravat.db.migrations import MigrationError
from cravat.db.pagination import MarkerPage, OffsetPage, marker_page, offset_page
from cravat.db.repository import Repository
from cravat.db.resource import SessionResource, after_transaction, attach, database_of, request_transaction

__all__ = [
    "DEFAULT_URL",
    "Database",
    "DatabaseUnavailable",
    "EntityNotFound",
    "MarkerPage",
    "MigrationError",
    "OffsetPage",
    "Repository",
    "SessionResource",
    "after_commit",
    "after_transaction",
    "attach",
    "database_of",
    "db_now",
    "install_error_handlers",
    "is_unavailable",
    "marker_page",
    "offset_page",
    "request_transaction",
]
