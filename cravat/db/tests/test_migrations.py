"""Alembic migrations from cravat's own environment: upgrade, current, revision; a failure is rolled back."""

from pathlib import Path

import pytest
import sqlalchemy as sa

from cravat.db import Database, MigrationError, migrations
from cravat.tasks.table import MIGRATIONS as TASK_MIGRATIONS

from .models import Base

FIRST = '''
"""images"""
import sqlalchemy as sa
from alembic import op

revision = "svc_0001"
down_revision = None
branch_labels = ("svc",)
depends_on = None


def upgrade():
    op.create_table("images", sa.Column("id", sa.String(36), primary_key=True))


def downgrade():
    op.drop_table("images")
'''

BROKEN = '''
"""a second table, then a statement that fails"""
import sqlalchemy as sa
from alembic import op

revision = "svc_0002"
down_revision = "svc_0001"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table("half_done", sa.Column("id", sa.Integer, primary_key=True))
    op.execute("INSERT INTO no_such_table VALUES (1)")


def downgrade():
    pass
'''


def database(url, directory, metadata=None):
    db = Database(url, metadata=metadata, migrations=[directory], name="svc")
    db.add_migrations(TASK_MIGRATIONS, tables=("cravat_tasks",))
    return db


def tables(db):
    return set(sa.inspect(db.engine).get_table_names())


def test_upgrade_applies_the_services_and_the_task_tables_heads(database_url, tmp_path):
    (tmp_path / "svc_0001.py").write_text(FIRST)
    db = database(database_url, tmp_path)
    assert sorted(migrations.pending(db)) == ["cravat_tasks_0001", "svc_0001"]
    migrations.upgrade(db)
    assert {"images", "cravat_tasks", "alembic_version"} <= tables(db)
    assert migrations.current(db) == ["cravat_tasks_0001 (head)", "svc_0001 (head)"]
    assert migrations.pending(db) == []
    db.stop()


def test_a_failing_migration_is_rolled_back_and_named(database_url, tmp_path):
    (tmp_path / "svc_0001.py").write_text(FIRST)
    (tmp_path / "svc_0002.py").write_text(BROKEN)
    db = database(database_url, tmp_path)
    with pytest.raises(MigrationError, match=r"^migration svc_0002 failed and was rolled back: .*no_such_table"):
        migrations.upgrade(db)
    assert "half_done" not in tables(db)  # its own transaction, rolled back whole
    assert "svc_0001 (head)" not in migrations.current(db) and "svc_0001" in migrations.current(db)
    db.stop()


def test_revision_writes_the_services_next_migration_and_autogenerate_leaves_the_task_table_alone(tmp_path):
    directory = tmp_path / "versions"
    directory.mkdir()
    db = database(f"sqlite:///{tmp_path}/svc.db", directory, metadata=Base.metadata)
    migrations.upgrade(db)
    path = migrations.revision(db, "the images table", autogenerate=True)
    text = Path(path).read_text()
    assert path.startswith(str(directory))
    assert "branch_labels: Union[str, Sequence[str], None] = ('svc',)" in text
    assert "op.create_table('images'" in text.replace('"', "'")
    assert "cravat_tasks" not in text
    migrations.upgrade(db)
    assert "images" in tables(db)
    second = migrations.revision(db, "nothing yet")
    assert f"down_revision: Union[str, Sequence[str], None] = {path.split('/')[-1].split('_')[0]!r}" in \
        Path(second).read_text()
    migrations.upgrade(db)
    assert len([r for r in migrations.current(db) if r.endswith("(head)")]) == 2
    db.stop()


def test_a_database_without_migrations_says_so():
    with pytest.raises(MigrationError, match="has no migrations"):
        migrations.upgrade(Database("sqlite:////tmp/never.db"))
