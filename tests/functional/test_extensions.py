"""Extensions loaded from a real installed package's entry points, and policy, through a real HTTP server.

The package is ``tests/extension-package`` (``cravat-test-extensions``),
installed in editable mode by ``./dev``; its entry point groups are the
scenarios: ``cravat_tests.extensions`` is what a deployment installs,
the others each hold one fault. The widgets API is served behind the
context filter in noauth mode, so ``X-Roles`` and ``X-Project-Id`` say who calls.
"""

from __future__ import annotations

import logging
import os
import time

import pytest
from cravat_test_extensions.service import build_app

from cravat.deploy.filters import ContextFilter
from cravat.extensions import ExtensionError

READER = {"X-Roles": "reader", "X-Project-Id": "a1", "X-User-Id": "u1"}
MEMBER = {"X-Roles": "member,reader", "X-Project-Id": "a1", "X-User-Id": "u1"}
ADMIN = {"X-Roles": "admin", "X-Project-Id": "b2", "X-User-Id": "u2"}


def noauth(api):
    return ContextFilter(api, "noauth")


@pytest.fixture(scope="module")
def client(serve):
    return serve(noauth(build_app()))


def create(client, name, headers=MEMBER, **fields):
    return client.post("/a1/widgets", json={"widget": {"name": name, **fields}}, headers=headers)


def test_a_resource_extension_serves_a_new_collection_under_a_core_resource(client):
    widget = create(client, "palette-owner").json()["widget"]
    answer = client.get(f"/a1/widgets/{widget['id']}/palette", headers=READER)
    assert answer.status == 200
    assert answer.json() == {"palette": ["red", "green", "blue"]}
    assert client.get("/a1/widgets/999/palette", headers=READER).status == 404


def test_a_controller_extension_adds_a_member_action_to_the_core_controller(client):
    widget = create(client, "to-paint").json()["widget"]
    painted = client.post(f"/a1/widgets/{widget['id']}/action", json={"paint": {"colour": "green"}}, headers=MEMBER)
    assert painted.status == 200
    assert painted.json()["widget"]["colour"] == "green"
    refused = client.post(f"/a1/widgets/{widget['id']}/action", json={"paint": {"colour": "mauve"}},
                          headers=MEMBER)
    assert refused.status == 400
    assert "'mauve' is not one of red, green, blue" in refused.json()["badRequest"]["message"]


def test_a_response_extension_adds_fields_to_the_core_answer(client):
    widget = create(client, "plain").json()["widget"]
    shown = client.get(f"/a1/widgets/{widget['id']}", headers=READER).json()["widget"]
    assert shown["colour_source"] == "widget-colours"
    assert shown["name"] == "plain"


def test_a_request_schema_extension_lets_its_field_through_and_validates_it(client):
    created = create(client, "blue-one", colour="blue")
    assert created.status == 201
    assert created.json()["widget"]["colour"] == "blue"
    wrong = create(client, "odd", colour="mauve")
    assert wrong.status == 400
    assert "widget.colour" in wrong.json()["badRequest"]["message"]
    unknown = create(client, "odd", shape="round")
    assert unknown.status == 400  # the core schema still refuses what no extension added


def test_a_hook_changes_what_the_core_creates(client):
    assert create(client, "default-colour").json()["widget"]["colour"] == "unpainted"


def test_a_hook_refuses_a_create_with_its_own_fault(client):
    forbidden = create(client, "forbidden-widget")
    assert forbidden.status == 403
    assert forbidden.json()["forbidden"]["message"] == "A widget may not be named 'forbidden-widget'."
    red = create(client, "red-one", colour="red")
    assert red.status == 409
    assert create(client, "red-two", headers={**ADMIN, "X-Project-Id": "a1"}, colour="red").status == 201


def test_the_listing_shows_each_caller_only_what_its_discoverable_rule_lets_it_see(client):
    as_reader = client.get("/extensions", headers=READER).json()["extensions"]
    as_admin = client.get("/extensions", headers=ADMIN).json()["extensions"]
    assert [e["alias"] for e in as_reader] == ["widget-colours"]
    assert [e["alias"] for e in as_admin] == ["widget-colours", "widget-guard"]
    guard = as_admin[1]
    assert guard == {"name": "WidgetGuard", "alias": "widget-guard",
                     "description": "Refuses widgets named forbidden-anything, and red ones for callers who are "
                                    "not administrators.",
                     "updated": "2026-09-02T00:00:00Z",
                     "links": [{"rel": "self", "href": f"{client.base_url}/extensions/widget-guard"}]}
    assert client.get("/extensions/widget-guard", headers=ADMIN).json()["extension"]["alias"] == "widget-guard"
    hidden = client.get("/extensions/widget-guard", headers=READER)
    assert hidden.status == 404
    assert hidden.json()["itemNotFound"]["message"] == "Extension 'widget-guard' could not be found."


def test_a_denial_is_403_and_the_callers_project_must_be_the_one_in_the_path(client):
    widget = create(client, "mine").json()["widget"]
    assert client.get(f"/a1/widgets/{widget['id']}", headers=READER).status == 200
    other = client.get(f"/a1/widgets/{widget['id']}", headers={**READER, "X-Project-Id": "c3"})
    assert other.status == 403
    assert other.json()["forbidden"]["message"] == "Policy doesn't allow widgets:show to be performed."
    assert create(client, "no-role", headers=READER).status == 403


def test_scope_types_refuse_a_system_scoped_token(client):
    widget = create(client, "scoped").json()["widget"]
    system = client.get(f"/a1/widgets/{widget['id']}",
                        headers={"X-Roles": "admin", "OpenStack-System-Scope": "all", "X-User-Id": "u9"})
    assert system.status == 403
    assert "system-scoped token; it needs project scope" in system.json()["forbidden"]["message"]


def test_an_api_hiding_existence_answers_404_for_a_denied_member(serve):
    client = serve(noauth(build_app(hide=True)))
    widget = create(client, "secret").json()["widget"]
    assert client.get(f"/a1/widgets/{widget['id']}", headers={**READER, "X-Project-Id": "c3"}).status == 404
    assert create(client, "no-role", headers=READER).status == 403  # a collection has nothing to hide


def test_a_policy_file_override_takes_effect_on_a_running_server(serve, tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text('"widgets:create": "role:member or rule:admin"\n')
    client = serve(noauth(build_app(policy_file=str(path))))
    assert create(client, "by-reader", headers=READER).status == 403
    path.write_text('"widgets:create": "role:reader"\n')
    os.utime(path, (time.time() + 5, time.time() + 5))
    deadline = time.monotonic() + 5
    status = None
    while time.monotonic() < deadline:
        status = create(client, "by-reader", headers=READER).status
        if status == 201:
            break
        time.sleep(0.2)
    assert status == 201
    only_member = {**MEMBER, "X-Roles": "member"}
    assert create(client, "by-member", headers=only_member).status == 403  # the override replaced the default


def test_operations_an_extension_adds_carry_its_alias():
    api = build_app().compile()
    assert api.implementation("widgets:paint").extras == {"extension": "widget-colours"}
    assert api.implementation("palette:index").extras == {"extension": "widget-colours"}
    assert api.implementation("widgets:create").extras == {"extended_by": ("widget-colours",)}
    assert api.implementation("widgets:show").extras == {}


def test_denying_an_extension_leaves_it_out_of_routes_listing_and_policy():
    api = build_app(deny="widget-guard").compile()
    assert "widgets:widget-guard:discoverable" not in {d.name for d in api.policy.defaults}
    assert "widgets:widget-colours:discoverable" in {d.name for d in api.policy.defaults}


def test_an_extension_whose_requirement_is_denied_fails_or_is_skipped(caplog):
    with pytest.raises(ExtensionError, match="extension 'widget-guard' .* cannot load: it requires "
                                             "'widget-colours', which is not loaded"):
        build_app(deny="widget-colours")
    with caplog.at_level(logging.WARNING):
        api = build_app(deny="widget-colours", skip_broken=True).compile()
    assert "widget-guard" in caplog.text and "skipped" in caplog.text
    assert "widgets:paint" not in api.operation_names


def test_a_duplicate_alias_is_a_start_up_error_naming_both_entry_points():
    with pytest.raises(ExtensionError) as raised:
        build_app(group="cravat_tests.duplicate")
    assert str(raised.value) == (
        "extension 'widget-colours' (entry point widget-colours-again = cravat_test_extensions.faulty:ColoursAgain "
        "in cravat_tests.duplicate) cannot load: its alias is taken by extension 'widget-colours' (entry point "
        "widget-colours = cravat_test_extensions.colours:WidgetColours in cravat_tests.duplicate)")


def test_a_broken_import_stops_start_up_naming_the_entry_point():
    with pytest.raises(ExtensionError, match=r"entry point widget-broken = cravat_test_extensions.broken:WidgetBroken "
                                             r"in cravat_tests.broken cannot load: its import failed: "
                                             r"ModuleNotFoundError"):
        build_app(group="cravat_tests.broken")


def test_a_broken_import_is_skipped_with_a_warning_when_the_operator_says_so(serve, caplog):
    with caplog.at_level(logging.WARNING):
        api = build_app(group="cravat_tests.broken", skip_broken=True)
    assert "widget-broken" in caplog.text and "skipped, as the configuration skips broken extensions" in caplog.text
    client = serve(noauth(api))
    assert [e["alias"] for e in client.get("/extensions", headers=ADMIN).json()["extensions"]] == ["widget-colours"]


def test_a_core_extension_that_fails_to_load_stops_start_up_even_when_skipping():
    with pytest.raises(ExtensionError, match="it is a core extension, so the API cannot start without it"):
        build_app(group="cravat_tests.broken", skip_broken=True, core="widget-broken")


def test_an_alias_that_breaks_the_pattern_is_an_error_naming_it():
    with pytest.raises(ExtensionError, match=r"extension 'Widget_Bad' \(entry point widget-bad = "
                                             r"cravat_test_extensions.faulty:BadAlias in cravat_tests.bad_alias\) "
                                             r"cannot load: its alias 'Widget_Bad' does not match"):
        build_app(group="cravat_tests.bad_alias")


def test_a_route_colliding_with_the_core_is_an_error_naming_the_extension_and_both_routes():
    with pytest.raises(ExtensionError) as raised:
        build_app(group="cravat_tests.collides")
    message = str(raised.value)
    assert message.startswith("extension 'widget-collides' (entry point widget-collides = "
                              "cravat_test_extensions.faulty:Collides in cravat_tests.collides) cannot load: "
                              "duplicate route GET /widgets: widgets:index")
    assert "other-widgets:index (cravat_test_extensions.faulty.OtherWidgets.index" in message


def test_a_missing_requirement_is_an_error_naming_it():
    with pytest.raises(ExtensionError, match="'widget-unmet' .* cannot load: it requires 'not-installed'"):
        build_app(group="cravat_tests.unmet")
