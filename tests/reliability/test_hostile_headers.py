"""Links come from trusted parts only, and header bytes that are not valid are a 400 on every server.

Found: ``Host: x/y`` gave ``http://x/y/v1/secrets/...`` in ``secret_ref`` and
``Location``; ``X-Forwarded-Proto: javascript`` gave ``javascript://...``;
granian dropped a header value with non-ASCII bytes (``OpenStack-API-Version:
compute ２.５`` was served as 2.1).
"""

from __future__ import annotations

import json

import pytest

from tests.reliability.support import PASTE, SERVERS, Served, exchange, is_html, request

SECRET = json.dumps({"name": "probe"}).encode()
CALLER = {"X-Project-Id": "p1", "X-User-Id": "u1", "X-Roles": "creator", "Content-Type": "application/json"}


def create_secret(port: int, headers: dict[str, str] | None = None, host: str = "127.0.0.1"):
    return exchange(port, request("POST", "/v1/secrets", SECRET, headers={**CALLER, **(headers or {})}, host=host))


@pytest.mark.parametrize("host", ["x/y", "x y", "a@b", "x:port", "[::1", "a,b"])
def test_a_host_that_is_not_host_port_is_400_in_the_apps_style(keymanager, host):
    answer = create_secret(keymanager.port, host=host)
    assert answer.status == 400, answer
    assert not is_html(answer)
    assert answer.json()["code"] == 400  # the pipeline's barbican style


def test_a_valid_host_names_the_links(keymanager):
    answer = create_secret(keymanager.port, host=f"kms.example.com:{keymanager.port}")
    assert answer.status == 201, answer
    assert answer.json()["secret_ref"].startswith(f"http://kms.example.com:{keymanager.port}/v1/secrets/")
    assert answer.headers["location"] == answer.json()["secret_ref"]


def test_forwarded_headers_from_an_untrusted_peer_are_ignored(keymanager):
    answer = create_secret(keymanager.port, {"X-Forwarded-Proto": "javascript", "X-Forwarded-Host": "evil.example",
                                             "Forwarded": "proto=javascript;host=evil.example"})
    assert answer.status == 201, answer
    assert answer.json()["secret_ref"].startswith("http://127.0.0.1/v1/secrets/")


@pytest.mark.parametrize("value", ["compute ２.５", "compute 2.5\x01", "compute 2.5 caf\xe9"])
def test_a_header_value_with_bytes_that_are_not_visible_ascii_is_400(compute, value):
    data = request("GET", "/servers").replace(b"\r\n\r\n", b"\r\nOpenStack-API-Version: "
                                              + value.encode("utf-8") + b"\r\n\r\n")
    answer = exchange(compute.port, data)
    assert answer.status == 400, answer
    assert not is_html(answer)


def test_a_valid_version_header_is_still_honoured(compute):
    answer = exchange(compute.port, request("GET", "/ping", headers={"OpenStack-API-Version": "compute 2.5"}))
    assert answer.status == 200 and answer.headers["openstack-api-version"] == "compute 2.5", answer


@pytest.fixture(scope="module", params=SERVERS)
def behind_proxy(request, keymanager_env):
    """The key manager with 127.0.0.1 as its trusted proxy and an allowed-hosts list."""
    with Served(request.param, "--paste", str(PASTE), "--name", "noauth", "--trusted-proxy", "127.0.0.1",
                "--allowed-host", "127.0.0.1", "--allowed-host", "*.example.com", app=None, ready="/",
                env=keymanager_env) as served:
        yield served


def test_a_trusted_proxy_sets_scheme_and_host(behind_proxy):
    answer = create_secret(behind_proxy.port, {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "kms.example.com"})
    assert answer.status == 201, answer
    assert answer.json()["secret_ref"].startswith("https://kms.example.com/v1/secrets/")


@pytest.mark.parametrize("headers", [{"X-Forwarded-Proto": "javascript"}, {"Forwarded": "proto=javascript"},
                                     {"X-Forwarded-Host": "x/y"}, {"X-Forwarded-Host": "evil.test"}])
def test_a_trusted_proxy_still_cannot_name_another_scheme_or_a_bad_host(behind_proxy, headers):
    answer = create_secret(behind_proxy.port, headers)
    assert answer.status == 400, answer
    assert answer.json()["code"] == 400


def test_a_host_outside_the_allowed_hosts_is_400(behind_proxy):
    answer = create_secret(behind_proxy.port, host="evil.test")
    assert answer.status == 400, answer
    assert "evil.test" in answer.json()["description"]


def test_a_subdomain_of_an_allowed_wildcard_is_served(behind_proxy):
    assert create_secret(behind_proxy.port, host="kms.example.com").status == 201


@pytest.fixture(scope="module")
def public(keymanager_env):
    with Served("granian", "--paste", str(PASTE), "--name", "noauth", "--public-endpoint",
                "https://kms.example.com/key-manager", app=None, ready="/", env=keymanager_env) as served:
        yield served


def test_a_public_endpoint_names_every_link_whatever_the_client_sent(public):
    answer = create_secret(public.port, {"X-Forwarded-Proto": "http", "X-Forwarded-Host": "other.example"},
                           host="elsewhere.example")
    assert answer.status == 201, answer
    assert answer.json()["secret_ref"].startswith("https://kms.example.com/key-manager/v1/secrets/")
    assert answer.headers["location"] == answer.json()["secret_ref"]
