"""The policy of an API: defaults next to operations, the file's overrides, strictness, denials."""

from __future__ import annotations

import logging
import os
import signal
import time

import pytest
from oslo_policy import policy as oslo_policy

import cravat
from cravat.policy import RequestContext
from cravat.policy.enforcer import Policy, PolicyError, PolicyNotAuthorized, PolicyNotRegistered
from cravat.testing import Client

READER = RequestContext(user_id="u1", project_id="a1", roles=["reader"])
ADMIN = RequestContext(user_id="u2", project_id="b2", roles=["admin"])
SYSTEM = RequestContext(user_id="u3", system_scope="all", roles=["admin"])


class Servers:
    @cravat.rule("compute:servers:index", "role:reader or role:admin", "List servers.")
    def index(self, req):
        return {"servers": []}

    @cravat.rule("compute:servers:show", "role:reader and project_id:%(project_id)s", "Show a server.",
                 scope_types=["project"])
    def show(self, req, id):
        return {"server": {"id": id}}

    @cravat.rule("compute:servers:delete", "role:admin", "Delete a server.")
    def delete(self, req, id):
        return None


def build(**options):
    api = cravat.API(project_id="optional", **options)
    api.resource("/servers", Servers())
    return api


def get(client, path, context):
    return client.get(path, environ={"cravat.context": context} if context else None)


def test_a_rule_is_checked_before_the_handler_with_the_path_and_the_callers_credentials():
    client = Client(build())
    assert get(client, "/a1/servers/7", READER).status_code == 200
    denied = get(client, "/b2/servers/7", READER)
    assert denied.status_code == 403
    assert denied.json == {"forbidden": {"code": 403,
                                         "message": "Policy doesn't allow compute:servers:show to be performed."}}
    assert get(client, "/a1/servers/7", None).status_code == 403  # no context: anonymous


def test_the_default_documents_the_routes_that_name_it():
    api = build().compile()
    (show,) = [d for d in api.policy.defaults if d.name == "compute:servers:show"]
    assert isinstance(show, oslo_policy.DocumentedRuleDefault)
    assert show.operations == [{"method": "GET", "path": "/servers/{id}"}]
    assert show.scope_types == ["project"]
    assert [s.name for s in api.implementation("servers:show").steps] == ["negotiate media type", "authorize", "call"]


def test_scope_types_refuse_a_token_of_another_scope():
    client = Client(build())
    system_reader = RequestContext(project_id="a1", system_scope="all", roles=["reader"])
    denied = get(client, "/a1/servers/7", system_reader)
    assert denied.status_code == 403
    assert "system-scoped token; it needs project scope" in denied.json["forbidden"]["message"]


def test_hiding_existence_answers_404_on_member_routes_and_403_on_collections():
    client = Client(build(policy_hide_existence=True))
    assert get(client, "/b2/servers/7", READER).status_code == 404
    assert get(client, "/servers", RequestContext(roles=["observer"])).status_code == 403


def test_a_policy_file_overrides_a_default(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text('"compute:servers:delete": "role:reader"\n')
    client = Client(build(policy_file=str(path)))
    assert client.delete("/a1/servers/7", environ={"cravat.context": READER}).status_code == 204
    assert client.delete("/a1/servers/7", environ={"cravat.context": ADMIN}).status_code == 403


def test_a_changed_policy_file_takes_effect_within_a_second_and_a_bad_one_keeps_the_old_rules(tmp_path, caplog):
    path = tmp_path / "policy.yaml"
    path.write_text('"compute:servers:delete": "role:admin"\n')
    client = Client(build(policy_file=str(path)))
    delete = lambda ctx: client.delete("/a1/servers/7", environ={"cravat.context": ctx}).status_code  # noqa: E731
    assert delete(READER) == 403
    path.write_text('"compute:servers:delete": "role:reader"\n')
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert _eventually(lambda: delete(READER) == 204)
    path.write_text('"compute:servers:delete": "role:reader and"\n')
    os.utime(path, (time.time() + 10, time.time() + 10))
    with caplog.at_level(logging.ERROR, logger="cravat.policy.enforcer"):
        time.sleep(1.1)
        assert delete(READER) == 204
    assert "policy not reloaded" in caplog.text and "'role:reader and' does not parse" in caplog.text


def _eventually(condition, seconds=3.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_file_that_is_not_yaml_is_a_start_up_error_naming_it(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text('"compute:servers:show": [unclosed\n')
    with pytest.raises(PolicyError, match=f"policy file {path}: cannot be read as a YAML mapping"):
        build(policy_file=str(path)).compile()


def test_a_key_naming_no_rule_is_an_error_naming_the_nearest(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text('"compute:servers:delet": "role:reader"\n')
    with pytest.raises(PolicyError, match=r"'compute:servers:delet' names no registered rule "
                                          r"\(did you mean 'compute:servers:delete'\?\)"):
        build(policy_file=str(path)).compile()


def test_unknown_keys_can_be_allowed_and_helper_rules_referred_to_are_not_unknown(tmp_path, caplog):
    path = tmp_path / "policy.yaml"
    path.write_text('"typo:rule": "@"\n"ops": "role:ops"\n"compute:servers:delete": "rule:ops"\n')
    with caplog.at_level(logging.WARNING):
        client = Client(build(policy_file=str(path), policy_allow_unknown_rules=True))
        assert client.delete("/servers/7", environ={"cravat.context": RequestContext(roles=["ops"])}).status_code \
            == 204
    assert "'typo:rule' names no registered rule" in caplog.text
    assert "'ops'" not in caplog.text


def test_a_check_string_in_the_file_that_does_not_parse_names_the_rule_and_the_file(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text('"compute:servers:show": "role:reader or or role:admin"\n')
    with pytest.raises(PolicyError, match=f"policy file {path}: rule 'compute:servers:show': "
                                          "'role:reader or or role:admin' does not parse"):
        build(policy_file=str(path)).compile()


def test_a_default_that_does_not_parse_fails_where_it_is_declared():
    with pytest.raises(ValueError, match="'role:reader admin' does not parse: 'admin' is not of the form"):
        cravat.rule("x:y", "role:reader admin", "Broken.")


def test_rules_in_a_circle_are_an_error_naming_them(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text('"compute:servers:show": "rule:compute:servers:delete"\n'
                    '"compute:servers:delete": "rule:compute:servers:show"\n')
    with pytest.raises(PolicyError, match="in a circle: compute:servers:(show|delete) -> "):
        build(policy_file=str(path)).compile()


def test_an_operation_without_a_rule_is_a_start_up_error_once_policy_is_in_use():
    class Mixed(Servers):
        def create(self, req, body):
            return body

    api = cravat.API()
    api.resource("/servers", Mixed())
    with pytest.raises(PolicyError, match=r"name no policy rule.*POST /servers \(servers:create"):
        api.compile()


def test_an_operation_naming_an_unregistered_rule_is_a_start_up_error_with_the_nearest_name():
    class Typo(Servers):
        @cravat.rule("compute:servers:creat")
        def create(self, req, body):
            return body

    api = cravat.API()
    api.resource("/servers", Typo())
    with pytest.raises(PolicyError) as raised:
        api.compile()
    assert str(raised.value).startswith("servers:create (cravat.policy.tests.test_policy.")
    assert str(raised.value).endswith("Typo.create) names rule 'compute:servers:creat', which is not registered "
                                      "(did you mean 'compute:servers:delete'?)")


def test_documented_operations_that_do_not_match_the_routes_are_a_warning(caplog):
    class Documented:
        @cravat.rule(oslo_policy.DocumentedRuleDefault("things:show", "@", "Show a thing.",
                                                       [{"method": "GET", "path": "/thing/{id}"}]))
        def show(self, req, id):
            return {}

    api = cravat.API()
    api.resource("/things", Documented())
    with caplog.at_level(logging.WARNING):
        api.compile()
    assert "'things:show' documents operations that do not match the route table: listed but not routed to it: " \
           "GET /thing/{id}; routed to it but not listed: GET /things/{id}" in caplog.text


def test_a_handler_checks_a_rule_on_what_it_loaded_and_a_denial_is_403():
    class Owned:
        @cravat.rule("secrets:show", "@", "Show a secret.")
        def show(self, req, id):
            req_api.policy.authorize("secret:owner", {"project_id": "b2"}, req.context)
            return {}

    req_api = cravat.API()
    req_api.policy.register([oslo_policy.RuleDefault("secret:owner", "project_id:%(project_id)s")])
    req_api.resource("/secrets", Owned())
    denied = Client(req_api).get("/secrets/1", environ={"cravat.context": READER})
    assert denied.status_code == 403
    assert denied.json["forbidden"]["message"] == "secret:owner is disallowed by policy."


def test_authorize_refuses_an_unregistered_rule_rather_than_denying_silently():
    policy = Policy()
    policy.register([oslo_policy.RuleDefault("a", "@")])
    policy.load()
    with pytest.raises(PolicyNotRegistered):
        policy.authorize("b", {}, {})
    with pytest.raises(PolicyNotAuthorized):
        policy.authorize("a", {}, {}) or _denied_by("!")


def _denied_by(check_str):
    policy = Policy()
    policy.register([oslo_policy.RuleDefault("c", check_str)])
    policy.authorize("c", {}, {})


def test_a_rule_registered_twice_differently_names_both():
    policy = Policy()
    policy.register([oslo_policy.RuleDefault("a", "@")], where="one.py:1")
    policy.register([oslo_policy.RuleDefault("a", "@")], where="two.py:2")  # the same: shared
    with pytest.raises(PolicyError, match="'@' at one.py:1 and '!' at three.py:3"):
        policy.register([oslo_policy.RuleDefault("a", "!")], where="three.py:3")


def test_an_api_that_names_no_rule_has_no_authorize_step():
    class Plain:
        def show(self, req, id):
            return {}

    api = cravat.API()
    api.resource("/plain", Plain())
    assert [s.name for s in api.implementation("plain:show").steps] == ["negotiate media type", "call"]


def test_sighup_reloads_the_policy_file_even_when_it_looks_unchanged(tmp_path):
    path = tmp_path / "policy.yaml"
    path.write_text('"compute:servers:delete": "role:admins"\n')
    stamp = path.stat()
    api = build(policy_file=str(path))
    client = Client(api)
    delete = lambda: client.delete("/a1/servers/7", environ={"cravat.context": READER}).status_code  # noqa: E731
    assert delete() == 403
    # Same size, same modification time: looking at the file says nothing changed.
    path.write_text('"compute:servers:delete": "role:reader"\n')
    assert path.stat().st_size == stamp.st_size
    os.utime(path, ns=(stamp.st_atime_ns, stamp.st_mtime_ns))
    time.sleep(1.1)
    assert delete() == 403
    api.lifecycle.start()
    try:
        os.kill(os.getpid(), signal.SIGHUP)
        assert _eventually(lambda: delete() == 204)
    finally:
        api.lifecycle.stop()
    assert signal.getsignal(signal.SIGHUP) is signal.SIG_DFL  # put back as it was
