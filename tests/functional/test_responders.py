"""Verb responders, through HTTP: on_<verb> methods at a template with parameters."""

from __future__ import annotations

import pytest

import cravat


class BucketObject:
    def on_get(self, req, bucket, key):
        return {"bucket": bucket, "key": key}

    @cravat.response(201)
    def on_post(self, req, bucket, key, body):
        return {"bucket": bucket, "key": key, "stored": body}

    def on_delete(self, req, bucket, key):
        return None


class Status:
    def on_get(self, req):
        return {"status": "ok"}


@pytest.fixture(scope="module")
def client(serve):
    api = cravat.API(error_style="nova")
    api.route("/buckets/{bucket}/objects/{key}", BucketObject(), name="object")
    api.route("/status", Status())
    return serve(api)


def test_on_get_receives_every_path_parameter(client):
    response = client.get("/buckets/photos/objects/cat.jpg")
    assert response.status == 200
    assert response.json() == {"bucket": "photos", "key": "cat.jpg"}


def test_on_post_receives_parameters_and_body_with_its_declared_status(client):
    response = client.post("/buckets/photos/objects/cat.jpg", json={"size": 3})
    assert response.status == 201
    assert response.json() == {"bucket": "photos", "key": "cat.jpg", "stored": {"size": 3}}


def test_on_delete_returning_none_answers_200_with_an_empty_body(client):
    response = client.delete("/buckets/photos/objects/cat.jpg")
    assert response.status == 200
    assert response.headers["Content-Length"] == "0"
    assert response.body == b""
    assert response.content_type is None


def test_verb_without_a_responder_is_405_listing_the_responders(client):
    response = client.put("/buckets/photos/objects/cat.jpg", json={})
    assert response.status == 405
    assert response.headers["Allow"] == "GET, HEAD, POST, DELETE, OPTIONS"


def test_responder_at_a_static_template(client):
    response = client.get("/status")
    assert response.status == 200
    assert response.json() == {"status": "ok"}
    assert response.content_type == "application/json"
