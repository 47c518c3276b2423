"""The no-auth context filter's Barbican options: default roles, and a 400 for a request without a project."""

from __future__ import annotations

from typing import Any

import pytest

import cravat
from cravat.deploy.filters import ContextFilter, context_filter_factory
from cravat.http.request import ENV_CONTEXT
from cravat.testing import Client


class Whoami:
    def index(self, req):
        ctx = req.context
        return {"project_id": ctx.project_id, "user_id": ctx.user_id, "roles": ctx.roles}


def client(**options: Any) -> Client:
    api = cravat.API(error_style="barbican")
    api.resource("/whoami", Whoami())
    return Client(context_filter_factory({}, "noauth", **options)(api))


def test_a_request_without_roles_gets_the_default_roles_as_barbican_gives_admin():
    answer = client(default_roles="admin", require_project_id="true").get("/whoami", headers={"X-Project-Id": "p1"})
    assert answer.json == {"project_id": "p1", "user_id": None, "roles": ["admin"]}


def test_an_empty_x_roles_counts_as_none_and_sent_roles_are_kept():
    c = client(default_roles="admin")
    assert c.get("/whoami", headers={"X-Project-Id": "p1", "X-Roles": ""}).json["roles"] == ["admin"]
    sent = c.get("/whoami", headers={"X-Project-Id": "p1", "X-Roles": "creator, observer", "X-User-Id": "u1"})
    assert sent.json == {"project_id": "p1", "user_id": "u1", "roles": ["creator", "observer"]}


def test_without_the_option_no_roles_stay_no_roles():
    assert client().get("/whoami", headers={"X-Project-Id": "p1"}).json["roles"] == []


def test_a_request_without_a_project_is_400_missing_x_project_id_in_the_apps_style():
    answer = client(default_roles="admin", require_project_id="true").get("/whoami")
    assert answer.status_code == 400
    assert answer.json == {"code": 400, "title": "Bad Request", "description": "Missing X-Project-Id"}
    assert client(require_project_id="true").get("/whoami", headers={"X-Project-Id": ""}).status_code == 400


def test_the_options_belong_to_noauth_and_must_be_well_formed():
    with pytest.raises(ValueError, match="options of auth_strategy = noauth"):
        context_filter_factory({}, "keystone", default_roles="admin")
    with pytest.raises(ValueError, match="require_project_id = 'sometimes' is not a boolean"):
        context_filter_factory({}, "noauth", require_project_id="sometimes")


def test_default_roles_are_lowered_and_split_on_commas():
    seen: list[dict[str, Any]] = []

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ)
        start_response("204 No Content", [])
        return []

    Client(context_filter_factory({}, "noauth", default_roles=" Admin , creator")(app)).get(
        "/", headers={"X-Project-Id": "p1"})
    assert seen[0][ENV_CONTEXT].roles == ["admin", "creator"]
    assert isinstance(ContextFilter(app, "noauth", default_roles=("admin",)), ContextFilter)
