import pytest

import cravat
from cravat.testing import Client


class Servers:
    def index(self, req):
        return {"servers": []}

    def show(self, req, id):
        return {"id": id}


class Ping:
    def on_get(self, req):
        return {"ping": "pong"}


def test_the_default_operation_name_is_the_last_literal_segment():
    api = cravat.API()
    api.resource("/v2.1/servers", Servers())
    api.resource("/servers/{server_id}/ips", Servers())
    assert {"servers:index", "ips:show"} <= set(api.operation_names)


def test_two_resources_with_one_name_are_a_start_up_error_suggesting_name():
    api = cravat.API()
    api.resource("/servers/{server_id}/metadata", Servers())
    with pytest.raises(cravat.DeclarationError) as info:
        api.resource("/images/{image_id}/metadata", Servers())
    assert "'metadata:index'" in str(info.value)
    assert "pass name=" in str(info.value)


def test_the_same_route_mounted_twice_is_a_conflict_naming_both():
    api = cravat.API()
    api.resource("/servers", Servers())
    with pytest.raises(cravat.RouteConflict) as info:
        api.resource("/servers", Servers(), name="again")
    assert "duplicate route GET /servers" in str(info.value)
    assert "servers:index" in str(info.value) and "again:index" in str(info.value)


def test_a_responder_without_responders_is_an_error():
    class Nothing:
        pass

    with pytest.raises(cravat.DeclarationError, match=r"Nothing mounted at /x \(at .*test_app.py:\d+\) has no "
                                                      "responders"):
        cravat.API().route("/x", Nothing())


def test_responder_operations_are_named_by_verb():
    api = cravat.API()
    api.route("/ping", Ping())
    assert api.implementation("ping:get").template.text == "/ping"


def test_options_are_one_object_and_keyword_settings_build_it():
    assert cravat.API(error_style="barbican").options == cravat.APIOptions(error_style="barbican")
    with pytest.raises(TypeError):
        cravat.API(cravat.APIOptions(), error_style="nova")


@pytest.mark.parametrize(("settings", "complaint"), [
    ({"error_style": "xml"}, "error_style 'xml'"),
    ({"project_id": "sometimes"}, "project_id 'sometimes'"),
    ({"max_json_depth": 0}, "max_json_depth"),
])
def test_bad_options_are_refused_naming_the_setting(settings, complaint):
    with pytest.raises(ValueError, match=complaint):
        cravat.APIOptions(**settings)


def test_optional_project_id_mounts_both_forms():
    api = cravat.API(project_id="optional")
    api.resource("/servers", Servers())
    client = Client(api)
    assert client.get("/servers/1").json == {"id": "1"}
    assert client.get("/0af3/servers/1").json == {"id": "1"}


def test_required_project_id_mounts_only_the_prefixed_form():
    api = cravat.API(project_id="required")
    api.resource("/servers", Servers())
    client = Client(api)
    assert client.get("/0af3/servers/1").status_code == 200
    assert client.get("/servers/1").status_code == 404


def test_the_project_id_pattern_is_an_option():
    api = cravat.API(project_id="required", project_id_pattern="[a-z]+")
    api.resource("/servers", Servers())
    assert Client(api).get("/abc/servers").status_code == 200
    assert Client(api).get("/123/servers").status_code == 404


def test_the_route_table_expands_actions_and_sorts_by_template():
    class WithAction(Servers):
        @cravat.action("os-start", status=202)
        def start(self, req, id, body): ...

    api = cravat.API()
    api.resource("/servers", WithAction())
    rows = [(r.method, r.template, r.operation.name, r.action) for r in api.route_table()]
    assert rows == [
        ("GET", "/servers", "servers:index", None),
        ("GET", "/servers/{id}", "servers:show", None),
        ("POST", "/servers/{id}/action", "servers:start", "os-start"),
    ]
