"""Flask 3: one view function per route, registered with add_url_rule.

Flask renders HTTP errors as HTML; the error handler below is the one Flask's
documentation gives for APIs ("Returning API Errors as JSON"), and keeps the
Allow header werkzeug puts on a 405. Flask has no validation of its own; the
validated app checks create with a jsonschema validator built at start-up.
"""

import json

import jsonschema
from flask import Flask, abort, request
from werkzeug.exceptions import HTTPException

from bench.apps.contract import action_name
from bench.apps.server_schema import SERVER_SCHEMA


def _json_error(e):
    response = e.get_response()
    response.data = json.dumps(
        {"code": e.code, "name": e.name, "description": e.description})
    response.content_type = "application/json"
    return response


def ping():
    return {"ping": "pong"}


def index():
    return {"items": []}


def create():
    return request.get_json(), 201


def _validated_create(validator):
    def create():
        body = request.get_json()
        try:
            validator.validate(body)
        except jsonschema.ValidationError as e:
            abort(400, e.message)
        return body, 201
    return create


def update(id):
    return request.get_json()


def delete(id):
    return "", 204


def action(id):
    if action_name(request.get_json()) is None:
        abort(400, "the body must name one known action")
    return "", 202


def _show(name):
    def show(id):
        return {"id": id, "name": name}
    return show


def make_app(n):
    return _app(n, create)


def make_validated_app(n):
    """make_app, with create checking SERVER_SCHEMA (jsonschema, formats on)."""
    cls = jsonschema.validators.validator_for(SERVER_SCHEMA)
    cls.check_schema(SERVER_SCHEMA)
    validator = cls(SERVER_SCHEMA, format_checker=cls.FORMAT_CHECKER)
    return _app(n, _validated_create(validator))


def _app(n, create):
    app = Flask(__name__)
    app.register_error_handler(HTTPException, _json_error)
    app.add_url_rule("/ping", "ping", ping, methods=["GET"])
    for i in range(n):
        name, prefix = f"r{i}", f"/v1/r{i}"
        app.add_url_rule(prefix, f"{name}.index", index, methods=["GET"])
        app.add_url_rule(prefix, f"{name}.create", create, methods=["POST"])
        app.add_url_rule(prefix + "/<id>", f"{name}.show", _show(name),
                         methods=["GET"])
        app.add_url_rule(prefix + "/<id>", f"{name}.update", update,
                         methods=["PUT"])
        app.add_url_rule(prefix + "/<id>", f"{name}.delete", delete,
                         methods=["DELETE"])
        app.add_url_rule(prefix + "/<id>/action", f"{name}.action", action,
                         methods=["POST"])
    return app
