"""The classic OpenStack stack: a routes.Mapper, RoutesMiddleware and webob.

Built as Nova's legacy API router was: ``mapper.resource(...)`` per resource,
``RoutesMiddleware`` resolving the path, a ``wsgify`` dispatcher handing the
request to a ``Resource`` that calls the controller method the route names and
picks ``POST {id}/action`` handlers by the body's single key.

Routes cannot tell a wrong verb from a wrong path, so a miss is a 404. Glance
gets 405 + Allow by connecting, after a path's real routes, a catch-all route
for the same path to a controller that rejects the method; done the same here.
"""

import json

import routes
import routes.middleware
import webob.dec
import webob.exc

from bench.apps.contract import action_name


def response(code):
    """Set a controller method's success status (Nova's ``wsgi.response``)."""
    def decorate(func):
        func.wsgi_code = code
        return func
    return decorate


def action(name):
    """Mark a method as handling POST {id}/action bodies keyed ``name``."""
    def decorate(func):
        func.wsgi_action = name
        return func
    return decorate


class Resource:
    """A controller as a WSGI app: the route's ``action`` names the method."""

    def __init__(self, controller):
        self.controller = controller
        # Nova collects @action methods once, here, not per request.
        self.wsgi_actions = {}
        for attr in dir(controller):
            method = getattr(controller, attr)
            name = getattr(method, "wsgi_action", None)
            if name is not None:
                self.wsgi_actions[name] = method

    @webob.dec.wsgify
    def __call__(self, req):
        args = dict(req.urlvars)
        method_name = args.pop("action")
        for key in ("controller", "format"):
            args.pop(key, None)
        if req.content_length:
            try:
                args["body"] = json.loads(req.body)
            except ValueError:
                raise webob.exc.HTTPBadRequest("the body is not JSON") from None
        if method_name == "action":
            method = self.wsgi_actions.get(action_name(args.get("body")))
            if method is None:
                raise webob.exc.HTTPBadRequest(
                    "the body must name one known action")
        else:
            method = getattr(self.controller, method_name, None)
            if method is None:
                raise webob.exc.HTTPNotFound()
        result = method(req, **args)
        code = getattr(method, "wsgi_code", 200)
        if result is None:
            return webob.Response(status=code, content_type=None)
        return webob.Response(status=code, json_body=result)


class PingController:
    def ping(self, req):
        return {"ping": "pong"}


class Controller:
    def __init__(self, name):
        self.name = name

    def index(self, req):
        return {"items": []}

    @response(201)
    def create(self, req, body):
        return body

    def show(self, req, id):
        return {"id": id, "name": self.name}

    def update(self, req, id, body):
        return body

    @response(204)
    def delete(self, req, id):
        return None

    @response(202)
    @action("reboot")
    def reboot(self, req, id, body):
        return None


class RejectMethodController:
    """Glance's answer to a known path with an unknown verb."""

    def reject(self, req, allowed_methods, **kwargs):
        raise webob.exc.HTTPMethodNotAllowed(
            headers=[("Allow", allowed_methods)])


class Router:
    """Nova's ``wsgi.Router``: RoutesMiddleware in front of a dispatcher."""

    def __init__(self, mapper):
        self.map = mapper
        self._router = routes.middleware.RoutesMiddleware(self._dispatch,
                                                          self.map)

    @webob.dec.wsgify
    def __call__(self, req):
        return self._router

    @staticmethod
    @webob.dec.wsgify
    def _dispatch(req):
        match = req.environ["wsgiorg.routing_args"][1]
        if not match:
            return webob.exc.HTTPNotFound()
        return match["controller"]


def make_app(n):
    mapper = routes.Mapper()
    reject = Resource(RejectMethodController())
    mapper.connect("/ping", controller=Resource(PingController()),
                   action="ping", conditions={"method": ["GET"]})
    mapper.connect("/ping", controller=reject, action="reject",
                   allowed_methods="GET")
    for i in range(n):
        name = f"r{i}"
        mapper.resource(name, name, controller=Resource(Controller(name)),
                        path_prefix="/v1", member={"action": "POST"})
        mapper.connect(f"/v1/{name}", controller=reject, action="reject",
                       allowed_methods="GET, POST")
        mapper.connect(f"/v1/{name}/{{id}}", controller=reject,
                       action="reject", allowed_methods="DELETE, GET, PUT")
        mapper.connect(f"/v1/{name}/{{id}}/action", controller=reject,
                       action="reject", allowed_methods="POST")
    return Router(mapper)
