"""The task table (cravat's outbox) and its indexes.

Revision ID: cravat_tasks_0001
Revises:
Create Date: 2026-12-01
"""

import sqlalchemy as sa
from alembic import op

revision = "cravat_tasks_0001"
down_revision = None
branch_labels = ("cravat_tasks",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cravat_tasks",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("entity", sa.String(255), nullable=False),
        sa.Column("arguments", sa.Text, nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("max_attempts", sa.Integer, nullable=False),
        sa.Column("run_after", sa.Float, nullable=False),
        sa.Column("lease_owner", sa.String(255)),
        sa.Column("lease_expires", sa.Float),
        sa.Column("last_error", sa.Text),
        sa.Column("request_id", sa.String(64)),
        sa.Column("created_at", sa.Float, nullable=False),
        sa.Column("started_at", sa.Float),
        sa.Column("finished_at", sa.Float),
        sa.Column("published_at", sa.Float),
    )
    live = sa.text("state IN ('pending', 'running')")
    op.create_index("cravat_tasks_live", "cravat_tasks", ["entity", "name"], unique=True,
                    sqlite_where=live, postgresql_where=live)
    op.create_index("cravat_tasks_due", "cravat_tasks", ["state", "run_after"])


def downgrade() -> None:
    op.drop_index("cravat_tasks_due", "cravat_tasks")
    op.drop_index("cravat_tasks_live", "cravat_tasks")
    op.drop_table("cravat_tasks")
