"""openstacksdk's key_manager proxy (``conn.key_manager``), unchanged, against the key manager.

The proxy reaches ``/v1`` as a service catalog would give it, probes the versions document for the
microversion range (its ``_microversion`` module, as python-barbicanclient does), and names every
resource by the UUID at the end of its ref. The same expectations pass against real Barbican 23
(``KM_TARGET=barbican``, see conftest.py).
"""

from __future__ import annotations

import base64

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from openstack import exceptions
from openstack.key_manager.v1 import _microversion

MISSING = "00000000-0000-0000-0000-000000000000"

# openstacksdk 4 warns about its own internals on every resource (RemovedInSDK50Warning).
pytestmark = pytest.mark.filterwarnings("ignore::openstack.warnings.RemovedInSDK50Warning")


def test_the_proxy_negotiates_the_microversion(sdk):
    # Secrets allow up to 1.3 on the client side; the server's 1.0-1.2 range caps it.
    assert _microversion.get_microversion(sdk, "1.3") == "1.2"
    assert _microversion.get_microversion(sdk, "1.1") == "1.1"


def test_secret_create_get_list_delete(sdk, km):
    created = sdk.create_secret(name="sdk-text", payload="from the sdk", payload_content_type="text/plain",
                                secret_type="passphrase")
    assert created.secret_ref.startswith(km.endpoint + "/v1/secrets/")
    assert created.secret_id == created.secret_ref.rsplit("/", 1)[1]

    fetched = sdk.get_secret(created.secret_id)
    assert (fetched.name, fetched.status, fetched.secret_type) == ("sdk-text", "ACTIVE", "passphrase")
    assert fetched.content_types == {"default": "text/plain"}
    assert fetched.payload == "from the sdk"  # fetched through /payload with Accept: text/plain
    assert fetched.created_at and fetched.updated_at

    binary = sdk.create_secret(name="sdk-bin", payload=base64.b64encode(b"\x00\x01\x02\xff").decode(),
                               payload_content_type="application/octet-stream",
                               payload_content_encoding="base64", secret_type="symmetric",
                               algorithm="aes", bit_length=32)
    got = sdk.get_secret(binary.secret_id)
    assert got.content_types == {"default": "application/octet-stream"}
    assert got.payload == b"\x00\x01\x02\xff"

    listed = list(sdk.secrets())
    assert {s.secret_id for s in listed} == {created.secret_id, binary.secret_id}
    assert all(s.status == "ACTIVE" for s in listed)
    assert [s.name for s in sdk.secrets(name="sdk-bin")] == ["sdk-bin"]
    assert [s.name for s in sdk.secrets(secret_type="passphrase")] == ["sdk-text"]
    assert [s.name for s in sdk.secrets(algorithm="aes")] == ["sdk-bin"]

    sdk.delete_secret(binary.secret_id)
    # The sdk's Secret.fetch reads the body without checking the status: a missing secret comes back
    # empty rather than raising.
    gone = sdk.get_secret(binary.secret_id)
    assert gone.name is None and gone.payload is None and gone.status is None
    with pytest.raises(exceptions.NotFoundException):
        sdk.delete_secret(binary.secret_id, ignore_missing=False)
    assert [s.secret_id for s in sdk.secrets()] == [created.secret_id]


def test_secret_rejected(sdk):
    with pytest.raises(exceptions.BadRequestException) as rejected:
        sdk.create_secret(name="bad", payload="x", payload_content_type="text/plain",
                          payload_content_encoding="base64")
    error = rejected.value.response.json()
    assert error["code"] == 400 and error["title"] == "Bad Request"
    assert "payload_content_encoding" in error["description"]
    with pytest.raises(exceptions.BadRequestException):
        sdk.create_secret(name="bad", payload="", payload_content_type="text/plain")
    assert list(sdk.secrets()) == []


def test_projects_are_isolated(sdk, sdk_proxy):
    mine = sdk.create_secret(name="mine", payload="x", payload_content_type="text/plain")
    other = sdk_proxy(project_id="proj-sdk-other")
    assert list(other.secrets()) == []
    # Barbican answers 403; the sdk's get_secret does not raise on it (see above) but learns nothing.
    seen = other.get_secret(mine.secret_id)
    assert seen.name is None and seen.payload is None
    with pytest.raises(exceptions.ForbiddenException):
        other.delete_secret(mine.secret_id)
    assert sdk.get_secret(mine.secret_id).payload == "x"


def test_key_order(sdk, wait_for):
    order = sdk.create_order(type="key", meta={"name": "sdk-key", "algorithm": "aes", "bit_length": 256,
                                               "mode": "cbc"})
    assert order.order_id and order.order_ref.endswith("/v1/orders/" + order.order_id)
    done = wait_for(lambda: sdk.get_order(order.order_id), lambda o: o.status)
    assert done.status == "ACTIVE" and done.type == "key"
    assert done.meta["name"] == "sdk-key" and done.meta["bit_length"] == 256 and done.meta["algorithm"] == "aes"
    key = sdk.get_secret(done.secret_id)
    assert key.secret_type == "symmetric" and key.bit_length == 256
    assert isinstance(key.payload, bytes) and len(key.payload) == 32

    assert [o.order_id for o in sdk.orders()] == [order.order_id]
    sdk.delete_order(order.order_id)
    with pytest.raises(exceptions.NotFoundException):
        sdk.get_order(order.order_id)


def test_asymmetric_order_with_a_passphrase(sdk, wait_for):
    order = sdk.create_order(type="asymmetric", meta={"name": "sdk-pair", "algorithm": "rsa", "bit_length": 2048,
                                                      "passphrase": "open sesame"})
    done = wait_for(lambda: sdk.get_order(order.order_id), lambda o: o.status)
    assert done.status == "ACTIVE" and done.type == "asymmetric"
    # The sdk's Order has no container_ref: the container is found by its name.
    (container,) = [c for c in sdk.containers() if c.name == "sdk-pair"]
    assert container.type == "rsa" and container.status == "ACTIVE"
    refs = {r["name"]: r["secret_ref"].rsplit("/", 1)[1] for r in container.secret_refs}
    assert set(refs) == {"public_key", "private_key", "private_key_passphrase"}

    passphrase = sdk.get_secret(refs["private_key_passphrase"])
    assert passphrase.secret_type == "passphrase"
    private = sdk.get_secret(refs["private_key"])
    assert private.secret_type == "private"
    with pytest.raises(TypeError):  # encrypted: no key without the passphrase
        serialization.load_pem_private_key(private.payload, password=None)
    key = serialization.load_pem_private_key(private.payload, password=b"open sesame")
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    assert bytes(passphrase.payload) == b"open sesame" or passphrase.payload == "open sesame"
    public = serialization.load_pem_public_key(sdk.get_secret(refs["public_key"]).payload)
    assert public.public_numbers() == key.public_key().public_numbers()


def test_containers(sdk, km):
    one = sdk.create_secret(name="one", payload="1", payload_content_type="text/plain")
    two = sdk.create_secret(name="two", payload="2", payload_content_type="text/plain")
    created = sdk.create_container(name="sdk-bundle", type="generic", secret_refs=[
        {"name": "first", "secret_ref": one.secret_ref}, {"name": "second", "secret_ref": two.secret_ref}])
    assert created.container_ref.startswith(km.endpoint + "/v1/containers/")

    fetched = sdk.get_container(created.container_id)
    assert (fetched.name, fetched.type, fetched.status) == ("sdk-bundle", "generic", "ACTIVE")
    assert sorted((r["name"], r["secret_ref"]) for r in fetched.secret_refs) == [
        ("first", one.secret_ref), ("second", two.secret_ref)]
    assert fetched.consumers == [] and fetched.created_at

    assert [c.container_id for c in sdk.containers()] == [created.container_id]
    with pytest.raises(exceptions.BadRequestException):
        sdk.create_container(name="bad", type="rsa", secret_refs=[{"name": "public_key",
                                                                   "secret_ref": one.secret_ref}])
    with pytest.raises(exceptions.NotFoundException):
        sdk.create_container(name="gone", type="generic", secret_refs=[
            {"name": "x", "secret_ref": f"{km.endpoint}/v1/secrets/{MISSING}"}])
    sdk.delete_container(created.container_id)
    with pytest.raises(exceptions.NotFoundException):
        sdk.get_container(created.container_id)
    assert list(sdk.containers()) == []


def test_secret_consumers(sdk):
    secret = sdk.create_secret(name="consumed", payload="x", payload_content_type="text/plain")
    sdk.create_secret_consumer(secret.secret_id, service="image", resource_type="image", resource_id="img-9")
    listed = list(sdk.secret_consumers(secret.secret_id))
    assert [(c.service, c.resource_type, c.resource_id) for c in listed] == [("image", "image", "img-9")]
    sdk.delete_secret_consumer(secret.secret_id, service="image", resource_type="image", resource_id="img-9")
    assert list(sdk.secret_consumers(secret.secret_id)) == []
