"""The orders and their effects.

Revision ID: taskapp_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "taskapp_0001"
down_revision = None
branch_labels = ("taskapp",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "taskapp_orders",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(36)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("error_status_code", sa.String(16)),
        sa.Column("error_reason", sa.String(255)),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("activated", sa.Float),
    )
    op.create_index("taskapp_orders_created", "taskapp_orders", ["created"])
    op.create_table(
        "taskapp_effects",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("order_id", sa.String(36), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("taskapp_effects")
    op.drop_table("taskapp_orders")
