"""Pagination: limit and marker with next links (Nova), limit and offset with total, next, previous (Barbican)."""

import pytest

import cravat
from cravat.db import Database, marker_page, offset_page
from cravat.testing import Client

from .models import IMAGES, Base, Image


@pytest.fixture
def client(database_url):
    db = Database(database_url, metadata=Base.metadata)
    Base.metadata.create_all(db.engine)
    with db.transaction() as session:
        for n in range(5):
            IMAGES.create(session, id=f"id-{n}", project_id="p", name=f"image-{n}", created=float(10 - n))
    api = cravat.API(error_style="nova")
    cravat.db.attach(api, db)
    query = {"type": "object", "additionalProperties": False,
             "properties": {"limit": {"type": "integer"}, "marker": {"type": "string"},
                            "offset": {"type": "integer"}, "name": {"type": "string"}}}

    class Images:
        @cravat.validate(query=query)
        def index(self, req, session, limit=None, marker=None, name=None):
            page = marker_page(session, IMAGES.query(), Image.id, limit=limit, marker=marker)
            return {"images": [i.id for i in page.items], "images_links": page.links(req)}

    class Orders:
        @cravat.validate(query=query)
        def index(self, req, session, limit=None, offset=None):
            page = offset_page(session, IMAGES.query(), Image.created, limit=limit, offset=offset)
            return {"orders": [i.id for i in page.items], "total": page.total, **page.links(req)}

    api.resource("/images", Images())
    api.resource("/orders", Orders())
    yield Client(api, base_url="http://api.example.com")
    db.stop()


def test_marker_pages_follow_next_links_to_the_end(client):
    first = client.get("/images?limit=2&name=x").json
    assert first["images"] == ["id-0", "id-1"]
    assert first["images_links"] == [{"rel": "next", "href": "http://api.example.com/images?limit=2&name=x&marker=id-1"}]
    second = client.get("/images?limit=2&marker=id-1").json
    assert second["images"] == ["id-2", "id-3"]
    last = client.get("/images?limit=2&marker=id-3").json
    assert last == {"images": ["id-4"], "images_links": []}


def test_an_unknown_marker_is_a_400_naming_it(client):
    answer = client.get("/images?marker=gone")
    assert answer.status_code == 400
    assert answer.json["badRequest"]["message"] == "The marker 'gone' could not be found."


def test_a_limit_below_one_is_a_400(client):
    assert client.get("/images?limit=0").status_code == 400


def test_offset_pages_say_the_total_and_link_next_and_previous(client):
    middle = client.get("/orders?limit=2&offset=2").json
    assert middle["orders"] == ["id-2", "id-1"]  # by created: id-4 is the oldest
    assert middle["total"] == 5
    assert middle["next"] == "http://api.example.com/orders?limit=2&offset=4"
    assert middle["previous"] == "http://api.example.com/orders?limit=2&offset=0"
    first = client.get("/orders?limit=2").json
    assert "previous" not in first and first["orders"] == ["id-4", "id-3"]
    last = client.get("/orders?limit=2&offset=4").json
    assert "next" not in last and last["orders"] == ["id-0"]


def test_a_negative_offset_is_a_400(client):
    assert client.get("/orders?offset=-1").status_code == 400
