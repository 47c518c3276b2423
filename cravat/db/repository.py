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

from sqlalchemy import Select, bindparam, func, inspect, select
from sqlalchemy.orm import Session

from cravat.db.errors import EntityNotFound

M = TypeVar("M")

#: find()'s bound values: names no model column has, so a statement never confuses them.
_ID, _PROJECT = "cravat_entity_id", "cravat_entity_project"


class Repository(Generic[M]):
    """Data access for one mapped model. ``project_column`` scopes every query when a project is given."""

    def __init__(self, model: type[M], *, label: str | None = None, project_column: str = "project_id") -> None:
        self.model = model
        self.label = label or model.__name__
        mapper = inspect(model)
        (self._key,) = mapper.primary_key  # one-column primary keys: an id in the URL
        self._project = mapper.columns.get(project_column)
        self._columns = {c.key: c for c in mapper.columns}
        self._finds: dict[tuple[bool, bool], Select[Any]] = {}

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
        if type(self).query is Repository.query and (project_id is None or self._project is not None):
            # PERF: the statement of each shape is built once, its values bound per call: building it
            # and its cache key cost about 80 us a find, more than the rest of a small request's handler.
            stmt = self._finds.get((project_id is not None, for_update))
            if stmt is None:
                stmt = self._finds[(project_id is not None, for_update)] = self._find_statement(
                    project_id is not None, for_update)
            params = {_ID: entity_id} if project_id is None else {_ID: entity_id, _PROJECT: project_id}
            return session.scalars(stmt, params).one_or_none()
        stmt = self.query(project_id=project_id).where(self._key == entity_id)
        if for_update:
            stmt = stmt.with_for_update()
        return session.scalars(stmt).one_or_none()

    def _find_statement(self, scoped: bool, for_update: bool) -> Select[Any]:
        stmt = select(self.model).where(self._key == bindparam(_ID))
        if scoped:
            stmt = stmt.where(self._project == bindparam(_PROJECT))
        return stmt.with_for_update() if for_update else stmt

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
