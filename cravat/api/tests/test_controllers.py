import pytest

import cravat
from cravat.api.controllers import controller_operations
from cravat.api.operation import DeclarationError


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
    return {op.name: op for op in controller_operations(controller, collection, "servers", "{id}")}


def test_standard_methods_map_to_collection_and_member():
    ops = compiled(Servers())
    routes = {name: (op.method, op.template.text, op.status) for name, op in ops.items()}
    assert routes["servers:index"] == ("GET", "/servers", 200)
    assert routes["servers:create"] == ("POST", "/servers", 201)
    assert routes["servers:show"] == ("GET", "/servers/{id}", 200)
    assert routes["servers:update"] == ("PUT", "/servers/{id}", 200)
    assert routes["servers:delete"] == ("DELETE", "/servers/{id}", 204)


def test_custom_routes_hang_off_the_collection_or_the_member():
    ops = compiled(Servers())
    assert (ops["servers:detail"].method, ops["servers:detail"].template.text) == ("GET", "/servers/detail")
    assert (ops["servers:reboot"].method, ops["servers:reboot"].template.text, ops["servers:reboot"].status) == \
        ("POST", "/servers/{id}/reboot", 202)


def test_actions_share_one_endpoint_keyed_by_name():
    endpoint = compiled(Servers())["servers:action"]
    assert (endpoint.method, endpoint.template.text) == ("POST", "/servers/{id}/action")
    assert {k: a.status for k, a in endpoint.actions.items()} == {"os-start": 202, "os-stop": 200}
    assert endpoint.actions["os-start"].name == "servers:start"


def test_undefined_standard_methods_are_not_routed():
    class ReadOnly:
        def show(self, req, id): ...

    assert list(compiled(ReadOnly())) == ["servers:show"]


def test_plain_helpers_are_not_routed():
    assert "servers:helper_that_is_not_an_operation" not in compiled(Servers())


def test_a_member_pattern_applies_to_every_member_route():
    ops = {op.name: op for op in controller_operations(Servers(), "/servers", "servers", "{id:[0-9]+}")}
    assert ops["servers:show"].template.text == "/servers/{id:[0-9]+}"
    assert ops["servers:action"].template.text == "/servers/{id:[0-9]+}/action"


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

    with pytest.raises(DeclarationError, match="Empty mounted at /servers has no operations"):
        compiled(Empty())


def test_inherited_methods_are_routed():
    class Base:
        def index(self, req): ...

    class Child(Base):
        def show(self, req, id): ...

    assert set(compiled(Child())) == {"servers:index", "servers:show"}
