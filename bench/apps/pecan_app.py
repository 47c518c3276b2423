"""Pecan: RestController objects walked by attribute, as Barbican and Ironic.

One RestController class per resource is made with ``type()`` at start-up, as
an app mounting controllers from a list would. Pecan answers a wrong verb with
405 + Allow itself, and renders webob's errors, which are JSON when the client
accepts JSON.
"""

import pecan
from pecan import expose, rest

from bench.apps.contract import action_name


class ResourceController(rest.RestController):
    """index/show/create/update/delete, plus POST {id}/action."""

    name = None  # the resource's name, set on each subclass
    _custom_actions = {"action": ["POST"]}

    @expose("json")
    def get_all(self):
        return {"items": []}

    @expose("json")
    def get_one(self, id):
        return {"id": id, "name": self.name}

    @expose("json")
    def post(self):
        pecan.response.status = 201
        return pecan.request.json

    @expose("json")
    def put(self, id):
        return pecan.request.json

    # No template: "json" would render None as a 'null' body on the 204.
    @expose(content_type="application/json")
    def delete(self, id):
        pecan.response.status = 204

    @expose(content_type="application/json")
    def action(self, id):
        if action_name(pecan.request.json) is None:
            pecan.abort(400, "the body must name one known action")
        pecan.response.status = 202


class RootController:
    @expose("json")
    def ping(self):
        return {"ping": "pong"}


def _resource_controller(name):
    cls = type(f"{name.capitalize()}Controller", (ResourceController,),
               {"name": name})
    return cls()


def make_app(n):
    V1Controller = type("V1Controller", (), {
        f"r{i}": _resource_controller(f"r{i}") for i in range(n)})
    root = RootController()
    root.v1 = V1Controller()
    return pecan.make_app(root)
