"""The compute example's extensions (examples/compute-extensions, loaded by entry point) through a real server.

Also the commands that publish the same registry: ``cravat policy sample``,
and oslo.policy's own ``oslopolicy-sample-generator`` and
``oslopolicy-policy-generator`` through the ``oslo.policy.*`` entry points.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import yaml

from cravat.deploy.filters import ContextFilter
from cravat.deploy.pasteload import PasteLoadError, load_paste_app
from examples.compute import build_app

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
IMAGE = "70a599e0-31e7-49b7-b260-868f441e862b"
V25 = {"OpenStack-API-Version": "compute 2.5"}
MEMBER = {"X-Roles": "member", "X-Project-Id": "a1"}
READER = {"X-Roles": "reader", "X-Project-Id": "a1"}
ADMIN = {"X-Roles": "admin", "X-Project-Id": "a1"}


@pytest.fixture(scope="module")
def client(serve):
    return serve(ContextFilter(build_app(), "noauth"))


def create(client, headers=MEMBER, **server):
    body = {"server": {"name": "web", "imageRef": IMAGE, "flavorRef": "1", **server}}
    return client.post("/servers", json=body, headers={**V25, **headers})


def test_the_listing_shows_both_installed_extensions(client):
    listed = client.get("/extensions").json()["extensions"]
    assert [(e["alias"], e["name"]) for e in listed] == [("os-extended-status", "ExtendedStatus"),
                                                         ("os-server-tags", "ServerTags")]


def test_a_server_created_with_tags_has_them_and_the_tags_resource_manages_them(client):
    created = create(client, tags=["web", "prod", "web"])
    assert created.status == 201
    server = created.json()["server"]
    assert server["tags"] == ["web", "prod"]
    tags = f"/servers/{server['id']}/tags"
    assert client.get(tags).json() == {"tags": ["web", "prod"]}
    added = client.put(f"{tags}/blue", headers=MEMBER)
    assert added.status == 201
    assert added.headers["Location"].endswith(f"{tags}/blue")
    assert client.get(f"{tags}/blue").status == 204
    assert client.delete(f"{tags}/web", headers=MEMBER).status == 204
    assert client.get(f"{tags}/web").status == 404
    assert client.put(tags, json={"tags": ["a", "b"]}, headers=MEMBER).json() == {"tags": ["a", "b"]}
    assert client.get(f"/servers/{server['id']}").json()["server"]["tags"] == ["a", "b"]


def test_the_create_hook_refuses_a_tag_the_core_schema_would_accept(client):
    refused = create(client, tags=["a,b"])
    assert refused.status == 400
    assert refused.json()["badRequest"]["message"] == "Tag 'a,b' is invalid: a tag cannot contain ',' or '/'."


def test_the_create_schema_checks_the_extensions_field(client):
    refused = create(client, tags="not-a-list")
    assert refused.status == 400
    assert "server.tags" in refused.json()["badRequest"]["message"]


def test_changing_tags_needs_a_member_role(client):
    server = create(client).json()["server"]
    assert client.put(f"/servers/{server['id']}/tags/x", headers=READER).status == 403


def test_the_response_extension_adds_status_fields_for_administrators_only(client):
    server = create(client).json()["server"]
    as_admin = client.get(f"/servers/{server['id']}", headers=ADMIN).json()["server"]
    assert as_admin["OS-EXT-STS:vm_state"] == "active"
    assert as_admin["OS-EXT-STS:power_state"] == 1
    assert "OS-EXT-STS:vm_state" not in client.get(f"/servers/{server['id']}", headers=READER).json()["server"]
    detail = client.get("/servers/detail", headers=ADMIN).json()["servers"]
    assert all("OS-EXT-STS:vm_state" in s for s in detail)


def paste_file(tmp_path, settings):
    path = tmp_path / "compute-paste.ini"
    path.write_text(textwrap.dedent(f"""\
        [app:compute]
        use = egg:cravat#api
        api = examples.compute:build_app
        {settings}
        """))
    return str(path)


def test_a_paste_file_denies_an_extension(serve, tmp_path):
    app = load_paste_app(paste_file(tmp_path, "extensions_deny = os-extended-status"), "compute")
    client = serve(ContextFilter(app, "noauth"))
    assert [e["alias"] for e in client.get("/extensions").json()["extensions"]] == ["os-server-tags"]
    server = create(client).json()["server"]
    assert "OS-EXT-STS:vm_state" not in client.get(f"/servers/{server['id']}", headers=ADMIN).json()["server"]


def test_a_paste_file_cannot_deny_a_core_extension(tmp_path):
    with pytest.raises(PasteLoadError, match="core extension 'os-server-tags' cannot be denied"):
        load_paste_app(paste_file(tmp_path, "extensions_deny = os-server-tags"), "compute")


def run(*command, env=None):
    return subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=60,
                          env={**os.environ, **(env or {})})


def test_cravat_policy_sample_lists_core_and_extension_rules_commented_out(tmp_path):
    out = tmp_path / "policy.yaml.sample"
    result = run(str(BIN / "cravat"), "policy", "sample", "examples.compute:app", "-o", str(out))
    assert result.returncode == 0, result.stderr
    text = out.read_text()
    assert '#"os_compute_api:servers:show": "rule:compute_caller"' in text
    assert "# GET  /servers/{server_id}/tags/{tag}\n" in text
    assert '#"os_compute_api:os-server-tags:update": "role:member or rule:context_is_admin"' in text
    assert '#"os_compute_api:os-extended-status:discoverable": "@"' in text
    assert "# Show the OS-EXT-STS fields" in text
    # Uncommented, it is a policy file oslo.policy reads, with every rule the API registers.
    rules = yaml.safe_load("\n".join(line[1:] for line in text.splitlines() if line.startswith('#"')))
    assert set(rules) == {d.name for d in build_app().compile().policy.defaults}


def test_cravat_policy_sample_of_an_api_that_does_not_start_exits_2_naming_why():
    result = run(str(BIN / "cravat"), "policy", "sample", "cravat_test_extensions.service:app_that_is_missing")
    assert result.returncode == 2
    assert "app_that_is_missing" in result.stderr


def test_oslo_policy_sample_generator_reads_a_cravat_service_through_its_entry_point():
    result = run(str(BIN / "oslopolicy-sample-generator"), "--namespace", "cravat-test-widgets")
    assert result.returncode == 0, result.stderr
    assert '#"widgets:show": "(role:reader and rule:owner) or rule:admin"' in result.stdout
    assert '#"widgets:paint": "role:member or rule:admin"' in result.stdout  # from widget-colours
    assert "# POST  /widgets/{id}/action (paint)" in result.stdout


def test_oslo_policy_generator_shows_the_effective_policy_with_the_files_overrides(tmp_path):
    policy = tmp_path / "policy.yaml"
    policy.write_text('"widgets:create": "role:creator"\n')
    result = run(str(BIN / "oslopolicy-policy-generator"), "--namespace", "cravat-test-widgets",
                 env={"CRAVAT_TEST_POLICY_FILE": str(policy)})
    assert result.returncode == 0, result.stderr
    assert '"widgets:create": "role:creator"' in result.stdout
    assert '"widgets:index": "role:reader or rule:admin"' in result.stdout


def test_the_cravat_namespace_serves_any_api_named_by_cravat_api():
    result = run(str(BIN / "oslopolicy-sample-generator"), "--namespace", "cravat",
                 env={"CRAVAT_API": "examples.compute:app"})
    assert result.returncode == 0, result.stderr
    assert '#"os_compute_api:os-server-tags:index": "rule:compute_caller"' in result.stdout


def test_the_example_paste_file_serves_the_policy_files_override(serve):
    client = serve(load_paste_app(str(REPO / "etc" / "compute-paste.ini")))
    server = create(client).json()["server"]
    assert client.delete(f"/servers/{server['id']}", headers=MEMBER).status == 403
    assert client.delete(f"/servers/{server['id']}", headers=ADMIN).status == 204
