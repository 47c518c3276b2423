"""Each database test runs on SQLite (a file of its own) and on the real PostgreSQL (a schema of its own)."""

import os

import pytest

from cravat.db.testing import DEFAULT_POSTGRESQL, scratch_postgresql


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/test.db"
    else:
        with scratch_postgresql(os.environ.get("CRAVAT_TEST_POSTGRESQL", DEFAULT_POSTGRESQL)) as url:
            yield url
