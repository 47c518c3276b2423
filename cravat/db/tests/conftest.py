"""Each database test runs on SQLite (a file of its own) and on the real PostgreSQL (a schema of its own)."""

import pytest

from cravat.db.testing import scratch_database


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    with scratch_database(request.param, tmp_path) as url:
        yield url
