"""Models the database tests share: images with a unique name per project."""

from sqlalchemy import Float, String, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from cravat.db import Repository


class Base(DeclarativeBase):
    pass


class Image(Base):
    __tablename__ = "images"
    __table_args__ = (UniqueConstraint("project_id", "name", name="images_project_name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    project_id: Mapped[str] = mapped_column(String(36))
    name: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="ACTIVE")
    created: Mapped[float] = mapped_column(Float, default=0.0)


IMAGES = Repository(Image, label="Image")
