"""A repository base: get, create, save, delete and list one model, scoped to a project.

>>> images = Repository(Image, label="Image")
>>> image = images.create(session, name="web", project_id=project)
>>> images.get(session, image.id, project_id=project)      # EntityNotFound (a 404) if absent or another's
>>> images.list(session, filters={"status": "ACTIVE"}, project_id=project, limit=20)

Repositories take the session they work in: the request's (one
transaction per request) or a task's. They never commit; the unit that
opened the session does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, func, inspect, select
from sqlalchemy.orm import Session

from cravat.db.errors import EntityNotFound

M = TypeVar("M")


class Repository(Generic[M]):
    """Data access for one mapped model. ``project_column`` scopes every query when a project is given."""

    def __init__(self, model: type[M], *, label: str | None = None, project_column: str = "project_id") -> None:
        self.model = model
        self.label = label or model.__name__
        mapper = inspect(model)
        (self._key,) = mapper.primary_key  # one-column primary keys: an id in the URL
        self._project = mapper.columns.get(project_column)
        self._columns = {c.key: c for c in mapper.columns}

    def query(self, *, filters: Mapping[str, Any] | None = None, project_id: Any = None) -> Select[Any]:
        """A SELECT of the model, filtered by column equality and scoped to ``project_id`` if given."""
        stmt = select(self.model)
        if project_id is not None:
            if self._project is None:
                raise TypeError(f"{self.label} has no project column to scope by")
            stmt = stmt.where(self._project == project_id)
        for name, value in (filters or {}).items():
            column = self._columns.get(name)
            if column is None:
                raise KeyError(f"{self.label} has no column {name!r} to filter on")
            stmt = stmt.where(column.in_(value) if isinstance(value, (list, tuple, set)) else column == value)
        return stmt

    def find(self, session: Session, entity_id: Any, *, project_id: Any = None,
             for_update: bool = False) -> M | None:
        """The entity, or None."""
        stmt = self.query(project_id=project_id).where(self._key == entity_id)
        if for_update:
            stmt = stmt.with_for_update()
        return session.scalars(stmt).one_or_none()

    def get(self, session: Session, entity_id: Any, *, project_id: Any = None, for_update: bool = False) -> M:
        """The entity; ``EntityNotFound`` (a 404) if there is none, or it is another project's."""
        entity = self.find(session, entity_id, project_id=project_id, for_update=for_update)
        if entity is None:
            raise EntityNotFound(self.label, entity_id)
        return entity

    def create(self, session: Session, **values: Any) -> M:
        """A new entity, added and flushed (its defaults filled in; a constraint breaks here, as a 409)."""
        entity = self.model(**values)
        session.add(entity)
        session.flush()
        return entity

    def save(self, session: Session, entity: M) -> M:
        """Write the entity's changes now (flush), in the session's transaction."""
        session.add(entity)
        session.flush()
        return entity

    def delete(self, session: Session, entity_id: Any, *, project_id: Any = None) -> None:
        """Delete the entity; ``EntityNotFound`` if there is none."""
        session.delete(self.get(session, entity_id, project_id=project_id))
        session.flush()

    def list(self, session: Session, *, filters: Mapping[str, Any] | None = None, project_id: Any = None,
             order_by: Sequence[Any] = (), limit: int | None = None, offset: int | None = None) -> list[M]:
        """Entities matching ``filters``, in ``order_by`` order (the primary key by default)."""
        stmt = self.query(filters=filters, project_id=project_id).order_by(*(order_by or (self._key,)))
        if limit is not None:
            stmt = stmt.limit(limit)
        if offset:
            stmt = stmt.offset(offset)
        return list(session.scalars(stmt))

    def count(self, session: Session, *, filters: Mapping[str, Any] | None = None, project_id: Any = None) -> int:
        stmt = self.query(filters=filters, project_id=project_id)
        return session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
