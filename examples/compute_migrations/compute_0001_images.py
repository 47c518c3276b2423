"""Server images: saved PENDING by createImage, made ACTIVE by the snapshot task.

Revision ID: compute_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "compute_0001"
down_revision = None
branch_labels = ("compute",)
depends_on = None


def upgrade() -> None:
    op.create_table(
        "compute_images",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(64)),
        sa.Column("server_id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("checksum", sa.String(64)),
        sa.Column("size", sa.Integer),
        sa.Column("error_status_code", sa.String(16)),
        sa.Column("error_reason", sa.String(255)),
        sa.Column("created", sa.Float, nullable=False),
        sa.Column("updated", sa.Float),
    )
    op.create_index("compute_images_created", "compute_images", ["created", "id"])


def downgrade() -> None:
    op.drop_table("compute_images")
