"""The key manager's policy through a real server, on SQLite and PostgreSQL: Barbican 23's defaults, the no-auth
context as Barbican's, roles, isolation, enforce_new_defaults and a policy file's overrides."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import pytest
from conftest import OTHER_PROJECT, start_service
from oslo_policy import policy as oslo_policy

from keymanager import policies

BARBICAN_RULE_NAMES = {
    # barbican/common/policies/base.py
    "secret_project_match", "secret_project_reader", "secret_project_member", "secret_project_admin", "secret_owner",
    "secret_is_not_private", "secret_acl_read", "container_project_match", "container_project_member",
    "container_project_admin", "container_owner", "container_is_not_private", "container_acl_read",
    "order_project_match", "order_project_member", "audit", "observer", "creator", "admin", "service_admin",
    "all_users", "all_but_audit", "admin_or_creator", "secret_creator_user", "secret_private_read",
    "secret_non_private_read", "secret_decrypt_non_private_read", "secret_project_creator",
    "secret_project_creator_role", "container_private_read", "container_creator_user", "container_non_private_read",
    "container_project_creator", "container_project_creator_role",
    # acls.py, consumers.py, containers.py, orders.py, quotas.py, secretmeta.py, secrets.py, secretstores.py,
    # transportkeys.py
    "secret_acls:get", "secret_acls:delete", "secret_acls:put_patch", "container_acls:get", "container_acls:delete",
    "container_acls:put_patch", "consumer:get", "container_consumers:get", "container_consumers:post",
    "container_consumers:delete", "secret_consumers:get", "secret_consumers:post", "secret_consumers:delete",
    "containers:post", "containers:get", "container:get", "container:delete", "container_secret:post",
    "container_secret:delete", "orders:get", "orders:post", "orders:put", "order:get", "order:delete", "quotas:get",
    "project_quotas:get", "project_quotas:put", "project_quotas:delete", "secret_meta:get", "secret_meta:post",
    "secret_meta:put", "secret_meta:delete", "secret:decrypt", "secret:get", "secret:put", "secret:delete",
    "secrets:post", "secrets:get", "secretstores:get", "secretstores:get_global_default",
    "secretstores:get_preferred", "secretstore_preferred:post", "secretstore_preferred:delete", "secretstore:get",
    "transport_key:get", "transport_key:delete", "transport_keys:get", "transport_keys:post",
}


def new_secret(client, **kw):
    answer = client.post("/v1/secrets", json={"name": "s", "payload": "p", "payload_content_type": "text/plain"}, **kw)
    assert answer.status == 201, answer
    return "/v1/secrets/" + answer.json()["secret_ref"].rsplit("/", 1)[1]


def description(answer):
    body = answer.json()
    assert set(body) == {"code", "title", "description"}, body
    return body["description"]


# --- the defaults, as Barbican 23 ships them ---------------------------------------------------------

def test_every_barbican_rule_is_registered_once_with_its_check_string_and_legacy_rule():
    rules = policies.list_rules()
    assert [r.name for r in rules if r.name in BARBICAN_RULE_NAMES] == [r.name for r in rules]
    assert {r.name for r in rules} == BARBICAN_RULE_NAMES and len(rules) == 82
    by_name = {r.name: r for r in rules}
    get = by_name["secret:get"]
    assert isinstance(get, oslo_policy.DocumentedRuleDefault)
    assert get.check_str == ("True:%(enforce_new_defaults)s and (role:admin or rule:secret_project_admin or "
                             "(rule:secret_project_member and rule:secret_owner) or (rule:secret_project_member and "
                             "rule:secret_is_not_private) or rule:secret_acl_read)")
    assert get.deprecated_rule.check_str == ("rule:secret_non_private_read or rule:secret_project_creator or "
                                             "rule:secret_project_admin or rule:secret_acl_read")
    assert get.scope_types == ["project"]
    assert get.operations == [{"path": "/v1/secrets/{secret-id}", "method": "GET"}]
    assert by_name["secret_acl_read"].check_str == "'read':%(target.secret.read)s"
    assert by_name["service_admin"].check_str == "role:key-manager:service-admin"


def test_the_running_service_registers_them_and_every_operation_names_one(km):
    from keymanager.app import build_app

    api = build_app(database_url=km.database_url, kek="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                    task_threads="0").compile()
    assert {d.name for d in api.policy.defaults} == BARBICAN_RULE_NAMES
    assert api.policy.enforce_new_defaults is False
    named = {row.operation.rule for row in api.route_table()}
    assert {"secrets:post", "secret:get", "secret_meta:get", "secret_consumers:post", "secret_acls:put_patch",
            "container_acls:get", "orders:post", "container:get"} <= named


# --- the no-auth context, as Barbican's UnauthenticatedContextMiddleware --------------------------------

def test_without_x_roles_a_request_is_its_projects_admin(km, client):
    path = new_secret(client)
    assert client.get(path).status == 200
    assert client.get(path + "/payload", headers={"Accept": "text/plain"}).body == b"p"
    assert client.get("/v1/secrets").status == 200
    assert client.delete(path).status == 204


def test_without_x_project_id_the_answer_is_400_missing_x_project_id(km, client):
    before = km.snapshot()
    answer = client.post("/v1/secrets", json={"name": "x"}, project=None)
    assert answer.status == 400
    assert answer.json() == {"code": 400, "title": "Bad Request", "description": "Missing X-Project-Id"}
    assert km.snapshot() == before
    assert client.get("/", project=None).status == 300  # the versions document needs no project


# --- Barbican's legacy roles -------------------------------------------------------------------------

def test_creator_observer_and_audit_have_barbicans_legacy_powers(client):
    assert client.post("/v1/secrets", json={"name": "o"}, roles="observer").status == 403
    refused = client.post("/v1/secrets", json={"name": "a"}, roles="audit")
    assert refused.status == 403
    assert description(refused) == "Secret creation attempt not allowed - please review your user/project privileges"
    path = new_secret(client, roles="creator", user="maker")
    assert client.get("/v1/secrets", roles="observer").status == 200
    assert client.get("/v1/secrets", roles="audit").status == 403
    assert client.get(path, roles="audit").status == 200            # metadata: all_users
    decrypt = client.get(path + "/payload", roles="audit", headers={"Accept": "text/plain"})
    assert decrypt.status == 403                                     # the payload: all_but_audit
    assert client.get(path + "/payload", roles="observer", headers={"Accept": "text/plain"}).status == 200
    assert client.delete(path, roles="observer").status == 403
    assert client.delete(path, roles="creator", user="maker").status == 204


def test_the_new_roles_alone_count_for_nothing_with_the_legacy_defaults(client):
    assert client.post("/v1/secrets", json={"name": "m"}, roles="member").status == 403
    assert client.get("/v1/secrets", roles="reader").status == 403


def test_role_names_are_matched_without_regard_to_case(client):
    assert client.post("/v1/secrets", json={"name": "c"}, roles="Creator").status == 201


# --- isolation ---------------------------------------------------------------------------------------

def test_another_projects_secret_is_403_as_barbican_23_answers_and_unknown_ids_404(km, client):
    path = new_secret(client)
    before = km.snapshot()
    for method, suffix in (("GET", ""), ("GET", "/payload"), ("DELETE", ""), ("GET", "/metadata"),
                           ("GET", "/consumers"), ("GET", "/acl")):
        answer = client.request(method, path + suffix, project=OTHER_PROJECT)
        assert answer.status == 403, (method, suffix, answer)
        assert description(answer).endswith("attempt not allowed - please review your user/project privileges")
    assert client.get(path, project=OTHER_PROJECT, roles="admin").status == 403  # an admin of another project too
    assert km.snapshot() == before
    listed = client.get("/v1/secrets", project=OTHER_PROJECT).json()
    assert path.rsplit("/", 1)[1] not in json.dumps(listed)
    assert client.get(f"/v1/secrets/{uuid.uuid4()}", project=OTHER_PROJECT).status == 404


# --- enforce_new_defaults = true: Barbican 23.0.0's own default ----------------------------------------

@pytest.fixture(scope="module")
def new_defaults(km_backend, tmp_path_factory):
    with start_service(km_backend, tmp_path_factory.mktemp(f"km-new-{km_backend}"),
                       policy_enforce_new_defaults="true") as service:
        yield service


def test_with_the_new_defaults_member_creates_and_a_lone_admin_may_not(new_defaults):
    client = new_defaults.client
    refused = client.post("/v1/secrets", json={"name": "a"})  # no X-Roles: admin, which is not member
    assert refused.status == 403
    assert description(refused) == "Secret creation attempt not allowed - please review your user/project privileges"
    path = new_secret(client, roles="member", user="u1")
    assert client.get(path, roles="member", user="u2").status == 200       # member and not private
    assert client.get(path, roles="reader", user="u2").status == 403       # secret:get wants member or admin
    assert client.get(path, roles="admin", user="u3").status == 200
    assert client.get(path, roles="creator", user="u1").status == 403      # a legacy role alone counts no more
    assert client.get(path, roles="member", user="u2", project=OTHER_PROJECT).status == 403


# --- a policy file overrides the defaults --------------------------------------------------------------

@pytest.fixture(scope="module")
def overridden(km_backend, tmp_path_factory):
    directory: Path = tmp_path_factory.mktemp(f"km-file-{km_backend}")
    policy_file = directory / "policy.yaml"
    policy_file.write_text('"secrets:get": "role:auditor"\n"secret_meta:put": "!"\n')
    with start_service(km_backend, directory, policy_file=str(policy_file)) as service:
        yield service


def test_a_policy_file_overrides_a_rule_before_the_handler_and_one_checked_in_it(overridden):
    client = overridden.client
    assert client.get("/v1/secrets").status == 403
    assert client.get("/v1/secrets", roles="auditor").status == 200
    path = new_secret(client)
    refused = client.put(path + "/metadata", json={"metadata": {"a": "b"}})
    assert refused.status == 403
    assert description(refused) == ("Secret metadata creation attempt not allowed - please review your "
                                    "user/project privileges")
    assert client.get(path + "/metadata").status == 200  # the rules the file leaves alone are the defaults


def test_the_committed_sample_policy_file_is_what_the_generator_writes(tmp_path):
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[3]
    cravat_cli = Path(sys.executable).with_name("cravat")
    env = {"PATH": str(cravat_cli.parent), "KEYMANAGER_DATABASE_URL": f"sqlite:///{tmp_path}/km.sqlite",
           "KEYMANAGER_KEK": "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="}
    made = subprocess.run([str(cravat_cli), "policy", "sample", "keymanager.app:app"], capture_output=True, text=True,
                          timeout=120, env=env, cwd=root / "services" / "keymanager")
    assert made.returncode == 0, made.stderr[-2000:]
    committed = (root / "etc" / "keymanager-policy.yaml.sample").read_text()
    assert committed.split("\n\n", 1)[1] == made.stdout
    assert made.stdout.count('\n#"') + made.stdout.startswith('#"') == 82


def test_the_oslo_enforcer_for_oslos_tools_enforces_what_the_service_does(km):
    from keymanager.app import build_app

    api = build_app(database_url=km.database_url, kek="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
                    task_threads="0").compile()
    enforcer = policies.get_enforcer()
    enforcer.load_rules()
    assert {name: str(check) for name, check in enforcer.rules.items()} == \
        {name: rule.check_str for name, rule in api.policy.effective.items()}
    assert str(enforcer.rules["secrets:post"]) == ("((True:%(enforce_new_defaults)s and role:member) or "
                                                   "rule:admin_or_creator)")
