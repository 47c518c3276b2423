"""Every table of the key manager, with Barbican's field sizes (barbican/model/models.py).

Projects are stored by their external id (Keystone's, up to 255 characters), not through a projects
table. Rows are deleted, not soft-deleted; children (metadata, consumers, ACLs, container members) go
with their parent by ``ON DELETE CASCADE``. An order keeps the ids of what it made after they are
deleted, as Barbican's order keeps its refs, so those columns carry no foreign key.
"""

from __future__ import annotations

import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

#: Barbican's lengths (models.py) for order errors and sub-status.
ERROR_REASON_LENGTH = 255
SUB_STATUS_LENGTH = 36
SUB_STATUS_MESSAGE_LENGTH = 255

PENDING, ACTIVE, ERROR = "PENDING", "ACTIVE", "ERROR"


class Base(DeclarativeBase):
    pass


def _id() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True)


def _project() -> Mapped[str]:
    return mapped_column(String(255), nullable=False, index=True)


def _created() -> Mapped[datetime.datetime]:
    return mapped_column(DateTime, nullable=False)


def _parent(table: str) -> Mapped[str]:
    return mapped_column(String(36), ForeignKey(f"{table}.id", ondelete="CASCADE"), nullable=False, index=True)


class ProjectKey(Base):
    """A project's key-encryption key, wrapped by the master KEK (simple_crypto's KEKDatum)."""

    __tablename__ = "km_project_keys"
    __table_args__ = (UniqueConstraint("project_id", "plugin_name", name="km_project_keys_project_plugin"),)

    id: Mapped[str] = _id()
    project_id: Mapped[str] = _project()
    plugin_name: Mapped[str] = mapped_column(String(255), nullable=False)
    kek_label: Mapped[str | None] = mapped_column(String(255))
    algorithm: Mapped[str | None] = mapped_column(String(255))
    bit_length: Mapped[int | None] = mapped_column(Integer)
    mode: Mapped[str | None] = mapped_column(String(255))
    #: The project KEK encrypted by the master KEK (nonce + ciphertext + tag).
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    created_at: Mapped[datetime.datetime] = _created()


class Secret(Base):
    __tablename__ = "km_secrets"
    __table_args__ = (Index("km_secrets_project_created", "project_id", "created_at", "id"),)

    id: Mapped[str] = _id()
    project_id: Mapped[str] = _project()
    creator_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    secret_type: Mapped[str] = mapped_column(String(255), nullable=False, default="opaque")
    algorithm: Mapped[str | None] = mapped_column(String(255))
    bit_length: Mapped[int | None] = mapped_column(Integer)
    mode: Mapped[str | None] = mapped_column(String(255))
    expiration: Mapped[datetime.datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ACTIVE)
    #: The payload's content type (Barbican's encrypted datum's); None while the secret has no payload.
    content_type: Mapped[str | None] = mapped_column(String(255))
    #: The payload as the crypto plugin encrypted it, and what the plugin needs to decrypt it.
    cypher_text: Mapped[bytes | None] = mapped_column(LargeBinary)
    kek_meta_extended: Mapped[str | None] = mapped_column(Text)
    project_key_id: Mapped[str | None] = mapped_column(String(36), ForeignKey("km_project_keys.id"))
    plugin_name: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = _created()
    updated_at: Mapped[datetime.datetime] = _created()


class SecretMetadatum(Base):
    """User metadata of a secret (Barbican's SecretUserMetadatum): one value per key."""

    __tablename__ = "km_secret_metadata"

    secret_id: Mapped[str] = mapped_column(String(36), ForeignKey("km_secrets.id", ondelete="CASCADE"),
                                           primary_key=True)
    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    value: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime.datetime] = _created()
    updated_at: Mapped[datetime.datetime] = _created()


class SecretConsumer(Base):
    """A service's registered use of a secret (Barbican's SecretConsumerMetadatum, API 1.1+)."""

    __tablename__ = "km_secret_consumers"
    __table_args__ = (UniqueConstraint("secret_id", "service", "resource_type", "resource_id",
                                       name="km_secret_consumers_resource"),)

    id: Mapped[str] = _id()
    secret_id: Mapped[str] = _parent("km_secrets")
    project_id: Mapped[str | None] = mapped_column(String(255), index=True)
    service: Mapped[str] = mapped_column(String(255), nullable=False)
    resource_type: Mapped[str] = mapped_column(String(255), nullable=False)
    resource_id: Mapped[str] = mapped_column(String(36), nullable=False, index=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ACTIVE)
    created_at: Mapped[datetime.datetime] = _created()
    updated_at: Mapped[datetime.datetime] = _created()


class Order(Base):
    __tablename__ = "km_orders"
    __table_args__ = (Index("km_orders_project_created", "project_id", "created_at", "id"),)

    id: Mapped[str] = _id()
    project_id: Mapped[str] = _project()
    creator_id: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255), nullable=False, default="key")
    meta: Mapped[Any] = mapped_column(JSON, nullable=True)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=PENDING)
    secret_id: Mapped[str | None] = mapped_column(String(36))
    container_id: Mapped[str | None] = mapped_column(String(36))
    error_status_code: Mapped[str | None] = mapped_column(String(16))
    error_reason: Mapped[str | None] = mapped_column(String(ERROR_REASON_LENGTH))
    sub_status: Mapped[str | None] = mapped_column(String(SUB_STATUS_LENGTH))
    sub_status_message: Mapped[str | None] = mapped_column(String(SUB_STATUS_MESSAGE_LENGTH))
    created_at: Mapped[datetime.datetime] = _created()
    updated_at: Mapped[datetime.datetime] = _created()


class Container(Base):
    __tablename__ = "km_containers"
    __table_args__ = (Index("km_containers_project_created", "project_id", "created_at", "id"),)

    id: Mapped[str] = _id()
    project_id: Mapped[str] = _project()
    creator_id: Mapped[str | None] = mapped_column(String(255))
    name: Mapped[str | None] = mapped_column(String(255))
    type: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ACTIVE)
    created_at: Mapped[datetime.datetime] = _created()
    updated_at: Mapped[datetime.datetime] = _created()


class ContainerSecret(Base):
    """A secret in a container, under a name (which may be empty for generic containers)."""

    __tablename__ = "km_container_secrets"
    __table_args__ = (UniqueConstraint("container_id", "secret_id", "name", name="km_container_secrets_name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    container_id: Mapped[str] = _parent("km_containers")
    secret_id: Mapped[str] = _parent("km_secrets")
    name: Mapped[str | None] = mapped_column(String(255))


class ContainerConsumer(Base):
    """A service's registered use of a container (Barbican's ContainerConsumerMetadatum)."""

    __tablename__ = "km_container_consumers"
    __table_args__ = (UniqueConstraint("container_id", "name", "URL", name="km_container_consumers_values"),)

    id: Mapped[str] = _id()
    container_id: Mapped[str] = _parent("km_containers")
    project_id: Mapped[str | None] = mapped_column(String(255), index=True)
    name: Mapped[str] = mapped_column(String(36), nullable=False)
    URL: Mapped[str] = mapped_column(String(255), nullable=False)
    status: Mapped[str] = mapped_column(String(20), nullable=False, default=ACTIVE)
    created_at: Mapped[datetime.datetime] = _created()
    updated_at: Mapped[datetime.datetime] = _created()


class SecretACL(Base):
    """Who besides the project may do ``operation`` ("read") on a secret: users, and whether the project may."""

    __tablename__ = "km_secret_acls"
    __table_args__ = (UniqueConstraint("secret_id", "operation", name="km_secret_acls_operation"),)

    id: Mapped[str] = _id()
    secret_id: Mapped[str] = _parent("km_secrets")
    operation: Mapped[str] = mapped_column(String(255), nullable=False)
    project_access: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    users: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    creator_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = _created()
    updated_at: Mapped[datetime.datetime] = _created()


class ContainerACL(Base):
    __tablename__ = "km_container_acls"
    __table_args__ = (UniqueConstraint("container_id", "operation", name="km_container_acls_operation"),)

    id: Mapped[str] = _id()
    container_id: Mapped[str] = _parent("km_containers")
    operation: Mapped[str] = mapped_column(String(255), nullable=False)
    project_access: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    users: Mapped[list[str]] = mapped_column(JSON, nullable=False, default=list)
    creator_id: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = _created()
    updated_at: Mapped[datetime.datetime] = _created()
