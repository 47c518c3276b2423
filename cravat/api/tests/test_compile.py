"""Register, compile, freeze: declarations recorded with where they were made, compiled once."""

import dataclasses
import logging
import threading

import pytest

import cravat
from cravat.api.steps import Step
from cravat.testing import Client

THIS_FILE = "test_compile.py"


class Servers:
    def index(self, req):
        return {"servers": []}

    def show(self, req, id):
        return {"id": id}


class OtherServers:
    def show(self, req, id):
        return {"other": id}


def test_a_route_conflict_names_both_declarations_and_their_lines():
    api = cravat.API()
    api.resource("/servers", Servers()); first = _line()  # noqa: E702
    with pytest.raises(cravat.RouteConflict) as info:
        api.resource("/servers", OtherServers(), name="other"); second = _line()  # noqa: E702, F841
    message = str(info.value)
    assert "duplicate route GET /servers/{id}" in message
    assert f"{THIS_FILE}:{first}" in message and f"{THIS_FILE}:{first + 2}" in message
    assert "Servers.show" in message and "OtherServers.show" in message
    assert "pass override=True" in message


def _line():
    import sys

    return sys._getframe(1).f_lineno


def test_an_ambiguous_pattern_names_both_declarations():
    class ById:
        def show(self, req, id):
            return {}

    class ByName:
        def index(self, req, name):
            return {}

    api = cravat.API()
    api.resource("/things", ById(), member="{id:[0-9]+}")
    with pytest.raises(cravat.RouteConflict) as info:
        api.resource("/things/{name}/parts", ByName())
    message = str(info.value)
    assert "ambiguous routes /things/{id:[0-9]+}" in message and "/things/{name}/parts" in message
    assert message.count(THIS_FILE) == 2


def test_a_failed_declaration_leaves_nothing_of_itself():
    class Mixed:
        def index(self, req):
            return {"mixed": True}

        def show(self, req, id):
            return {}

    api = cravat.API()
    api.resource("/servers", OtherServers())  # has show only
    with pytest.raises(cravat.RouteConflict):
        api.resource("/servers", Mixed(), name="mixed")  # index is new, show clashes
    assert api.operation_names == ["servers:show"]
    assert Client(api).get("/servers").status_code == 404  # Mixed.index was not kept


def test_an_override_replaces_the_routes_it_names_and_says_so(caplog):
    api = cravat.API()
    api.resource("/servers", Servers())
    with caplog.at_level(logging.INFO, logger="cravat.api.declarations"):
        api.resource("/servers", OtherServers(), name="ext", override=True)
    client = Client(api)
    assert client.get("/servers/1").json == {"other": "1"}
    assert client.get("/servers").json == {"servers": []}  # index was not replaced
    assert "GET /servers/{id}: ext:show" in caplog.text and "overrides servers:show" in caplog.text
    assert set(api.operation_names) == {"servers:index", "ext:show"}


def test_an_action_cannot_share_its_route_with_a_plain_post():
    class WithAction:
        @cravat.action("os-start")
        def start(self, req, id, body):
            return None

    class Plain:
        @cravat.member_action("POST", "action")
        def act(self, req, id):
            return None

    api = cravat.API()
    api.resource("/servers", WithAction())
    with pytest.raises(cravat.RouteConflict, match="cannot be chosen there by the body's key"):
        api.resource("/servers", Plain(), name="plain")


def test_compile_builds_once_even_when_threads_race():
    api = cravat.API()
    api.resource("/servers", Servers())
    results = []
    threads = [threading.Thread(target=lambda: results.append(api.compile().compiled)) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(r) for r in results}) == 1


def test_the_first_request_compiles_and_freezes():
    api = cravat.API()
    api.resource("/servers", Servers())
    assert Client(api).get("/servers").status_code == 200
    with pytest.raises(cravat.DeclarationError, match="the API is compiled"):
        api.resource("/flavors", Servers())
    with pytest.raises(cravat.DeclarationError, match="the API is compiled"):
        api.add_resource("session", lambda req: None)


def test_implementations_are_frozen():
    api = cravat.API()
    api.resource("/servers", Servers())
    impl = api.implementation("servers:show")
    with pytest.raises(dataclasses.FrozenInstanceError):
        impl.status = 201  # type: ignore[misc]


def test_steps_are_only_what_an_implementation_needs():
    schema = {"type": "object", "additionalProperties": False}

    class Things:
        def show(self, req, id):
            return {}

        @cravat.validate(body=schema, query=schema)
        def create(self, req, body):
            return body

    api = cravat.API()
    api.resource("/things", Things())
    assert [s.name for s in api.implementation("things:show").steps] == ["negotiate media type", "call"]
    assert [s.name for s in api.implementation("things:create").steps] == [
        "negotiate media type", "read body", "validate body", "validate query", "call"]


def test_a_feature_adds_a_step_without_touching_the_dispatcher():
    seen = []

    class Stamp(Step):
        order, name = 85, "stamp"

        def wrap(self, inner):
            def run(req, arguments):
                seen.append(req.operation.name)
                result = inner(req, arguments)
                return {**result, "stamped": True}
            return run

    api = cravat.API()
    api.add_step(lambda plan, impl: Stamp() if plan.decl.name == "servers:show" else None)
    api.resource("/servers", Servers())
    client = Client(api)
    assert client.get("/servers/1").json == {"id": "1", "stamped": True}
    assert client.get("/servers").json == {"servers": []}
    assert seen == ["servers:show"]
    assert [s.name for s in api.implementation("servers:show").steps] == ["negotiate media type", "stamp", "call"]


def test_a_version_table_is_built_for_every_version_of_the_range():
    micro = cravat.Microversions("compute", "2.1", "2.10")

    class Versioned:
        @cravat.versioned(cravat.Variant("2.1", "2.4"), cravat.Variant("2.6", handler="late"))
        def show(self, req, id):
            return {"early": id}

        def late(self, req, id):
            return {"late": id}

    with pytest.raises(cravat.DeclarationError, match="leave a gap"):
        cravat.API(microversions=micro).resource("/v", Versioned())


def test_an_unversioned_method_of_a_versioned_api_refuses_no_version():
    class Root:
        @cravat.unversioned
        def on_get(self, req):
            return {"asked": str(req.version) if req.version else None}

    micro = cravat.Microversions("compute", "2.1", "2.10")
    api = cravat.API(microversions=micro)
    api.route("/", Root())
    client = Client(api)
    assert client.get("/", headers={"OpenStack-API-Version": "compute 9.9"}).json == {"asked": None}
    answer = client.get("/", headers={"OpenStack-API-Version": "compute 2.5"})
    assert answer.json == {"asked": "2.5"}
    assert answer.headers["OpenStack-API-Version"] == "compute 2.5"


def test_the_route_table_lists_declared_methods_only():
    api = cravat.API()
    api.resource("/servers", Servers())
    assert [(r.method, r.template) for r in api.route_table()] == [("GET", "/servers"), ("GET", "/servers/{id}")]
