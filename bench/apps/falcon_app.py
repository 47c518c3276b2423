"""Falcon 4: responder classes (on_get, on_post, ...) mounted with add_route.

Falcon renders its own errors as JSON when the client accepts it, and answers
a wrong verb with 405 and an Allow header computed when the route was added.
"""

import falcon

from bench.apps.contract import action_name


class Ping:
    def on_get(self, req, resp):
        resp.media = {"ping": "pong"}


class Collection:
    def on_get(self, req, resp):
        resp.media = {"items": []}

    def on_post(self, req, resp):
        resp.media = req.get_media()
        resp.status = falcon.HTTP_201


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
    app = falcon.App()
    app.add_route("/ping", Ping())
    collection, action = Collection(), Action()
    for i in range(n):
        prefix = f"/v1/r{i}"
        app.add_route(prefix, collection)
        app.add_route(prefix + "/{id}", Member(f"r{i}"))
        app.add_route(prefix + "/{id}/action", action)
    return app
