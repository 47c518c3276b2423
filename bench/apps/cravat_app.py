"""cravat: resource controllers and a verb responder, declared once."""

import os

import cravat
from bench.apps.server_schema import SERVER_SCHEMA


def define(cv):
    """``make_app`` and ``make_validated_app`` on the cravat module ``cv`` (this one, or a baseline's).

    With ``CRAVAT_BENCH_ALLOW_DUPLICATE_KEYS=1`` (``bench/run.py --allow-duplicate-keys``) an API
    that refuses duplicate JSON keys by default lets the last win instead, the work an older
    cravat did, for a like-for-like comparison with it.
    """
    #: The validated app's versions: Nova's range; requests ask for 2.40.
    microversions = cv.Microversions("compute", "2.1", "2.90")
    settings = {}
    if os.environ.get("CRAVAT_BENCH_ALLOW_DUPLICATE_KEYS") == "1" and \
            "allow_duplicate_json_keys" in cv.APIOptions.__dataclass_fields__:
        settings["allow_duplicate_json_keys"] = True

    class Ping:
        def on_get(self, req):
            return {"ping": "pong"}

    def _resource(i):
        name = f"r{i}"

        class R:
            def index(self, req):
                return {"items": []}

            def create(self, req, body):
                return body  # 201 by default

            def show(self, req, id):
                return {"id": id, "name": name}

            def update(self, req, id, body):
                return body

            def delete(self, req, id):
                return None  # 204 by default

            @cv.action("reboot", status=202)
            def reboot(self, req, id, body):
                return None

        return R

    def make_app(n):
        api = cv.API(**settings)
        api.route("/ping", Ping())
        for i in range(n):
            api.resource(f"/v1/r{i}", _resource(i)())  # one controller class per resource
        return api  # the API object is itself the WSGI app

    def _validated_resource(i):
        class Validated(_resource(i)):
            @cv.versioned(cv.Variant("2.1", body=SERVER_SCHEMA, status=201))
            def create(self, req, body):
                return body

        return Validated

    def make_validated_app(n):
        """make_app's API with microversions, and create checking SERVER_SCHEMA."""
        api = cv.API(microversions=microversions, **settings)
        api.route("/ping", Ping())
        for i in range(n):
            api.resource(f"/v1/r{i}", _validated_resource(i)())
        return api

    return make_app, make_validated_app


make_app, make_validated_app = define(cravat)
