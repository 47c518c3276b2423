"""The database's clock, as seconds since the epoch: one clock for every process that shares the data.

Leases, retry times and the timestamps a benchmark compares are all read
from the database, never from a process's own clock, so two machines whose
clocks disagree still agree on whether a lease has expired.

>>> session.execute(update(tasks).values(lease_expires=db_now() + 30))
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Float
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.functions import FunctionElement


class db_now(FunctionElement[float]):  # noqa: N801 - an SQL function, named as one
    """Now, in seconds since the epoch with sub-millisecond digits, by the database's clock."""

    type = Float()
    inherit_cache = True


@compiles(db_now, "postgresql")
def _postgresql(element: Any, compiler: Any, **kw: Any) -> str:
    # clock_timestamp(), not now(): now() stands still for the whole transaction.
    return "CAST(EXTRACT(EPOCH FROM clock_timestamp()) AS DOUBLE PRECISION)"


@compiles(db_now, "sqlite")
def _sqlite(element: Any, compiler: Any, **kw: Any) -> str:
    return "((julianday('now') - 2440587.5) * 86400.0)"


@compiles(db_now)
def _default(element: Any, compiler: Any, **kw: Any) -> str:
    raise NotImplementedError(f"db_now() has no form for the {compiler.dialect.name} dialect")
