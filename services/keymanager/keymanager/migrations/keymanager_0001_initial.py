"""Every table of the key manager: project keys, secrets and their metadata, consumers and ACLs,
orders, containers with their secrets, consumers and ACLs.

Revision ID: keymanager_0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

revision = "keymanager_0001"
down_revision = None
branch_labels = ("keymanager",)
depends_on = None


def _stamps(*, updated: bool = True) -> list[sa.Column]:
    columns = [sa.Column("created_at", sa.DateTime, nullable=False)]
    if updated:
        columns.append(sa.Column("updated_at", sa.DateTime, nullable=False))
    return columns


def _parent(table: str, column: str) -> sa.Column:
    return sa.Column(column, sa.String(36), sa.ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False)


def upgrade() -> None:
    op.create_table(
        "km_project_keys",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("plugin_name", sa.String(255), nullable=False),
        sa.Column("kek_label", sa.String(255)),
        sa.Column("algorithm", sa.String(255)),
        sa.Column("bit_length", sa.Integer),
        sa.Column("mode", sa.String(255)),
        sa.Column("wrapped_key", sa.LargeBinary, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        *_stamps(updated=False),
        sa.UniqueConstraint("project_id", "plugin_name", name="km_project_keys_project_plugin"),
    )
    op.create_index("ix_km_project_keys_project_id", "km_project_keys", ["project_id"])

    op.create_table(
        "km_secrets",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("creator_id", sa.String(255)),
        sa.Column("name", sa.String(255)),
        sa.Column("secret_type", sa.String(255), nullable=False),
        sa.Column("algorithm", sa.String(255)),
        sa.Column("bit_length", sa.Integer),
        sa.Column("mode", sa.String(255)),
        sa.Column("expiration", sa.DateTime),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("content_type", sa.String(255)),
        sa.Column("cypher_text", sa.LargeBinary),
        sa.Column("kek_meta_extended", sa.Text),
        sa.Column("project_key_id", sa.String(36), sa.ForeignKey("km_project_keys.id")),
        sa.Column("plugin_name", sa.String(255)),
        *_stamps(),
    )
    op.create_index("ix_km_secrets_project_id", "km_secrets", ["project_id"])
    op.create_index("km_secrets_project_created", "km_secrets", ["project_id", "created_at", "id"])

    op.create_table(
        "km_secret_metadata",
        sa.Column("secret_id", sa.String(36), sa.ForeignKey("km_secrets.id", ondelete="CASCADE"), primary_key=True),
        sa.Column("key", sa.String(255), primary_key=True),
        sa.Column("value", sa.String(255), nullable=False),
        *_stamps(),
    )

    op.create_table(
        "km_secret_consumers",
        sa.Column("id", sa.String(36), primary_key=True),
        _parent("km_secrets", "secret_id"),
        sa.Column("project_id", sa.String(255)),
        sa.Column("service", sa.String(255), nullable=False),
        sa.Column("resource_type", sa.String(255), nullable=False),
        sa.Column("resource_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("secret_id", "service", "resource_type", "resource_id",
                            name="km_secret_consumers_resource"),
    )
    op.create_index("ix_km_secret_consumers_secret_id", "km_secret_consumers", ["secret_id"])
    op.create_index("ix_km_secret_consumers_project_id", "km_secret_consumers", ["project_id"])
    op.create_index("ix_km_secret_consumers_resource_id", "km_secret_consumers", ["resource_id"])

    op.create_table(
        "km_orders",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("creator_id", sa.String(255)),
        sa.Column("type", sa.String(255), nullable=False),
        sa.Column("meta", sa.JSON),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("secret_id", sa.String(36)),
        sa.Column("container_id", sa.String(36)),
        sa.Column("error_status_code", sa.String(16)),
        sa.Column("error_reason", sa.String(255)),
        sa.Column("sub_status", sa.String(36)),
        sa.Column("sub_status_message", sa.String(255)),
        *_stamps(),
    )
    op.create_index("ix_km_orders_project_id", "km_orders", ["project_id"])
    op.create_index("km_orders_project_created", "km_orders", ["project_id", "created_at", "id"])

    op.create_table(
        "km_containers",
        sa.Column("id", sa.String(36), primary_key=True),
        sa.Column("project_id", sa.String(255), nullable=False),
        sa.Column("creator_id", sa.String(255)),
        sa.Column("name", sa.String(255)),
        sa.Column("type", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        *_stamps(),
    )
    op.create_index("ix_km_containers_project_id", "km_containers", ["project_id"])
    op.create_index("km_containers_project_created", "km_containers", ["project_id", "created_at", "id"])

    op.create_table(
        "km_container_secrets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _parent("km_containers", "container_id"),
        _parent("km_secrets", "secret_id"),
        sa.Column("name", sa.String(255)),
        sa.UniqueConstraint("container_id", "secret_id", "name", name="km_container_secrets_name"),
    )
    op.create_index("ix_km_container_secrets_container_id", "km_container_secrets", ["container_id"])
    op.create_index("ix_km_container_secrets_secret_id", "km_container_secrets", ["secret_id"])

    op.create_table(
        "km_container_consumers",
        sa.Column("id", sa.String(36), primary_key=True),
        _parent("km_containers", "container_id"),
        sa.Column("project_id", sa.String(255)),
        sa.Column("name", sa.String(36), nullable=False),
        sa.Column("URL", sa.String(255), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        *_stamps(),
        sa.UniqueConstraint("container_id", "name", "URL", name="km_container_consumers_values"),
    )
    op.create_index("ix_km_container_consumers_container_id", "km_container_consumers", ["container_id"])
    op.create_index("ix_km_container_consumers_project_id", "km_container_consumers", ["project_id"])

    for table, parent in (("km_secret_acls", "km_secrets"), ("km_container_acls", "km_containers")):
        entity = "secret_id" if parent == "km_secrets" else "container_id"
        op.create_table(
            table,
            sa.Column("id", sa.String(36), primary_key=True),
            _parent(parent, entity),
            sa.Column("operation", sa.String(255), nullable=False),
            sa.Column("project_access", sa.Boolean, nullable=False),
            sa.Column("users", sa.JSON, nullable=False),
            sa.Column("creator_id", sa.String(255)),
            *_stamps(),
            sa.UniqueConstraint(entity, "operation", name=f"{table}_operation"),
        )
        op.create_index(f"ix_{table}_{entity}", table, [entity])


def downgrade() -> None:
    for table in ("km_container_acls", "km_secret_acls", "km_container_consumers", "km_container_secrets",
                  "km_containers", "km_orders", "km_secret_consumers", "km_secret_metadata", "km_secrets",
                  "km_project_keys"):
        op.drop_table(table)
