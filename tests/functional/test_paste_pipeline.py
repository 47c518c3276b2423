"""The example ``etc/api-paste.ini`` served over HTTP, with the real filters it names.

oslo.middleware's cors, http_proxy_to_wsgi, request_id, sizelimit and
healthcheck, keystonemiddleware's auth_token and cravat's context filter, all
loaded by Paste Deploy from the file as an operator would run it.

No Keystone runs here. auth_token has ``delay_auth_decision = true``, so a
request without a valid token reaches the API with ``X-Identity-Status:
Invalid`` and an anonymous context. A valid token is simulated at the one
place auth_token asks Keystone about a token (``AuthProtocol.fetch_token``),
so everything auth_token does with the answer (the identity headers, stripping
spoofed ones) is its real code. A token auth_token must really validate goes
to a Keystone address on 127.0.0.1 where nothing listens.
"""

from __future__ import annotations

import base64
import datetime
import json
import socket
import textwrap
import uuid
from pathlib import Path
from typing import Any

import pytest
from keystonemiddleware import auth_token
from keystonemiddleware.auth_token import _exceptions as ksm_exceptions

import cravat
from cravat.api.lifecycle import collecting, start_all, stop_all
from cravat.deploy.pasteload import load_paste_app

REPO = Path(__file__).resolve().parents[2]
PASTE = str(REPO / "etc" / "api-paste.ini")
DASHBOARD = "https://dashboard.example.com"


@pytest.fixture(scope="module")
def keymanager_database(tmp_path_factory):
    """The key manager's environment for loading the paste file: a migrated scratch SQLite database and a KEK."""
    from cravat.db import migrations
    from keymanager.app import build_app

    url = f"sqlite:///{tmp_path_factory.mktemp('keymanager') / 'keymanager.sqlite'}"
    env = {"KEYMANAGER_DATABASE_URL": url, "KEYMANAGER_KEK": base64.b64encode(bytes(32)).decode()}
    database = build_app(database_url=url, kek=env["KEYMANAGER_KEK"], task_threads="0").keymanager.database
    database.start()
    migrations.upgrade(database)
    database.stop()
    with pytest.MonkeyPatch.context() as patch:
        for name, value in env.items():
            patch.setenv(name, value)
        yield env


def load_keymanager(name):
    with collecting() as lifecycles:
        app = load_paste_app(PASTE, name)
    start_all(lifecycles)
    return app, lifecycles


@pytest.fixture(scope="module")
def keystone_client(serve, keymanager_database):
    app, lifecycles = load_keymanager("main")
    yield serve(app)
    stop_all(lifecycles)


@pytest.fixture(scope="module")
def noauth_client(serve, keymanager_database):
    app, lifecycles = load_keymanager("noauth")
    yield serve(app)
    stop_all(lifecycles)


@pytest.fixture
def tokens(monkeypatch):
    """Tokens auth_token will find valid: ``tokens[token_id] = v3_token(...)``."""
    valid: dict[str, dict[str, Any]] = {}

    def fetch_token(self: Any, token: str, **kwargs: Any) -> dict[str, Any]:
        if token not in valid:
            raise ksm_exceptions.InvalidToken("not a token of this test")
        return valid[token]

    monkeypatch.setattr(auth_token.AuthProtocol, "fetch_token", fetch_token)
    return valid


def v3_token(user_id: str, project_id: str, roles: list[str]) -> dict[str, Any]:
    """Keystone's v3 token body, as ``GET /v3/auth/tokens`` returns it."""
    now = datetime.datetime.now(datetime.UTC)
    domain = {"id": "default", "name": "Default"}
    return {"token": {
        "methods": ["password"],
        "issued_at": now.strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
        "expires_at": (now + datetime.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%S.000000Z"),
        "user": {"id": user_id, "name": user_id, "domain": domain},
        "project": {"id": project_id, "name": project_id, "domain": domain},
        "roles": [{"id": uuid.uuid4().hex, "name": name} for name in roles],
        "catalog": [],
    }}


def new_token(tokens: dict[str, Any], user_id: str, project_id: str, roles: list[str] = ["creator"]) -> str:  # noqa: B006
    token_id = uuid.uuid4().hex
    tokens[token_id] = v3_token(user_id, project_id, roles)
    return token_id


# --- the URL map and the apps at /, /healthcheck and /v1 ----------------------------------------


def test_the_versions_document_is_at_the_root_in_barbicans_shape(keystone_client):
    response = keystone_client.get("/")
    assert response.status == 300
    (version,) = response.json()["versions"]["values"]
    assert version["links"][0] == {"rel": "self", "href": f"{keystone_client.base_url}/v1/"}


def test_the_versions_document_lists_microversions_from_1_1(keystone_client):
    response = keystone_client.get("/", headers={"OpenStack-API-Version": "key-manager 1.1"})
    assert response.status == 300
    (version,) = response.json()["versions"]
    assert (version["min_version"], version["max_version"]) == ("1.0", "1.2")


def test_oslo_healthcheck_answers_at_healthcheck(keystone_client):
    response = keystone_client.get("/healthcheck")
    assert (response.status, response.body) == (200, b"OK")


def test_an_unknown_path_under_v1_is_the_apis_barbican_style_404(keystone_client, tokens):
    response = keystone_client.get("/v1/nothing", headers={"X-Auth-Token": new_token(tokens, "alice", "p-alice")})
    assert response.status == 404
    assert response.json()["title"] == "Not Found"


# --- oslo.middleware filters ---------------------------------------------------------------------


def test_http_proxy_to_wsgi_makes_links_use_the_proxys_scheme_and_host(keystone_client):
    response = keystone_client.get("/", headers={"X-Forwarded-Proto": "https",
                                                 "X-Forwarded-Host": "kms.example.com"})
    (version,) = response.json()["versions"]["values"]
    assert version["links"][0]["href"] == "https://kms.example.com/v1/"


def test_cors_allows_the_configured_origin(keystone_client):
    response = keystone_client.get("/", headers={"Origin": DASHBOARD})
    assert response.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert response.headers["Access-Control-Expose-Headers"] == "X-Openstack-Request-Id"


def test_cors_ignores_another_origin(keystone_client):
    response = keystone_client.get("/", headers={"Origin": "https://evil.example.com"})
    assert response.status == 300
    assert "Access-Control-Allow-Origin" not in response.headers


def test_cors_answers_a_preflight_before_authentication(keystone_client):
    response = keystone_client.options("/v1/secrets", headers={
        "Origin": DASHBOARD, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "X-Auth-Token,Content-Type"})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == DASHBOARD
    assert "POST" in response.headers["Access-Control-Allow-Methods"]


def test_every_response_carries_one_request_id_from_oslos_request_id_filter(keystone_client):
    response = keystone_client.get("/")
    assert len(response.headers.get_all("x-openstack-request-id")) == 1
    assert response.request_id.startswith("req-")


def test_sizelimit_refuses_a_body_over_its_limit(noauth_client):
    body = json.dumps({"name": "x" * 120_000}).encode()
    response = noauth_client.post("/v1/secrets", body=body, headers={
        "Content-Type": "application/json", "X-Project-Id": "p-1"})
    assert response.status == 413


# --- keystonemiddleware's auth_token and the context filter --------------------------------------


def test_without_a_token_the_context_filter_answers_401_as_barbicans_does(keystone_client):
    response = keystone_client.get("/v1/secrets")
    assert response.status == 401
    assert response.json() == {"code": 401, "title": "Unauthorized",
                               "description": "The request you have made requires authentication."}


def test_auth_token_adds_where_to_authenticate_to_the_apis_401(keystone_client):
    response = keystone_client.get("/v1/secrets")
    assert response.headers["WWW-Authenticate"] == "Keystone uri=\"http://127.0.0.1:5000/v3\""


def test_identity_headers_a_client_sends_are_not_believed(keystone_client):
    response = keystone_client.get("/v1/secrets", headers={
        "X-Identity-Status": "Confirmed", "X-Project-Id": "p-1", "X-User-Id": "mallory", "X-Roles": "admin"})
    assert response.status == 401


def test_a_valid_token_gives_the_context_its_user_and_project(keystone_client, tokens):
    token = new_token(tokens, "alice", "p-alice")
    created = keystone_client.post("/v1/secrets", json={"name": "db-password"}, headers={"X-Auth-Token": token})
    assert created.status == 201
    secret_path = created.headers["Location"].removeprefix(keystone_client.base_url)
    assert secret_path.startswith("/v1/secrets/")
    shown = keystone_client.get(secret_path, headers={"X-Auth-Token": token})
    assert shown.json()["creator_id"] == "alice"


def test_another_projects_token_does_not_see_the_secret(keystone_client, tokens):
    alice = new_token(tokens, "alice", "p-alice")
    bob = new_token(tokens, "bob", "p-bob")
    secret_ref = keystone_client.post("/v1/secrets", json={"name": "key"}, headers={"X-Auth-Token": alice}
                                      ).headers["Location"]
    response = keystone_client.get(secret_ref.removeprefix(keystone_client.base_url), headers={"X-Auth-Token": bob})
    # Barbican finds the secret, then its policy (project match) refuses.
    assert response.status == 403
    assert response.json()["description"] == ("Secret retrieval attempt not allowed - please review your "
                                              "user/project privileges")


def test_a_token_the_test_does_not_know_is_invalid_and_anonymous(keystone_client, tokens):
    response = keystone_client.get("/v1/secrets", headers={"X-Auth-Token": "forged"})
    assert response.status == 401


def test_the_noauth_pipeline_takes_the_project_from_x_project_id(noauth_client):
    created = noauth_client.post("/v1/secrets", json={"name": "k"}, headers={"X-Project-Id": "p-dev",
                                                                             "X-User-Id": "dev"})
    assert created.status == 201
    listing = noauth_client.get("/v1/secrets", headers={"X-Project-Id": "p-dev"}).json()
    assert [s["creator_id"] for s in listing["secrets"]] == ["dev"]
    assert noauth_client.get("/v1/secrets", headers={"X-Project-Id": "p-other"}).json()["total"] == 0


def test_the_noauth_pipeline_without_a_project_is_400_as_barbicans(noauth_client):
    response = noauth_client.get("/v1/secrets")
    assert response.status == 400
    assert response.json()["description"] == "Missing X-Project-Id"


# --- one request id end to end, and auth_token against an unreachable Keystone ------------------


class ContextProbe:
    """Answers the request context it was given."""

    def on_get(self, req: cravat.Request) -> dict[str, Any]:
        ctx = req.context
        return {"request_id": ctx.request_id, "global_request_id": ctx.global_request_id,
                "user_id": ctx.user_id, "project_id": ctx.project_id, "roles": ctx.roles}


def build_probe(**settings: Any) -> cravat.API:
    api = cravat.API(**settings)
    api.route("/context", ContextProbe())
    return api


PROBE_PASTE = """
[pipeline:main]
pipeline = request_id authtoken context probe

[filter:request_id]
use = egg:oslo.middleware#request_id

[filter:authtoken]
use = egg:keystonemiddleware#auth_token
delay_auth_decision = true
www_authenticate_uri = {keystone}
auth_url = {keystone}
auth_type = password
username = keymanager
password = secret
project_name = service
user_domain_name = Default
project_domain_name = Default
http_connect_timeout = 2
http_request_max_retries = 0

[filter:context]
use = egg:cravat#context

[app:probe]
use = egg:cravat#api
api = tests.functional.test_paste_pipeline:build_probe
"""


def unused_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def probe_client(serve, tmp_path_factory):
    path = tmp_path_factory.mktemp("probe") / "api-paste.ini"
    path.write_text(textwrap.dedent(PROBE_PASTE.format(keystone=f"http://127.0.0.1:{unused_port()}/v3")))
    return serve(load_paste_app(str(path)))


def test_the_context_and_the_response_carry_the_same_single_request_id(probe_client):
    response = probe_client.get("/context")
    assert response.headers.get_all("x-openstack-request-id") == [response.json()["request_id"]]


def test_the_callers_request_id_becomes_the_contexts_global_request_id(probe_client):
    inbound = f"req-{uuid.uuid4()}"
    body = probe_client.get("/context", headers={"X-Openstack-Request-Id": inbound}).json()
    assert body["global_request_id"] == inbound
    assert body["request_id"] != inbound


def test_a_confirmed_token_fills_the_context(probe_client, tokens):
    token = new_token(tokens, "carol", "p-carol", ["reader", "member"])
    body = probe_client.get("/context", headers={"X-Auth-Token": token}).json()
    assert (body["user_id"], body["project_id"], sorted(body["roles"])) == ("carol", "p-carol", ["member", "reader"])


def test_a_token_keystone_cannot_be_reached_to_check_is_anonymous_not_a_server_error(probe_client):
    response = probe_client.get("/context", headers={"X-Auth-Token": "unverifiable"})
    assert response.status == 200
    assert (response.json()["user_id"], response.json()["project_id"]) == (None, None)


# --- the WSGI module pattern ----------------------------------------------------------------------


def test_the_key_managers_wsgi_module_serves_the_checkouts_paste_file(serve, monkeypatch, keymanager_database):
    import importlib
    import sys

    monkeypatch.delenv("KEYMANAGER_PASTE", raising=False)
    sys.modules.pop("keymanager.wsgi", None)
    module = importlib.import_module("keymanager.wsgi")
    assert module.DEFAULT_PASTE == PASTE
    client = serve(module.application)
    assert client.get("/healthcheck").body == b"OK"
    assert client.get("/v1/secrets").status == 401  # the main pipeline, without a token
