import pytest

import cravat
from cravat.api.controllers import controller_declarations
from cravat.api.declarations import DeclarationError, Where

WHERE = Where("test.py", 1)


class Servers:
    def index(self, req): ...
    def create(self, req, body): ...
    def show(self, req, id): ...
    def update(self, req, id, body): ...
    def delete(self, req, id): ...

    @cravat.collection_action("GET", "detail")
    def detail(self, req): ...

    @cravat.member_action("POST", "reboot", status=202)
    def reboot(self, req, id): ...

    @cravat.action("os-start", status=202)
    def start(self, req, id, body): ...

    @cravat.action("os-stop")
    def stop(self, req, id, body): ...

    def helper_that_is_not_an_operation(self): ...


def compiled(controller, collection="/servers"):
    return {d.name: d for d in controller_declarations(controller, collection, "servers", "{id}", WHERE)}


def status(decl):
    return decl.facts.status or decl.default_status


def test_standard_methods_map_to_collection_and_member():
    ops = compiled(Servers())
    routes = {name: (op.method, op.template.text, status(op)) for name, op in ops.items()}
    assert routes["servers:index"] == ("GET", "/servers", 200)
    assert routes["servers:create"] == ("POST", "/servers", 201)
    assert routes["servers:show"] == ("GET", "/servers/{id}", 200)
    assert routes["servers:update"] == ("PUT", "/servers/{id}", 200)
    assert routes["servers:delete"] == ("DELETE", "/servers/{id}", 204)


def test_custom_routes_hang_off_the_collection_or_the_member():
    ops = compiled(Servers())
    assert (ops["servers:detail"].method, ops["servers:detail"].template.text) == ("GET", "/servers/detail")
    assert (ops["servers:reboot"].method, ops["servers:reboot"].template.text, status(ops["servers:reboot"])) == \
        ("POST", "/servers/{id}/reboot", 202)


def test_actions_are_declared_at_one_route_keyed_by_name():
    ops = compiled(Servers())
    actions = {d.action: d for d in ops.values() if d.action is not None}
    assert {(d.method, d.template.text) for d in actions.values()} == {("POST", "/servers/{id}/action")}
    assert {k: status(a) for k, a in actions.items()} == {"os-start": 202, "os-stop": 200}
    assert actions["os-start"].name == "servers:start"


def test_actions_share_one_endpoint_once_compiled():
    api = cravat.API()
    api.resource("/servers", Servers())
    (endpoint,) = [e for e in api.endpoints if e.template == "/servers/{id}/action"]
    assert endpoint.name == "servers:action"
    assert sorted(i.action for i in endpoint.implementations) == ["os-start", "os-stop"]


def test_undefined_standard_methods_are_not_routed():
    class ReadOnly:
        def show(self, req, id): ...

    assert list(compiled(ReadOnly())) == ["servers:show"]


def test_plain_helpers_are_not_routed():
    assert "servers:helper_that_is_not_an_operation" not in compiled(Servers())


def test_a_member_pattern_applies_to_every_member_route():
    ops = {d.name: d for d in controller_declarations(Servers(), "/servers", "servers", "{id:[0-9]+}", WHERE)}
    assert ops["servers:show"].template.text == "/servers/{id:[0-9]+}"
    assert ops["servers:start"].template.text == "/servers/{id:[0-9]+}/action"


def test_an_action_name_declared_twice_names_both_methods():
    class Twice:
        @cravat.action("go")
        def one(self, req, id, body): ...

        @cravat.action("go")
        def two(self, req, id, body): ...

    with pytest.raises(DeclarationError) as info:
        compiled(Twice())
    assert "action 'go'" in str(info.value)
    assert "Twice.one" in str(info.value) and "Twice.two" in str(info.value)


def test_a_standard_method_cannot_also_be_an_action():
    class Confused:
        @cravat.action("go")
        def show(self, req, id, body): ...

    with pytest.raises(DeclarationError, match="show\\(\\) is a standard method"):
        compiled(Confused())


def test_a_controller_with_nothing_to_route_is_an_error():
    class Empty:
        def helper(self): ...

    with pytest.raises(DeclarationError, match=r"Empty mounted at /servers \(at test.py:1\) has no operations"):
        compiled(Empty())


def test_inherited_methods_are_routed():
    class Base:
        def index(self, req): ...

    class Child(Base):
        def show(self, req, id): ...

    assert set(compiled(Child())) == {"servers:index", "servers:show"}
