"""The request's session: one transaction per request, committed before the answer, errors mapped once."""

import io
import json
import sys

import pytest

import cravat
from cravat import Result, errors
from cravat.api.lifecycle import LifecycleError
from cravat.db import Database
from cravat.testing import Client

from .models import IMAGES, Base, Image


def build(db, seen=None):
    api = cravat.API(error_style="barbican")
    cravat.db.attach(api, db)

    def look(req, image_id):
        """An after-transaction hook: what it finds, on a connection of its own, and whether the session is gone."""
        with db.connection() as conn:
            names = [row.name for row in conn.exec_driver_sql(f"SELECT name FROM images WHERE id = '{image_id}'")]
        seen.append((image_id, names, "cravat.db.session" in req.environ))
        if image_id == "boom":
            raise RuntimeError("a hook that fails")

    class Images:
        @cravat.response(201)
        def create(self, req, session, body):
            # Not flushed: a duplicate name breaks the constraint only at the commit.
            session.add(Image(id=body["id"], project_id="p", name=body["name"]))
            for image_id in body.get("hooks", ()):
                cravat.db.after_transaction(req.environ, lambda image_id=image_id: look(req, image_id))
            if body.get("fail"):
                raise errors.BadRequest("Refused after the hooks were left.")
            return Result({"id": body["id"]})

        def show(self, req, session, id):
            return {"name": IMAGES.get(session, id).name}

        def delete(self, req, session, id):
            IMAGES.delete(session, id)
            raise errors.Conflict("Changed my mind.")

    api.resource("/images", Images())
    return api


SEEN = []


@pytest.fixture
def api(database_url):
    SEEN.clear()
    db = Database(database_url, metadata=Base.metadata)
    Base.metadata.create_all(db.engine)
    api = build(db, SEEN)
    api.lifecycle.start()
    yield api
    api.lifecycle.stop()


@pytest.fixture
def client(api):
    return Client(api)


def post_unclosed(api, body):
    """POST /images straight into the app: (status, what SEEN held once the app returned, the answer unclosed)."""
    raw = json.dumps(body).encode()
    environ = {"REQUEST_METHOD": "POST", "PATH_INFO": "/images", "QUERY_STRING": "", "SERVER_NAME": "127.0.0.1",
               "SERVER_PORT": "80", "SERVER_PROTOCOL": "HTTP/1.1", "HTTP_HOST": "127.0.0.1",
               "wsgi.url_scheme": "http", "wsgi.input": io.BytesIO(raw), "wsgi.errors": sys.stderr,
               "CONTENT_TYPE": "application/json", "CONTENT_LENGTH": str(len(raw))}
    answer = {}
    result = api(environ, lambda status, headers, exc_info=None: answer.setdefault("status", status))
    return int(answer["status"][:3]), list(SEEN), result


def test_what_a_handler_saves_is_committed_before_the_answer(client):
    assert client.post("/images", json={"id": "a", "name": "web"}).status_code == 201
    assert client.get("/images/a").json == {"name": "web"}


def test_after_transaction_work_runs_once_the_commit_is_done_and_the_session_closed_before_the_answer(api):
    status, seen, result = post_unclosed(api, {"id": "a", "name": "web", "hooks": ["a", "boom", "a"]})
    # Done when the app returned, before its answer was read or closed; each hook saw the row from a
    # connection of its own (committed) and no session left in the request (closed); one raising stops none.
    assert status == 201
    assert seen == [("a", ["web"], False), ("boom", [], False), ("a", ["web"], False)]
    assert json.loads(b"".join(result)) == {"id": "a"}


def test_after_transaction_work_of_a_request_that_rolls_back_is_forgotten(api):
    status, seen, _ = post_unclosed(api, {"id": "a", "name": "web", "hooks": ["a"], "fail": True})
    assert (status, seen) == (400, [])
    status, seen, _ = post_unclosed(api, {"id": "b", "name": "db", "hooks": ["b"]})
    assert (status, seen) == (201, [("b", ["db"], False)])  # nothing left over from the one that rolled back


def test_a_commit_that_breaks_a_constraint_is_a_409_never_a_201(client):
    client.post("/images", json={"id": "a", "name": "web"})
    answer = client.post("/images", json={"id": "b", "name": "web"})
    assert answer.status_code == 409
    assert answer.json["title"] == "Conflict"
    assert "images_project_name" in answer.json["description"] or "images.project_id" in answer.json["description"]
    assert client.get("/images/b").status_code == 404


def test_a_handler_that_raises_rolls_its_transaction_back(client):
    client.post("/images", json={"id": "a", "name": "web"})
    assert client.delete("/images/a").status_code == 409
    assert client.get("/images/a").status_code == 200


def test_a_missing_entity_is_a_404_naming_it_in_the_apis_style(client):
    answer = client.get("/images/nope")
    assert answer.status_code == 404
    assert answer.json == {"code": 404, "title": "Not Found", "description": "Image nope could not be found."}


def test_a_database_that_is_away_is_a_503_in_the_apis_style_not_a_500():
    api = build(Database("postgresql://postgres@127.0.0.1:1/none", connect_timeout=1))
    answer = Client(api).get("/images/a")
    assert answer.status_code == 503
    assert answer.json == {"code": 503, "title": "Service Unavailable",
                           "description": "The database is unavailable; try again later."}
    assert answer.headers["Retry-After"] == "1"


def test_an_api_whose_database_is_down_fails_to_start_naming_it():
    api = build(Database("postgresql://postgres@127.0.0.1:1/none", connect_timeout=1))
    with pytest.raises(LifecycleError, match="127.0.0.1:1/none") as info:
        api.lifecycle.start()
    assert isinstance(info.value.__cause__, cravat.db.DatabaseUnavailable)


def test_the_api_finds_its_database_among_its_resources(tmp_path):
    db = Database(f"sqlite:///{tmp_path}/x.db")
    assert cravat.db.database_of(build(db)) is db
