"""Rules checked by the handler against what it loaded (``in_handler=True``), and the policy's Barbican options."""

from __future__ import annotations

import contextlib

import pytest
from oslo_policy import policy as oslo_policy

import cravat
from cravat.policy import RequestContext
from cravat.policy.authorizer import flatten
from cravat.policy.enforcer import Policy
from cravat.testing import Client

OWNER = RequestContext(user_id="u1", project_id="p1", roles=["member"])
NEIGHBOUR = RequestContext(user_id="u2", project_id="p1", roles=["member"])
STRANGER = RequestContext(user_id="u3", project_id="p2", roles=["member"])

DOCUMENTS = {"d1": {"project_id": "p1", "creator_id": "u1"}}
OWNER_RULE = ("project_id:%(target.doc.project_id)s and "
              "(user_id:%(target.doc.creator_id)s or 'shared':%(target.doc.mode)s)")


class Ledger:
    """A resource that records whether the request's work was committed or rolled back."""

    def __init__(self):
        self.events = []

    @contextlib.contextmanager
    def session(self, req):
        try:
            yield self.events
        except BaseException:
            self.events.append("rollback")
            raise
        else:
            self.events.append("commit")


class Documents:
    @cravat.rule("docs:show", OWNER_RULE, "Show a document.", in_handler=True)
    def show(self, req, id, session):
        doc = DOCUMENTS.get(id)
        if doc is None:
            raise cravat.errors.NotFound("No such document.")
        req.authorize({"target": {"doc": {**doc, "mode": req.headers.get("X-Mode", "private")}}})
        session.append("read")
        return {"doc": {"id": id}}

    @cravat.rule("docs:delete", OWNER_RULE, "Delete a document.", in_handler=True,
                 denied="Document deletion attempt not allowed - please review your user/project privileges")
    def delete(self, req, id, session):
        session.append("deleted")
        req.authorize({"target": {"doc": {**DOCUMENTS[id], "mode": "private"}}})
        return None

    @cravat.rule("docs:update", OWNER_RULE, "Update a document.", in_handler=True)
    def update(self, req, id, session, body):
        session.append("updated")  # and forgets to authorize
        return {"doc": {"id": id}}

    @cravat.rule("docs:index", "role:member", "List documents.")
    def index(self, req):
        req.authorize({})  # its rule is checked before the handler: there is nothing to authorize here
        return {"docs": []}

    @cravat.rule("docs:create", "role:member", "Create a document.", in_handler=True)
    def create(self, req, body, session):
        # another registered rule, the one the answer depends on
        req.authorize({"target": {"doc": {"project_id": "p1", "creator_id": "u1", "mode": "private"}}},
                      rule="docs:show" if body.get("show") else "docs:nonesuch")
        return {"doc": {"id": "d2"}}


def build(ledger=None, **options):
    api = cravat.API(**options)
    ledger = ledger or Ledger()
    api.add_resource("session", ledger.session)
    api.resource("/docs", Documents())
    return api


def call(client, method, path, context, **kwargs):
    return client.request(method, path, environ={"cravat.context": context}, **kwargs)


def test_the_handler_checks_the_rule_against_the_entity_it_loaded():
    ledger = Ledger()
    client = Client(build(ledger))
    assert call(client, "GET", "/docs/d1", OWNER).status_code == 200
    denied = call(client, "GET", "/docs/d1", NEIGHBOUR)
    assert denied.status_code == 403
    assert denied.json["forbidden"]["message"] == "Policy doesn't allow docs:show to be performed."
    assert call(client, "GET", "/docs/d1", NEIGHBOUR, headers={"X-Mode": "shared"}).status_code == 200
    assert call(client, "GET", "/docs/d1", STRANGER, headers={"X-Mode": "shared"}).status_code == 403
    assert ledger.events == ["read", "commit", "rollback", "read", "commit", "rollback"]


def test_an_exception_before_the_check_passes_as_it_is():
    client = Client(build())
    missing = call(client, "GET", "/docs/d9", STRANGER)
    assert missing.status_code == 404
    assert missing.json["itemNotFound"]["message"] == "No such document."


def test_a_denial_in_the_handler_rolls_back_and_says_the_declared_message():
    ledger = Ledger()
    denied = call(Client(build(ledger)), "DELETE", "/docs/d1", NEIGHBOUR)
    assert denied.status_code == 403
    assert denied.json["forbidden"]["message"] == ("Document deletion attempt not allowed - please review your "
                                                   "user/project privileges")
    assert ledger.events == ["deleted", "rollback"]


def test_a_handler_that_never_authorizes_gets_a_500_and_its_work_is_rolled_back(caplog):
    ledger = Ledger()
    answer = call(Client(build(ledger)), "PUT", "/docs/d1", OWNER, json={"doc": {}})
    assert answer.status_code == 500
    assert "docs:update" in answer.json["computeFault"]["message"]
    assert ledger.events == ["updated", "rollback"]
    assert "answered without calling req.authorize(target)" in caplog.text


def test_authorize_in_an_operation_whose_rule_runs_before_the_handler_is_a_fault():
    answer = call(Client(build()), "GET", "/docs", OWNER)
    assert answer.status_code == 500


def test_authorize_may_check_another_registered_rule_and_an_unregistered_one_is_a_fault():
    client = Client(build())
    assert call(client, "POST", "/docs", OWNER, json={"show": True}).status_code == 201
    assert call(client, "POST", "/docs", NEIGHBOUR, json={"show": True}).status_code == 403
    assert call(client, "POST", "/docs", OWNER, json={"show": False}).status_code == 500


def test_the_step_sits_inside_the_resources_and_the_start_up_checks_still_hold():
    api = build().compile()
    steps = [s.name for s in api.implementation("docs:show").steps]
    assert steps == ["negotiate media type", "open resources", "authorize in handler", "call"]
    assert "authorize" not in steps
    (show,) = [d for d in api.policy.defaults if d.name == "docs:show"]
    assert show.operations == [{"method": "GET", "path": "/docs/{id}"}]

    class Typo:
        @cravat.rule("docs:shwo", in_handler=True)
        def show(self, req, id):
            req.authorize({})

    wrong = cravat.API()
    wrong.policy.register([oslo_policy.RuleDefault("docs:show", "@")])
    wrong.resource("/docs", Typo())
    with pytest.raises(ValueError, match="'docs:shwo', which is not registered.*did you mean 'docs:show'"):
        wrong.compile()


def test_denied_must_be_a_message():
    with pytest.raises(ValueError, match="denial's message"):
        cravat.rule("docs:show", denied="")


def test_flatten_joins_nested_keys_with_dots_as_barbican_does():
    assert flatten({"target": {"secret": {"project_id": "p1", "read": "read"}}, "enforce_new_defaults": False}) \
        == {"target.secret.project_id": "p1", "target.secret.read": "read", "enforce_new_defaults": False}
    with pytest.raises(TypeError, match="mapping, not list"):
        flatten([])


def _legacy_policy(enforce_new_defaults):
    policy = Policy(enforce_new_defaults=enforce_new_defaults)
    policy.target_defaults["enforce_new_defaults"] = enforce_new_defaults
    policy.register([oslo_policy.DocumentedRuleDefault(
        "things:get", "True:%(enforce_new_defaults)s and role:member", "Get things.",
        [{"method": "GET", "path": "/v1/things"}],
        deprecated_rule=oslo_policy.DeprecatedRule("things:get", "role:creator", deprecated_reason="new roles",
                                                   deprecated_since="W"))])
    policy.load()
    return policy


def test_enforce_new_defaults_false_ors_in_the_deprecated_check_string_as_oslo_does():
    legacy = _legacy_policy(False)
    assert legacy.allows("things:get", {}, {"roles": ["creator"]})
    assert not legacy.allows("things:get", {}, {"roles": ["member"]})  # the new string is off: True:False


def test_enforce_new_defaults_true_ignores_the_deprecated_check_string():
    new = _legacy_policy(True)
    assert new.allows("things:get", {}, {"roles": ["member"]})
    assert not new.allows("things:get", {}, {"roles": ["creator"]})


def test_target_defaults_reach_the_authorize_step():
    class Things:
        @cravat.rule("things:get")
        def index(self, req):
            return {"things": []}

    api = cravat.API()
    api.policy.enforce_new_defaults = True
    api.policy.target_defaults["enforce_new_defaults"] = True
    api.policy.register([oslo_policy.RuleDefault("things:get", "True:%(enforce_new_defaults)s and role:member")])
    api.resource("/things", Things())
    client = Client(api)
    assert call(client, "GET", "/things", OWNER).status_code == 200
    assert call(client, "GET", "/things", RequestContext(project_id="p1", roles=["reader"])).status_code == 403


def test_documented_operations_of_another_service_can_be_kept_without_a_warning(caplog):
    class Things:
        @cravat.rule("things:get")
        def index(self, req):
            return {"things": []}

    api = cravat.API()
    api.policy.register([oslo_policy.DocumentedRuleDefault("things:get", "@", "Get things.",
                                                           [{"method": "GET", "path": "/v1/things"}])],
                        check_operations=False)
    api.resource("/things", Things())
    api.compile()
    assert "do not match the route table" not in caplog.text


def test_the_route_table_says_which_rules_the_handler_checks():
    from cravat.deploy.cli import format_routes

    table = format_routes(build().compile())
    (show,) = [line for line in table.splitlines() if "docs:show" in line and "GET" in line]
    assert "docs:show (in handler)" in show
    (index,) = [line for line in table.splitlines() if "docs:index" in line]
    assert "(in handler)" not in index


def test_hiding_existence_makes_an_in_handler_denial_a_404_too():
    client = Client(build(policy_hide_existence=True))
    answer = call(client, "GET", "/docs/d1", NEIGHBOUR)
    assert answer.status_code == 404
    assert call(client, "GET", "/docs/d1", OWNER).status_code == 200


def test_api_policy_authorize_starts_its_target_from_the_target_defaults_too():
    policy = _legacy_policy(True)
    assert policy.allows("things:get", {}, {"roles": ["member"]})  # enforce_new_defaults comes from the defaults
    policy.target_defaults["enforce_new_defaults"] = False
    assert not policy.allows("things:get", {}, {"roles": ["member"]})
    assert policy.allows("things:get", {"enforce_new_defaults": True}, {"roles": ["member"]})  # the target wins
