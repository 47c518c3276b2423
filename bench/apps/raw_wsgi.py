"""The floor: a hand-written WSGI app, the cheapest correct thing.

Static paths are one dict lookup; member paths are one ``split('/')`` and one
dict lookup by resource name. Allow headers are built once, at start-up.
"""

import json

import fastjsonschema

from bench.apps.contract import action_name
from bench.apps.server_schema import FASTJSONSCHEMA_FORMATS, SERVER_SCHEMA

_NO_BODY = [b""]


def _json(start_response, status, obj):
    body = json.dumps(obj).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body)))])
    return [body]


def _error(start_response, status, message, extra=()):
    body = json.dumps({"error": {"code": int(status[:3]),
                                 "message": message}}).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(body))), *extra])
    return [body]


def _read_json(environ):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    return json.loads(environ["wsgi.input"].read(length)) if length else None


def _empty(start_response, status):
    start_response(status, [("Content-Length", "0")])
    return _NO_BODY


def ping(environ, start_response):
    return _json(start_response, "200 OK", {"ping": "pong"})


def index(environ, start_response):
    return _json(start_response, "200 OK", {"items": []})


def create(environ, start_response):
    return _json(start_response, "201 Created", _read_json(environ))


def _validated_create(check):
    """create, checking the body with a compiled validator: 400 on failure."""
    def create(environ, start_response):
        body = _read_json(environ)
        try:
            check(body)
        except fastjsonschema.JsonSchemaValueException as e:
            return _error(start_response, "400 Bad Request", e.message)
        return _json(start_response, "201 Created", body)

    return create


def _member_handlers(name):
    def show(environ, start_response, id):
        return _json(start_response, "200 OK", {"id": id, "name": name})

    def update(environ, start_response, id):
        return _json(start_response, "200 OK", _read_json(environ))

    def delete(environ, start_response, id):
        return _empty(start_response, "204 No Content")

    return {"GET": show, "PUT": update, "DELETE": delete}


def action(environ, start_response, id):
    if action_name(_read_json(environ)) is None:
        return _error(start_response, "400 Bad Request",
                      "the body must name one known action")
    return _empty(start_response, "202 Accepted")


def _verbs(handlers):
    """A path's handlers with its Allow header, joined once here."""
    return handlers, ", ".join(sorted(handlers))


def make_app(n):
    return _app(n, create)


def make_validated_app(n):
    """make_app, with create checking SERVER_SCHEMA as cravat does.

    The same fastjsonschema code cravat runs, compiled once: what validation
    costs with nothing around it.
    """
    check = fastjsonschema.compile(SERVER_SCHEMA, formats=FASTJSONSCHEMA_FORMATS)
    return _app(n, _validated_create(check))


def _app(n, create):
    static = {"/ping": _verbs({"GET": ping})}
    members, actions = {}, {}
    for i in range(n):
        name = f"r{i}"
        static[f"/v1/{name}"] = _verbs({"GET": index, "POST": create})
        members[name] = _verbs(_member_handlers(name))
        actions[name] = _verbs({"POST": action})

    def app(environ, start_response):
        path = environ["PATH_INFO"]
        verbs = static.get(path)
        args = ()
        if verbs is None:
            # '/v1/r3/abc' -> ['', 'v1', 'r3', 'abc'] (+ 'action' for actions)
            parts = path.split("/")
            if len(parts) == 4 and parts[1] == "v1" and parts[3]:
                verbs = members.get(parts[2])
            elif (len(parts) == 5 and parts[1] == "v1" and parts[3]
                  and parts[4] == "action"):
                verbs = actions.get(parts[2])
            if verbs is None:
                return _error(start_response, "404 Not Found",
                              f"no resource at {path}")
            args = (parts[3],)
        handlers, allow = verbs
        handler = handlers.get(environ["REQUEST_METHOD"])
        if handler is None:
            method = environ["REQUEST_METHOD"]
            return _error(start_response, "405 Method Not Allowed",
                          f"{method} is not allowed on {path}",
                          [("Allow", allow)])
        return handler(environ, start_response, *args)

    return app
