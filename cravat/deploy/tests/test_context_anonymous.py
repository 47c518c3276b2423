"""The keystone context filter's allow_anonymous_access (Barbican's ContextMiddleware), and OPTIONS passing."""

from __future__ import annotations

from typing import Any

import pytest

import cravat
from cravat.deploy.filters import context_filter_factory
from cravat.testing import Client


class Whoami:
    def index(self, req):
        ctx = req.context
        return {"project_id": ctx.project_id, "user_id": ctx.user_id}


def client(strategy: str = "keystone", **options: Any) -> Client:
    api = cravat.API(error_style="barbican")
    api.resource("/whoami", Whoami())
    return Client(context_filter_factory({}, strategy, **options)(api))


CONFIRMED = {"X-Identity-Status": "Confirmed", "X-Project-Id": "p1", "X-User-Id": "u1"}


def test_without_a_confirmed_token_it_is_401_in_the_apps_style():
    answer = client(allow_anonymous_access="false").get("/whoami", headers={"X-Identity-Status": "Invalid"})
    assert answer.status_code == 401
    assert answer.json == {"code": 401, "title": "Unauthorized",
                           "description": "The request you have made requires authentication."}


def test_a_confirmed_token_without_a_project_is_401_too():
    headers = {"X-Identity-Status": "Confirmed", "X-User-Id": "u1"}
    assert client(allow_anonymous_access="false").get("/whoami", headers=headers).status_code == 401


def test_a_confirmed_token_with_a_project_passes():
    answer = client(allow_anonymous_access="false").get("/whoami", headers=CONFIRMED)
    assert answer.json == {"project_id": "p1", "user_id": "u1"}


def test_by_default_an_unconfirmed_request_goes_on_anonymous():
    answer = client().get("/whoami", headers={"X-Identity-Status": "Invalid"})
    assert answer.json == {"project_id": None, "user_id": None}


@pytest.mark.parametrize(("strategy", "options"), [("keystone", {"allow_anonymous_access": "false"}),
                                                   ("noauth", {"require_project_id": "true"})])
def test_options_requests_pass_for_the_cors_filter_to_ask_the_app(strategy, options):
    answer = client(strategy, **options).request("OPTIONS", "/whoami")
    assert answer.status_code in (200, 204)
    assert "GET" in answer.headers["Allow"]


def test_the_option_belongs_to_keystone_and_must_be_a_boolean():
    with pytest.raises(ValueError, match="option of auth_strategy = keystone"):
        context_filter_factory({}, "noauth", allow_anonymous_access="false")
    with pytest.raises(ValueError, match="allow_anonymous_access = 'maybe' is not a boolean"):
        context_filter_factory({}, "keystone", allow_anonymous_access="maybe")
