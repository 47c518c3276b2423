"""python-barbicanclient 7.6's Python API, unchanged, against the key manager.

What a service using the client (Nova, Cinder, Octavia through castellan or directly) relies on: the
microversion it negotiates from the versions document, secrets of both content types round-tripping
their payloads, a payload added later and only once, key and asymmetric orders reaching ACTIVE with
usable keys, generic and rsa containers, consumers of containers and secrets, secret metadata. The same
expectations pass against real Barbican 23 (``KM_TARGET=barbican``, see conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from barbicanclient import exceptions
from barbicanclient.v1.containers import Container, RSAContainer
from barbicanclient.v1.orders import AsymmetricOrder, KeyOrder
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.hazmat.primitives.hashes import SHA256

MISSING = "00000000-0000-0000-0000-000000000000"


def status_of(call) -> int:
    with pytest.raises(exceptions.HTTPClientError) as failed:
        call()
    return failed.value.status_code


# --- versions ------------------------------------------------------------------------------------------


def test_the_client_negotiates_the_highest_microversion_both_know(barbican_client):
    # The client asks GET / with OpenStack-API-Version: key-manager 1.1 and reads min/max_version.
    assert barbican_client().client.microversion == "1.2"
    assert barbican_client(microversion="1.0").client.microversion == "1.0"
    assert barbican_client(microversion="1.1").client.microversion == "1.1"
    with pytest.raises(exceptions.UnsupportedVersion):
        barbican_client(microversion="1.7")


# --- secrets -------------------------------------------------------------------------------------------


def test_text_secret_round_trips(barbican, km):
    expires = (datetime.now(UTC) + timedelta(days=1)).replace(microsecond=0)
    secret = barbican.secrets.create(name="text", payload="héllo wörld", algorithm="aes", bit_length=256,
                                     mode="cbc", secret_type="opaque", expiration=expires.isoformat())
    ref = secret.store()
    assert ref.startswith(km.endpoint + "/v1/secrets/") and secret.secret_ref == ref

    fetched = barbican.secrets.get(ref)
    assert fetched.name == "text" and fetched.status == "ACTIVE"
    assert fetched.content_types == {"default": "text/plain"}
    assert (fetched.algorithm, fetched.bit_length, fetched.mode, fetched.secret_type) == ("aes", 256, "cbc", "opaque")
    assert fetched.expiration == expires
    assert fetched.created.tzinfo is not None and fetched.updated >= fetched.created
    assert fetched.payload == "héllo wörld"  # text/plain: the client decodes UTF-8
    # A bare UUID is a ref too.
    assert barbican.secrets.get(ref.rsplit("/", 1)[1]).payload == "héllo wörld"


def test_binary_secret_round_trips(barbican):
    raw = bytes(range(256))
    ref = barbican.secrets.create(name="binary", payload=raw, secret_type="symmetric", algorithm="aes",
                                  bit_length=2048).store()
    fetched = barbican.secrets.get(ref)
    assert fetched.content_types == {"default": "application/octet-stream"}
    assert fetched.secret_type == "symmetric"
    assert fetched.payload == raw


def test_metadata_only_secret_takes_its_payload_once(barbican):
    ref = barbican.secrets.create(name="empty", algorithm="aes", bit_length=128).store()
    empty = barbican.secrets.get(ref)
    assert empty.content_types is None and empty.status == "ACTIVE"
    assert empty.payload is None  # the client sees no content type and asks for nothing

    barbican.secrets.update(ref, b"\x01\x02late")
    assert barbican.secrets.get(ref).payload == b"\x01\x02late"
    assert status_of(lambda: barbican.secrets.update(ref, b"again")) == 409
    assert barbican.secrets.get(ref).payload == b"\x01\x02late"


def test_empty_payload_is_refused_before_sending(barbican):
    with pytest.raises(exceptions.PayloadException):
        barbican.secrets.create(name="nothing", payload="").store()


def test_list_filters_and_pages(barbican):
    refs = [barbican.secrets.create(name=f"s{i}", payload=f"p{i}", algorithm="aes" if i % 2 else "des",
                                    bit_length=128 * (1 + i % 2)).store() for i in range(5)]
    everything = barbican.secrets.list(limit=10)
    assert {s.secret_ref for s in everything} == set(refs)
    assert all(s.status == "ACTIVE" for s in everything)
    assert [s.name for s in barbican.secrets.list(name="s3")] == ["s3"]
    assert {s.name for s in barbican.secrets.list(algorithm="aes")} == {"s1", "s3"}
    assert {s.name for s in barbican.secrets.list(bits=128)} == {"s0", "s2", "s4"}
    first, second = barbican.secrets.list(limit=3, offset=0), barbican.secrets.list(limit=3, offset=3)
    assert len(first) == 3 and len(second) == 2
    assert {s.secret_ref for s in first} | {s.secret_ref for s in second} == set(refs)
    ordered = [s.name for s in barbican.secrets.list(sort="name:desc")]
    assert ordered == ["s4", "s3", "s2", "s1", "s0"]


def test_delete_and_unknown_secrets(barbican, km):
    ref = barbican.secrets.create(name="doomed", payload="x").store()
    barbican.secrets.delete(ref)
    assert status_of(lambda: barbican.secrets.get(ref).name) == 404
    assert status_of(lambda: barbican.secrets.delete(ref)) == 404
    assert status_of(lambda: barbican.secrets.get(f"{km.endpoint}/v1/secrets/{MISSING}").name) == 404
    assert barbican.secrets.list() == []


def test_projects_are_isolated(barbican, barbican_client):
    ref = barbican.secrets.create(name="ours", payload="ours").store()
    other = barbican_client(project_id="proj-another")
    assert other.secrets.list() == []
    # Barbican 23 answers another project's secret with 403 (secret:get's project match), not 404.
    assert status_of(lambda: other.secrets.get(ref).name) == 403
    assert status_of(lambda: other.secrets.get(ref).payload) == 403
    assert status_of(lambda: other.secrets.delete(ref)) == 403
    assert barbican.secrets.get(ref).payload == "ours"


# --- secret metadata -----------------------------------------------------------------------------------


def test_secret_metadata(barbican):
    ref = barbican.secrets.create(name="labelled", payload="x").store()
    assert barbican.secrets.get_secret_metadata(ref) == {"metadata": {}}
    answer = barbican.secrets.set_secret_metadata(ref, {"Colour": "red", "size": "2"})
    assert answer == {"metadata_ref": ref + "/metadata"}
    # Keys are stored lower-cased.
    assert barbican.secrets.get_secret_metadata(ref) == {"metadata": {"colour": "red", "size": "2"}}
    assert barbican.secrets.get_secret_metadata(ref, "colour") == {"key": "colour", "value": "red"}
    # The client's add_secret_metadata POSTs to /metadata/{key}, which Barbican 23 does not route.
    assert status_of(lambda: barbican.secrets.add_secret_metadata(ref, "shape", "round")) == 405
    barbican.secrets.delete_secret_metadata(ref, "colour")
    assert barbican.secrets.get_secret_metadata(ref) == {"metadata": {"size": "2"}}
    assert status_of(lambda: barbican.secrets.get_secret_metadata(ref, "colour")) == 404
    assert barbican.secrets.set_secret_metadata(ref, {}) == {"metadata_ref": ref + "/metadata"}
    assert barbican.secrets.get_secret_metadata(ref) == {"metadata": {}}


# --- secret consumers (1.1+) ---------------------------------------------------------------------------


def test_secret_consumers(barbican):
    ref = barbican.secrets.create(name="consumed", payload="x").store()
    assert barbican.secrets.list_consumers(ref) == []
    barbican.secrets.register_consumer(ref, service="image", resource_type="image", resource_id="img-1")
    barbican.secrets.register_consumer(ref, service="volume", resource_type="volume", resource_id="vol-1")
    listed = barbican.secrets.list_consumers(ref)
    assert sorted((c.service, c.resource_type, c.resource_id) for c in listed) == [
        ("image", "image", "img-1"), ("volume", "volume", "vol-1")]
    assert all(c.status == "ACTIVE" and c.secret_ref == ref for c in listed)
    assert sorted(c["resource_id"] for c in barbican.secrets.get(ref).consumers) == ["img-1", "vol-1"]

    barbican.secrets.remove_consumer(ref, service="image", resource_type="image", resource_id="img-1")
    assert [c.resource_id for c in barbican.secrets.list_consumers(ref)] == ["vol-1"]
    assert status_of(lambda: barbican.secrets.remove_consumer(ref, service="image", resource_type="image",
                                                              resource_id="img-1")) == 404
    # At 1.2 the server refuses to delete a secret with consumers (400) unless ?force; the client
    # turns that answer into SecretHasConsumers.
    with pytest.raises(exceptions.SecretHasConsumers):
        barbican.secrets.delete(ref)
    assert barbican.secrets.get(ref).status == "ACTIVE"
    barbican.secrets.delete(ref, force=True)
    assert status_of(lambda: barbican.secrets.get(ref).name) == 404


def test_secret_with_consumers_at_1_1(barbican_client):
    old = barbican_client(microversion="1.1")
    ref = old.secrets.create(name="consumed", payload="x").store()
    old.secrets.register_consumer(ref, service="image", resource_type="image", resource_id="img-1")
    assert [c["resource_id"] for c in old.secrets.get(ref).consumers] == ["img-1"]
    # Before 1.2 the client itself refuses, from the secret's consumers; force deletes.
    with pytest.raises(exceptions.SecretHasConsumers):
        old.secrets.delete(ref)
    old.secrets.delete(ref, force=True)
    assert status_of(lambda: old.secrets.get(ref).name) == 404


# --- orders --------------------------------------------------------------------------------------------


def test_key_order(barbican, km, wait_for):
    order = barbican.orders.create_key(name="aes-key", algorithm="aes", bit_length=192, mode="ctr")
    ref = order.submit()
    assert ref.startswith(km.endpoint + "/v1/orders/")
    done = wait_for(lambda: barbican.orders.get(ref), lambda o: o.status)
    assert isinstance(done, KeyOrder) and done.status == "ACTIVE", (done.status, done.error_reason)
    assert (done.name, done.algorithm, done.bit_length, done.mode) == ("aes-key", "aes", 192, "ctr")
    assert done.error_status_code is None and done.created.tzinfo is not None

    key = barbican.secrets.get(done.secret_ref)
    assert (key.name, key.secret_type, key.algorithm, key.bit_length, key.mode) == (
        "aes-key", "symmetric", "aes", 192, "ctr")
    assert key.content_types == {"default": "application/octet-stream"}
    assert isinstance(key.payload, bytes) and len(key.payload) == 24

    assert [o.order_ref for o in barbican.orders.list()] == [ref]
    barbican.orders.delete(ref)
    assert status_of(lambda: barbican.orders.get(ref).status) == 404
    assert barbican.secrets.get(done.secret_ref).status == "ACTIVE"


@pytest.mark.parametrize(("meta", "status"), [
    ({"algorithm": "aes", "bit_length": 100, "mode": "cbc"}, 400),
    ({"algorithm": "aes", "bit_length": "many", "mode": "cbc"}, 400),
], ids=["odd-bits", "non-integer-bits"])
def test_key_order_rejected(barbican, meta, status):
    with pytest.raises(exceptions.HTTPClientError) as rejected:
        barbican.orders.create_key(name="bad", **meta).submit()
    assert rejected.value.status_code == status
    assert "Bad Request" in str(rejected.value)
    assert barbican.orders.list() == [] and barbican.secrets.list() == []


def test_key_order_for_an_unknown_algorithm_ends_in_error(barbican, wait_for):
    # Barbican 23 takes the order (202) and its processing fails: ERROR, 400, "Process TypeOrder issue
    # seen - Secret generate supported plugin not found..".
    ref = barbican.orders.create_key(name="odd", algorithm="rot13", bit_length=256, mode="cbc").submit()
    failed = wait_for(lambda: barbican.orders.get(ref), lambda o: o.status, wanted="ERROR")
    # Barbican 23 stores and returns the code as a string.
    assert failed.status == "ERROR" and failed.error_status_code == "400"
    assert isinstance(failed.error_reason, str) and failed.error_reason
    assert failed.secret_ref is None
    assert barbican.secrets.list() == []


def test_asymmetric_order(barbican, wait_for):
    ref = barbican.orders.create_asymmetric(name="pair", algorithm="rsa", bit_length=2048).submit()
    done = wait_for(lambda: barbican.orders.get(ref), lambda o: o.status)
    assert isinstance(done, AsymmetricOrder) and done.status == "ACTIVE", (done.status, done.error_reason)
    container = barbican.containers.get(done.container_ref)
    assert isinstance(container, RSAContainer) and container.name == "pair" and container.status == "ACTIVE"
    assert container.private_key_passphrase is None

    public, private = container.public_key, container.private_key
    assert (public.secret_type, private.secret_type) == ("public", "private")
    assert public.algorithm == private.algorithm == "rsa" and public.bit_length == 2048
    key = serialization.load_pem_private_key(private.payload, password=None)
    assert isinstance(key, rsa.RSAPrivateKey) and key.key_size == 2048
    public_key = serialization.load_pem_public_key(public.payload)
    assert public_key.public_numbers() == key.public_key().public_numbers()
    signature = key.sign(b"message", padding.PKCS1v15(), SHA256())
    public_key.verify(signature, b"message", padding.PKCS1v15(), SHA256())


def test_orders_list_and_isolation(barbican, barbican_client, wait_for):
    refs = [barbican.orders.create_key(name=f"k{i}", algorithm="aes", bit_length=128).submit() for i in range(3)]
    for ref in refs:
        assert wait_for(lambda ref=ref: barbican.orders.get(ref), lambda o: o.status).status == "ACTIVE"
    assert {o.order_ref for o in barbican.orders.list()} == set(refs)
    assert [o.name for o in barbican.orders.list(limit=1, offset=1)] in (["k0"], ["k1"], ["k2"])
    other = barbican_client(project_id="proj-elsewhere")
    assert other.orders.list() == []
    assert status_of(lambda: other.orders.get(refs[0]).status) in (403, 404)


# --- containers ----------------------------------------------------------------------------------------


def test_generic_container(barbican, km):
    one = barbican.secrets.create(name="one", payload="1").store()
    two = barbican.secrets.create(name="two", payload=b"2").store()
    container = barbican.containers.create(name="bundle", secrets={"first": barbican.secrets.get(one),
                                                                   "second": barbican.secrets.get(two)})
    ref = container.store()
    assert ref.startswith(km.endpoint + "/v1/containers/")

    fetched = barbican.containers.get(ref)
    assert isinstance(fetched, Container) and not isinstance(fetched, RSAContainer)
    assert fetched.name == "bundle" and fetched.status == "ACTIVE" and fetched.created.tzinfo is not None
    assert fetched.secret_refs == {"first": one, "second": two}
    assert fetched.secrets["first"].payload == "1" and fetched.secrets["second"].payload == b"2"
    assert fetched.consumers == []

    assert [c.container_ref for c in barbican.containers.list()] == [ref]
    assert barbican.containers.list(type="rsa") == []
    barbican.containers.delete(ref)
    assert status_of(lambda: barbican.containers.get(ref)) == 404
    assert barbican.secrets.get(one).payload == "1"


def test_rsa_container_and_its_rules(barbican, km):
    public = barbican.secrets.create(name="pub", payload="public", secret_type="public").store()
    private = barbican.secrets.create(name="priv", payload="private", secret_type="private").store()
    ref = barbican.containers.create_rsa(name="keys", public_key=barbican.secrets.get(public),
                                         private_key=barbican.secrets.get(private)).store()
    fetched = barbican.containers.get(ref)
    assert isinstance(fetched, RSAContainer)
    assert fetched.public_key.secret_ref == public and fetched.private_key.secret_ref == private
    assert [c.name for c in barbican.containers.list(type="rsa")] == ["keys"]

    # An rsa container needs both keys; a ref that is not a secret of the project is refused.
    rejected = barbican.containers.create_rsa(name="half", public_key=barbican.secrets.get(public))
    assert status_of(rejected.store) == 400
    malformed = barbican.containers.create(name="malformed", secrets={"x": barbican.secrets.get(MISSING)})
    assert status_of(malformed.store) == 400  # a bare UUID is not a secret ref
    stranger = barbican.containers.create(name="stranger", secrets={
        "x": barbican.secrets.get(f"{km.endpoint}/v1/secrets/{MISSING}")})
    assert status_of(stranger.store) == 404
    assert len(barbican.containers.list()) == 1


def test_container_consumers(barbican):
    secret = barbican.secrets.create(name="s", payload="x").store()
    ref = barbican.containers.create(name="used", secrets={"s": barbican.secrets.get(secret)}).store()
    registered = barbican.containers.register_consumer(ref, "loadbalancer", "http://lb.example/lb-1")
    assert registered.consumers == [{"name": "loadbalancer", "URL": "http://lb.example/lb-1"}]
    barbican.containers.register_consumer(ref, "loadbalancer", "http://lb.example/lb-2")
    # Registering the same consumer again changes nothing.
    again = barbican.containers.register_consumer(ref, "loadbalancer", "http://lb.example/lb-2")
    assert sorted(c["URL"] for c in again.consumers) == ["http://lb.example/lb-1", "http://lb.example/lb-2"]
    assert len(barbican.containers.get(ref).consumers) == 2

    barbican.containers.remove_consumer(ref, "loadbalancer", "http://lb.example/lb-1")
    assert barbican.containers.get(ref).consumers == [{"name": "loadbalancer", "URL": "http://lb.example/lb-2"}]
    assert status_of(lambda: barbican.containers.remove_consumer(ref, "loadbalancer",
                                                                 "http://lb.example/lb-1")) == 404
