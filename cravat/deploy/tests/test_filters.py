"""The context filter: the request context at environ["cravat.context"], one request id throughout."""

from __future__ import annotations

from typing import Any

import pytest

from cravat.deploy.filters import ContextFilter, context_filter_factory
from cravat.http.request import ENV_CONTEXT
from cravat.testing import Client


def capture(seen: list[dict[str, Any]]) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        seen.append(environ)
        start_response("204 No Content", [])
        return []

    return app


def environ_after(filter_: Any, **kw: Any) -> dict[str, Any]:
    seen: list[dict[str, Any]] = []
    Client(filter_(capture(seen))).get("/", **kw)
    return seen[0]


def test_it_puts_the_context_where_req_context_reads_it():
    environ = environ_after(lambda app: ContextFilter(app, "noauth"), headers={"X-Project-Id": "p-1"})
    assert environ[ENV_CONTEXT].project_id == "p-1"


def test_keystone_strategy_ignores_identity_headers_not_confirmed_by_auth_token():
    environ = environ_after(lambda app: ContextFilter(app, "keystone"),
                            headers={"X-Project-Id": "p-1", "X-Identity-Status": "Invalid"})
    assert environ[ENV_CONTEXT].project_id is None


def test_without_a_request_id_filter_it_sets_the_id_the_api_will_answer_with():
    environ = environ_after(lambda app: ContextFilter(app))
    assert environ["openstack.request_id"].startswith("req-")
    assert environ[ENV_CONTEXT].request_id == environ["openstack.request_id"]


def test_it_keeps_the_request_id_filters_id():
    environ = environ_after(lambda app: ContextFilter(app), environ={"openstack.request_id": "req-from-oslo"})
    assert environ[ENV_CONTEXT].request_id == "req-from-oslo"


def test_the_factory_defaults_to_the_keystone_strategy():
    assert context_filter_factory({})(capture([])).trust_headers is False


def test_an_unknown_strategy_is_an_error():
    with pytest.raises(ValueError, match="auth_strategy 'none' is not one of keystone, noauth"):
        ContextFilter(capture([]), "none")
