"""Fixtures for the key manager's tests: the service on SQLite and on PostgreSQL, behind a real HTTP server.

``km`` is the service as ``./dev serve`` runs it: etc/api-paste.ini's no-auth pipeline (cors,
http_proxy_to_wsgi, request_id, sizelimit, the no-auth context filter) with the key manager's app on a
scratch database (a SQLite file, or a PostgreSQL schema of its own, dropped afterwards), its
migrations applied and its embedded worker running, served on 127.0.0.1 by a real server. Tests
are parametrized over both databases through ``km_backend``; one service per module and backend.

    def test_store(km):
        created = km.client.post("/v1/secrets", json={"name": "a"}, project="p1")
        assert created.status == 201
        assert km.rows("km_secrets") ...                      # straight from the database

PostgreSQL down is an error naming it, never a skip.
"""

from __future__ import annotations

import base64
import configparser
import http.client
import json as jsonlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from cravat.api.lifecycle import collecting, start_all, stop_all
from cravat.db.testing import scratch_database
from cravat.deploy.devserver import BackgroundServer
from cravat.deploy.pasteload import load_paste_app

ROOT = Path(__file__).resolve().parents[3]
PASTE = ROOT / "etc" / "api-paste.ini"
#: Every wait on the network is bounded by this many seconds.
TIMEOUT = 10.0
#: The master KEK of the test services (base64 of 32 bytes).
TEST_KEK = base64.b64encode(bytes(range(32))).decode()
PROJECT = "7b5e8a3c1d2f4e6a9b0c8d7e6f5a4b3c"
OTHER_PROJECT = "0a1b2c3d4e5f60718293a4b5c6d7e8f9"
BACKENDS = ("sqlite", "postgresql")

_NO_JSON = object()


@dataclass
class Response:
    status: int
    reason: str
    headers: http.client.HTTPMessage
    body: bytes

    def json(self) -> Any:
        return jsonlib.loads(self.body)

    @property
    def content_type(self) -> str | None:
        return self.headers.get("Content-Type")

    def __repr__(self) -> str:
        return f"<Response {self.status} {self.body[:300]!r}>"


class Client:
    """``http.client`` on a fresh connection per request, so a test sets every header and the raw body.

    ``project`` (default: :data:`PROJECT`) is sent as X-Project-Id, ``user`` as X-User-Id, ``roles``
    as X-Roles; ``version`` as ``OpenStack-API-Version: key-manager <version>``.
    """

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        parts = urlsplit(base_url)
        self.host, self.port = parts.hostname, parts.port

    def request(self, method: str, path: str, *, json: Any = _NO_JSON, body: bytes | str | None = None,
                headers: dict[str, str] | None = None, project: str | None = PROJECT, user: str | None = None,
                roles: str | None = None, version: str | None = None) -> Response:
        sent = dict(headers or {})
        if json is not _NO_JSON:
            body = jsonlib.dumps(json)
            sent.setdefault("Content-Type", "application/json")
        if project is not None:
            sent.setdefault("X-Project-Id", project)
        if user is not None:
            sent.setdefault("X-User-Id", user)
        if roles is not None:
            sent.setdefault("X-Roles", roles)
        if version is not None:
            sent.setdefault("OpenStack-API-Version", f"key-manager {version}")
        data = body.encode("utf-8") if isinstance(body, str) else body
        connection = http.client.HTTPConnection(self.host, self.port, timeout=TIMEOUT)
        try:
            connection.putrequest(method, path, skip_accept_encoding=True)
            for name, value in sent.items():
                connection.putheader(name, value)
            if data is not None:
                connection.putheader("Content-Length", str(len(data)))
            connection.endheaders(data)
            answer = connection.getresponse()
            return Response(answer.status, answer.reason, answer.headers, answer.read())
        finally:
            connection.close()

    def get(self, path: str, **kw: Any) -> Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> Response:
        return self.request("PUT", path, **kw)

    def delete(self, path: str, **kw: Any) -> Response:
        return self.request("DELETE", path, **kw)


class Service:
    """A running key manager: its URL, a client, and its database read directly."""

    def __init__(self, backend: str, url: str, database_url: str, engine: sa.Engine) -> None:
        self.backend = backend
        self.url = url
        self.database_url = database_url
        self.engine = engine
        self.client = Client(url)

    def rows(self, table: str) -> list[dict[str, Any]]:
        """Every row of ``table``, sorted, as dicts (what a test compares before and after)."""
        with self.engine.connect() as connection:
            result = connection.execute(sa.text(f'SELECT * FROM "{table}"'))
            rows = [dict(row._mapping) for row in result]
        return sorted(rows, key=repr)

    def snapshot(self) -> dict[str, list[dict[str, Any]]]:
        """Every key manager table's rows: a rejected request must leave this unchanged."""
        names = sa.inspect(self.engine).get_table_names()
        return {name: self.rows(name) for name in sorted(names) if name.startswith("km_")}

    def scalar(self, sql: str, **params: Any) -> Any:
        with self.engine.connect() as connection:
            return connection.execute(sa.text(sql), params).scalar()


def paste_file(directory: Path, **settings: str) -> Path:
    """etc/api-paste.ini with ``settings`` added to its [app:keymanager] section (the database URL, the KEK)."""
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keys as written ("/v1", methods)
    parser.read(PASTE)
    for name, value in settings.items():
        parser.set("app:keymanager", name, value.replace("%", "%%"))
    # keymanager.conf beside it, for the keystone pipeline's %(here)s.
    (directory / "keymanager.conf").write_text((ROOT / "etc" / "keymanager.conf").read_text())
    path = directory / "api-paste.ini"
    with path.open("w") as handle:
        parser.write(handle)
    return path


@contextmanager
def start_service(backend: str, directory: Path, **settings: str) -> Iterator[Service]:
    """Migrate a scratch database, load the paste file's no-auth pipeline on it, serve it; stop all after."""
    with scratch_database(backend, directory) as database_url:
        path = paste_file(directory, database_url=database_url, kek=TEST_KEK, **settings)
        migrate(database_url)
        with collecting() as lifecycles:
            app = load_paste_app(str(path), name="noauth")
        start_all(lifecycles)
        server = BackgroundServer(app, host="127.0.0.1")
        engine = sa.create_engine(_sqlalchemy_url(database_url), poolclass=sa.pool.NullPool)
        try:
            url = server.__enter__()
            yield Service(backend, url, database_url, engine)
        finally:
            stopper = threading.Thread(target=server.__exit__, args=(None, None, None))
            stopper.start()
            stop_all(lifecycles)
            stopper.join(timeout=TIMEOUT)
            engine.dispose()


def migrate(database_url: str) -> None:
    """``cravat db upgrade`` on ``database_url``: the key manager's migrations and the task table."""
    from cravat.db import migrations

    from keymanager.app import build_app

    api = build_app(database_url=database_url, kek=TEST_KEK, task_threads="0")
    database = api.keymanager.database
    database.start()
    try:
        migrations.upgrade(database)
    finally:
        database.stop()


def _sqlalchemy_url(url: str) -> str:
    return url.replace("postgresql://", "postgresql+psycopg://", 1) if url.startswith("postgresql://") else url


@pytest.fixture(scope="module", params=BACKENDS)
def km_backend(request: pytest.FixtureRequest) -> str:
    """``sqlite`` or ``postgresql``: every test that uses ``km`` runs on both."""
    return request.param


@pytest.fixture(scope="module")
def km(km_backend: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The key manager on ``km_backend``, served on 127.0.0.1 for the module."""
    directory = tmp_path_factory.mktemp(f"km-{km_backend}")
    with start_service(km_backend, directory) as service:
        yield service


@pytest.fixture()
def client(km: Service) -> Client:
    return km.client

