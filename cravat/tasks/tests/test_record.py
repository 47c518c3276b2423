"""``Task.record``: a task's changes to its entity written with one UPDATE, not by the session's flush."""

import pytest
from sqlalchemy import ForeignKey, Integer, String, event
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm.exc import StaleDataError

from cravat.db import Database
from cravat.tasks import Task


class Base(DeclarativeBase):
    pass


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column("state", String(20))  # the attribute and its column differ
    size: Mapped[int | None] = mapped_column(Integer)


class Versioned(Base):
    __tablename__ = "versioned"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    version: Mapped[int] = mapped_column(Integer)
    __mapper_args__ = {"version_id_col": version}


class Resource(Base):
    __tablename__ = "resources"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    status: Mapped[str] = mapped_column(String(20))
    kind: Mapped[str] = mapped_column(String(20))
    __mapper_args__ = {"polymorphic_on": kind, "polymorphic_identity": "resource"}


class Volume(Resource):
    __tablename__ = "volumes"
    id: Mapped[str] = mapped_column(String(36), ForeignKey("resources.id"), primary_key=True)
    size: Mapped[int | None] = mapped_column(Integer)
    __mapper_args__ = {"polymorphic_identity": "volume"}


@pytest.fixture
def db(tmp_path):
    database = Database(f"sqlite:///{tmp_path}/jobs.db", metadata=Base.metadata)
    Base.metadata.create_all(database.engine)
    with database.transaction(write=True) as session:
        session.add_all([Job(id="a", status="PENDING"), Job(id="b", status="PENDING"),
                         Versioned(id="v", status="PENDING"), Volume(id="vol", status="PENDING")])
    yield database
    database.stop()


def statements(database):
    seen = []
    event.listen(database.engine, "before_cursor_execute", lambda conn, cursor, sql, *rest: seen.append(sql))
    return seen


def test_record_writes_the_values_with_one_update_and_leaves_nothing_for_the_flush(db):
    with db.transaction() as session:
        job = session.get(Job, "a")
    seen = statements(db)
    with db.transaction(write=True) as session:
        attached = session.merge(job, load=False)
        Task().record(session, attached, status="ACTIVE", size=42)
        assert (attached.status, attached.size) == ("ACTIVE", 42)
        assert not session.dirty
    updates = [sql for sql in seen if sql.startswith("UPDATE")]
    assert len(updates) == 1 and "state" in updates[0]
    with db.transaction() as session:
        assert (session.get(Job, "a").status, session.get(Job, "a").size) == ("ACTIVE", 42)
        assert session.get(Job, "b").status == "PENDING"  # by primary key: the other row is untouched


def test_record_of_a_row_that_is_gone_raises_as_the_flush_would(db):
    with db.transaction() as session:
        job = session.get(Job, "a")
    with db.transaction(write=True) as session:
        session.delete(session.get(Job, "a"))
    with pytest.raises(StaleDataError), db.transaction(write=True) as session:
        Task().record(session, session.merge(job, load=False), status="ACTIVE")


def test_a_versioned_entity_is_left_to_the_flush_which_checks_its_version(db):
    with db.transaction(write=True) as session:
        entity = session.get(Versioned, "v")
        Task().record(session, entity, status="ACTIVE")
        assert entity in session.dirty
    with db.transaction() as session:
        row = session.get(Versioned, "v")
        assert (row.status, row.version) == ("ACTIVE", 2)


def test_an_inherited_entity_whose_columns_span_two_tables_is_left_to_the_flush(db):
    # Volume's status lives in the parent table: one UPDATE of the volumes table cannot write it.
    with db.transaction(write=True) as session:
        volume = session.get(Volume, "vol")
        Task().record(session, volume, status="ACTIVE", size=8)
        assert volume in session.dirty
    with db.transaction() as session:
        row = session.get(Volume, "vol")
        assert (row.status, row.size) == ("ACTIVE", 8)
