"""The request's session: one transaction per request, committed before the answer, errors mapped once."""

import pytest

import cravat
from cravat import Result, errors
from cravat.api.lifecycle import LifecycleError
from cravat.db import Database
from cravat.testing import Client

from .models import IMAGES, Base, Image


def build(db):
    api = cravat.API(error_style="barbican")
    cravat.db.attach(api, db)

    class Images:
        @cravat.response(201)
        def create(self, req, session, body):
            # Not flushed: a duplicate name breaks the constraint only at the commit.
            session.add(Image(id=body["id"], project_id="p", name=body["name"]))
            return Result({"id": body["id"]})

        def show(self, req, session, id):
            return {"name": IMAGES.get(session, id).name}

        def delete(self, req, session, id):
            IMAGES.delete(session, id)
            raise errors.Conflict("Changed my mind.")

    api.resource("/images", Images())
    return api


@pytest.fixture
def client(database_url):
    db = Database(database_url, metadata=Base.metadata)
    Base.metadata.create_all(db.engine)
    api = build(db)
    api.lifecycle.start()
    yield Client(api)
    api.lifecycle.stop()


def test_what_a_handler_saves_is_committed_before_the_answer(client):
    assert client.post("/images", json={"id": "a", "name": "web"}).status_code == 201
    assert client.get("/images/a").json == {"name": "web"}


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
