"""The ``barbican`` command line of python-barbicanclient 7.6, unchanged, against the key manager.

``barbican --no-auth --endpoint http://127.0.0.1:PORT --os-project-id P ...`` with ``-f json``: the
columns it prints are built from the service's answers, so each check below is what the command shows
a person (and what a script parsing it relies on). The same expectations pass against real Barbican 23
(``KM_TARGET=barbican``, see conftest.py).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


def href(km, kind: str) -> re.Pattern:
    return re.compile(rf"^{re.escape(km.endpoint)}/v1/{kind}/{UUID}$")


def test_secret_store_get_payload_list_delete(cli, km):
    # No --payload-content-type: the CLI sends the UTF-8 bytes, base64, as application/octet-stream.
    stored = cli("secret", "store", "--name", "db-password", "--payload", "s3cr3t value")
    assert href(km, "secrets").match(stored["Secret href"]), stored
    # The store's own output is what the client sent, with the CLI's defaults; Created/Status come later.
    assert stored["Name"] == "db-password"
    assert (stored["Algorithm"], stored["Bit length"], stored["Mode"]) == ("aes", 256, "cbc")
    assert stored["Secret type"] == "opaque"
    assert stored["Status"] is None and stored["Created"] is None

    shown = cli("secret", "get", stored["Secret href"])
    assert shown["Secret href"] == stored["Secret href"]
    assert shown["Status"] == "ACTIVE"
    assert shown["Content types"] == {"default": "application/octet-stream"}
    assert (shown["Name"], shown["Algorithm"], shown["Bit length"], shown["Mode"]) == ("db-password", "aes", 256,
                                                                                     "cbc")
    assert shown["Secret type"] == "opaque" and shown["Expiration"] is None
    created = datetime.fromisoformat(shown["Created"])
    assert created.tzinfo is not None and abs(datetime.now(UTC) - created) < timedelta(minutes=5)

    # get --payload asks with Accept: text/plain (the CLI's default -t), even for an octet-stream secret.
    assert cli("secret", "get", "--payload", stored["Secret href"]) == {"Payload": "s3cr3t value"}

    text = cli("secret", "store", "--name", "note", "--payload", "plain words", "--payload-content-type",
               "text/plain")
    assert cli("secret", "get", text["Secret href"])["Content types"] == {"default": "text/plain"}
    assert cli("secret", "get", "--payload", text["Secret href"]) == {"Payload": "plain words"}

    listed = cli("secret", "list")
    assert {row["Secret href"] for row in listed} == {stored["Secret href"], text["Secret href"]}
    assert {row["Name"] for row in listed} == {"db-password", "note"}
    assert all(row["Status"] == "ACTIVE" for row in listed)
    assert [row["Name"] for row in cli("secret", "list", "--name", "note")] == ["note"]

    assert cli("secret", "delete", stored["Secret href"], fmt=None) == ""
    with pytest.raises(AssertionError) as missing:
        cli("secret", "get", stored["Secret href"])
    assert "Not Found" in missing.value.output and "secret" in missing.value.output.lower()
    assert [row["Secret href"] for row in cli("secret", "list")] == [text["Secret href"]]


def test_secret_store_types_and_expiration(cli):
    expires = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    stored = cli("secret", "store", "--name", "phrase", "--secret-type", "passphrase", "--payload",
                 "correct horse", "-t", "text/plain", "--expiration", expires.isoformat())
    shown = cli("secret", "get", stored["Secret href"])
    assert shown["Secret type"] == "passphrase"
    assert datetime.fromisoformat(shown["Expiration"]) == expires
    assert [row["Name"] for row in cli("secret", "list", "--secret-type", "passphrase")] == ["phrase"]
    assert cli("secret", "list", "--secret-type", "symmetric") == []


@pytest.mark.parametrize(("args", "words"), [
    (["--payload", "x", "-t", "text/plain", "-e", "base64"], ["payload_content_encoding"]),
    (["--payload", "x", "-t", "image/png"], ["payload_content_type"]),
    (["--payload", "x", "--secret-type", "colour"], ["secret_type"]),
    (["--payload", "x", "--expiration", "2001-01-01T00:00:00+00:00"], ["expiration"]),
], ids=["base64-with-text", "content-type", "secret-type", "past-expiration"])
def test_secret_store_rejected(cli, args, words):
    with pytest.raises(AssertionError) as rejected:
        cli("secret", "store", "--name", "bad", *args)
    assert "4xx Client error: Bad Request" in rejected.value.output
    for word in words:
        assert word in rejected.value.output
    assert cli("secret", "list") == []  # nothing stored


def test_secret_update_adds_the_payload_once(cli):
    empty = cli("secret", "store", "--name", "later")
    assert cli("secret", "get", empty["Secret href"])["Content types"] is None
    assert cli("secret", "update", empty["Secret href"], "given later", fmt=None) == ""
    # The CLI's update sends the payload as text/plain.
    assert cli("secret", "get", empty["Secret href"])["Content types"] == {"default": "text/plain"}
    assert cli("secret", "get", "--payload", empty["Secret href"]) == {"Payload": "given later"}
    with pytest.raises(AssertionError) as again:
        cli("secret", "update", empty["Secret href"], "twice", fmt=None)
    assert "Conflict" in again.value.output
    assert cli("secret", "get", "--payload", empty["Secret href"]) == {"Payload": "given later"}


def test_another_project_cannot_see_the_secret(cli, km):
    stored = cli("secret", "store", "--name", "mine", "--payload", "private")
    with pytest.raises(AssertionError) as other:
        cli("secret", "get", stored["Secret href"], project_id="proj-someone-else")
    assert "Not Found" in other.value.output or "Forbidden" in other.value.output
    assert cli("secret", "list", project_id="proj-someone-else") == []
    assert cli("secret", "get", "--payload", stored["Secret href"]) == {"Payload": "private"}


def test_key_order_until_active(cli, km, wait_for):
    created = cli("secret", "order", "create", "key", "--name", "generated", "--bit-length", "256")
    assert href(km, "orders").match(created["Order href"]), created
    assert created["Type"] == "Key"
    order = wait_for(lambda: cli("secret", "order", "get", created["Order href"]), lambda o: o["Status"])
    assert order["Status"] == "ACTIVE", order
    assert order["Error code"] is None and order["Error message"] is None
    assert order["Container href"] == "N/A"
    assert href(km, "secrets").match(order["Secret href"]), order

    key = cli("secret", "get", order["Secret href"])
    assert (key["Name"], key["Algorithm"], key["Bit length"], key["Mode"]) == ("generated", "aes", 256, "cbc")
    assert key["Secret type"] == "symmetric" and key["Status"] == "ACTIVE"
    assert key["Content types"] == {"default": "application/octet-stream"}

    listed = cli("secret", "order", "list")
    assert [row["Order href"] for row in listed] == [created["Order href"]]
    assert listed[0]["Status"] == "ACTIVE"
    assert cli("secret", "order", "delete", created["Order href"], fmt=None) == ""
    assert cli("secret", "order", "list") == []
    # Deleting the order leaves its key.
    assert cli("secret", "get", order["Secret href"])["Status"] == "ACTIVE"


def test_asymmetric_order_makes_an_rsa_container(cli, km, wait_for):
    created = cli("secret", "order", "create", "asymmetric", "--name", "pair", "--algorithm", "rsa",
                  "--bit-length", "2048")
    assert created["Type"] == "Asymmetric"
    order = wait_for(lambda: cli("secret", "order", "get", created["Order href"]), lambda o: o["Status"])
    assert order["Status"] == "ACTIVE", order
    assert order["Secret href"] == "N/A"
    assert href(km, "containers").match(order["Container href"]), order
    container = cli("secret", "container", "get", order["Container href"], fmt="yaml")
    assert container["Type"] == "rsa" and container["Status"] == "ACTIVE" and container["Name"] == "pair"
    assert isinstance(container["Created"], datetime)
    assert href(km, "secrets").match(container["Public Key"]) and href(km, "secrets").match(container["Private Key"])
    assert container["PK Passphrase"] is None
    assert cli("secret", "get", container["Public Key"])["Secret type"] == "public"
    assert cli("secret", "get", container["Private Key"])["Secret type"] == "private"


def test_order_rejected(cli):
    with pytest.raises(AssertionError) as odd:
        cli("secret", "order", "create", "key", "--name", "odd", "--bit-length", "129")
    # Barbican 23: 400 "Provided field value is not supported" (its key-order check names no field).
    assert "4xx Client error: Bad Request" in odd.value.output
    assert cli("secret", "order", "list") == []


def test_container_create_get_list_delete(cli, km):
    one = cli("secret", "store", "--name", "one", "--payload", "1")["Secret href"]
    two = cli("secret", "store", "--name", "two", "--payload", "2")["Secret href"]
    created = cli("secret", "container", "create", "--name", "bundle", "--type", "generic", "--secret",
                  f"first={one}", "--secret", f"second={two}")
    assert href(km, "containers").match(created["Container href"]), created
    assert (created["Name"], created["Type"]) == ("bundle", "generic")

    shown = cli("secret", "container", "get", created["Container href"])
    assert shown["Status"] == "ACTIVE" and shown["Type"] == "generic"
    assert sorted(shown["Secrets"].splitlines()) == [f"first={one}", f"second={two}"]
    assert datetime.fromisoformat(shown["Created"]).tzinfo is not None

    rsa = cli("secret", "container", "create", "--name", "keys", "--type", "rsa", "--secret",
              f"public_key={one}", "--secret", f"private_key={two}")
    assert rsa["Type"] == "rsa"
    listed = cli("secret", "container", "list")
    assert {row["Container href"] for row in listed} == {created["Container href"], rsa["Container href"]}
    assert {row["Name"] for row in listed} == {"bundle", "keys"}

    assert cli("secret", "container", "delete", created["Container href"], fmt=None) == ""
    with pytest.raises(AssertionError) as gone:
        cli("secret", "container", "get", created["Container href"])
    assert "Not Found" in gone.value.output
    # The container's secrets outlive it.
    assert cli("secret", "get", one)["Status"] == "ACTIVE"


def test_container_rejected(cli, km):
    one = cli("secret", "store", "--name", "one", "--payload", "1")["Secret href"]
    with pytest.raises(AssertionError) as duplicate:
        cli("secret", "container", "create", "--type", "rsa", "--secret", f"public_key={one}", "--secret",
            f"private_key={one}")
    assert "Bad Request" in duplicate.value.output and "secret_refs" in duplicate.value.output
    with pytest.raises(AssertionError) as missing:
        cli("secret", "container", "create", "--secret", f"one={km.endpoint}/v1/secrets/{'0' * 8}-0000-0000-0000-"
            f"{'0' * 12}")
    assert "Not Found: Secret provided for 'one' doesn't exist." in missing.value.output
    assert cli("secret", "container", "list") == []


def test_secret_consumers(cli):
    stored = cli("secret", "store", "--name", "used", "--payload", "x")["Secret href"]
    assert cli("secret", "consumer", "create", stored, "--service-type-name", "image", "--resource-type", "image",
               "--resource-id", "img-1", fmt=None) == ""
    listed = cli("secret", "consumer", "list", stored)
    assert [(c["Service"], c["Resource type"], c["Resource id"]) for c in listed] == [("image", "image", "img-1")]
    assert cli("secret", "consumer", "delete", stored, "--service-type-name", "image", "--resource-type", "image",
               "--resource-id", "img-1", fmt=None) == ""
    assert cli("secret", "consumer", "list", stored) == []
