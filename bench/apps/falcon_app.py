"""Falcon 4: responder classes (on_get, on_post, ...) mounted with add_route.

Falcon renders its own errors as JSON when the client accepts it, and answers
a wrong verb with 405 and an Allow header computed when the route was added.
The validated app checks create with Falcon's own jsonschema decorator.
"""

import falcon
from falcon.media.validators import jsonschema

from bench.apps.contract import action_name
from bench.apps.server_schema import SERVER_SCHEMA


class Ping:
    def on_get(self, req, resp):
        resp.media = {"ping": "pong"}


class Collection:
    def on_get(self, req, resp):
        resp.media = {"items": []}

    def on_post(self, req, resp):
        resp.media = req.get_media()
        resp.status = falcon.HTTP_201


class ValidatedCollection(Collection):
    # Falcon's decorator runs jsonschema.validate() with a FormatChecker, so
    # 'format: uuid' is enforced and a bad body is a 400 (MediaValidationError).
    @jsonschema.validate(req_schema=SERVER_SCHEMA)
    def on_post(self, req, resp):
        super().on_post(req, resp)


class Member:
    def __init__(self, name):
        self.name = name

    def on_get(self, req, resp, id):
        resp.media = {"id": id, "name": self.name}

    def on_put(self, req, resp, id):
        resp.media = req.get_media()

    def on_delete(self, req, resp, id):
        resp.status = falcon.HTTP_204


class Action:
    def on_post(self, req, resp, id):
        if action_name(req.get_media()) is None:
            raise falcon.HTTPBadRequest(
                description="the body must name one known action")
        resp.status = falcon.HTTP_202


def make_app(n):
    return _app(n, Collection())


def make_validated_app(n):
    """make_app, with create checking SERVER_SCHEMA (jsonschema, per request)."""
    return _app(n, ValidatedCollection())


def _app(n, collection):
    app = falcon.App()
    app.add_route("/ping", Ping())
    action = Action()
    for i in range(n):
        prefix = f"/v1/r{i}"
        app.add_route(prefix, collection)
        app.add_route(prefix + "/{id}", Member(f"r{i}"))
        app.add_route(prefix + "/{id}/action", action)
    return app
