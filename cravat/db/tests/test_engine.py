"""Engines from URLs: SQLite in WAL mode with explicit transactions, PostgreSQL on psycopg 3."""

import sqlite3
import threading
import time

import pytest
import sqlalchemy as sa

from cravat.db import Database, DatabaseUnavailable, after_commit, db_now


def test_a_sqlite_database_is_a_file_in_wal_mode(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/sub/dir/service.db")
    db.start()
    with db.connection() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    assert (tmp_path / "sub/dir/service.db").exists()
    db.stop()


def test_an_in_memory_sqlite_database_is_refused_naming_why():
    with pytest.raises(ValueError, match="needs a SQLite file"):
        Database("sqlite://").start()


def test_a_url_that_is_not_one_is_refused_naming_it():
    with pytest.raises(ValueError, match="'not a url' is not a database URL"):
        Database("not a url")
    with pytest.raises(ValueError, match="cravat supports SQLite and PostgreSQL"):
        Database("mysql://root@127.0.0.1/test")


def test_postgresql_urls_mean_psycopg_3():
    assert Database("postgresql://u@h/d").url.drivername == "postgresql+psycopg"


def test_a_database_that_does_not_answer_is_a_clear_error_without_its_password():
    db = Database("postgresql://cravat:s3cret@127.0.0.1:1/none", connect_timeout=1)
    started = time.monotonic()
    with pytest.raises(DatabaseUnavailable) as caught:
        db.start()
    assert time.monotonic() - started < 5
    assert "cannot connect to the database postgresql+psycopg://cravat:***@127.0.0.1:1/none" in str(caught.value)
    assert "s3cret" not in str(caught.value)


def test_a_sqlite_writer_waits_for_the_other_writer_instead_of_failing_half_way(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/w.db", busy_timeout=5)
    with db.connection(write=True) as conn:
        conn.exec_driver_sql("CREATE TABLE counter (n INTEGER)")
        conn.exec_driver_sql("INSERT INTO counter VALUES (0)")

    def increment():
        for _ in range(20):
            with db.connection(write=True) as conn:  # BEGIN IMMEDIATE: read-modify-write is safe
                n = conn.exec_driver_sql("SELECT n FROM counter").scalar()
                conn.exec_driver_sql(f"UPDATE counter SET n = {n + 1}")

    threads = [threading.Thread(target=increment) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    with db.connection() as conn:
        assert conn.exec_driver_sql("SELECT n FROM counter").scalar() == 80


def test_a_sqlite_writer_that_waits_out_busy_timeout_gets_sqlalchemys_operational_error(tmp_path):
    # The begin event runs BEGIN IMMEDIATE on the driver itself; its failure must still be SQLAlchemy's
    # OperationalError (cravat.db answers it 503), and the transaction must not have begun.
    db = Database(f"sqlite:///{tmp_path}/busy.db", busy_timeout=0.05)
    with db.connection(write=True) as conn:
        conn.exec_driver_sql("CREATE TABLE t (n INTEGER)")
    with db.connection(write=True) as holder:
        holder.exec_driver_sql("INSERT INTO t VALUES (1)")
        with pytest.raises(sa.exc.OperationalError, match="database is locked") as caught:
            with db.transaction(write=True) as session:
                session.execute(sa.text("INSERT INTO t VALUES (2)"))
        assert isinstance(caught.value.orig, sqlite3.OperationalError)
        assert "BEGIN IMMEDIATE" in str(caught.value)
    with db.transaction() as session:  # a reader begins (deferred BEGIN) and sees only the first row
        assert session.execute(sa.text("SELECT n FROM t")).scalars().all() == [1]


def test_after_commit_hooks_run_once_the_transaction_commits_and_never_after_a_rollback(database_url):
    db = Database(database_url)
    ran = []
    with db.transaction() as session:
        after_commit(session, lambda: ran.append("committed"))
        assert ran == []
    assert ran == ["committed"]
    with pytest.raises(RuntimeError), db.transaction() as session:
        after_commit(session, lambda: ran.append("rolled back"))
        raise RuntimeError("abandon")
    assert ran == ["committed"]
    db.stop()


def test_the_database_clock_is_seconds_since_the_epoch(database_url):
    db = Database(database_url)
    with db.transaction() as session:
        first = session.scalar(sa.select(db_now()))
        second = session.scalar(sa.select(db_now()))
    assert abs(first - time.time()) < 5
    assert second >= first
    db.stop()
