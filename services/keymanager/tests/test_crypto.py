"""The crypto plugin interface and SimpleCryptoPlugin: AES-GCM under per-project KEKs wrapped by the master KEK."""

from __future__ import annotations

import base64
import logging
import os
import stat

import pytest
from cryptography.hazmat.primitives import serialization

from keymanager import crypto
from keymanager.app import build_app
from keymanager.crypto import ConfigurationError, CryptoError, SimpleCryptoPlugin

MASTER = bytes(range(32))


@pytest.fixture()
def plugin() -> SimpleCryptoPlugin:
    return SimpleCryptoPlugin(MASTER)


def test_a_payload_round_trips_under_its_project_kek(plugin):
    kek = plugin.new_project_kek()
    sealed, meta = plugin.encrypt(b"s3cret", kek, aad=b"secret-1")
    assert b"s3cret" not in sealed
    assert plugin.decrypt(sealed, meta, kek, aad=b"secret-1") == b"s3cret"


def test_the_same_payload_encrypts_differently_each_time(plugin):
    kek = plugin.new_project_kek()
    assert plugin.encrypt(b"same", kek)[0] != plugin.encrypt(b"same", kek)[0]


def test_each_project_kek_is_new_and_wrapped(plugin):
    first, second = plugin.new_project_kek(), plugin.new_project_kek()
    assert first != second
    assert len(first) == 12 + 32 + 16  # nonce, a 256-bit key, the GCM tag: never the key in the clear


def test_a_ciphertext_moved_to_another_secret_does_not_decrypt(plugin):
    kek = plugin.new_project_kek()
    sealed, meta = plugin.encrypt(b"s3cret", kek, aad=b"secret-1")
    with pytest.raises(CryptoError, match="does not decrypt"):
        plugin.decrypt(sealed, meta, kek, aad=b"secret-2")


def test_another_projects_kek_does_not_decrypt(plugin):
    sealed, meta = plugin.encrypt(b"s3cret", plugin.new_project_kek(), aad=b"s")
    with pytest.raises(CryptoError):
        plugin.decrypt(sealed, meta, plugin.new_project_kek(), aad=b"s")


def test_a_tampered_ciphertext_is_refused(plugin):
    kek = plugin.new_project_kek()
    sealed, meta = plugin.encrypt(b"s3cret", kek)
    tampered = sealed[:-1] + bytes([sealed[-1] ^ 1])
    with pytest.raises(CryptoError, match="tampered"):
        plugin.decrypt(tampered, meta, kek)
    with pytest.raises(CryptoError, match="too short"):
        plugin.decrypt(b"short", meta, kek)


def test_another_master_kek_cannot_unwrap_the_project_keks(plugin):
    kek = plugin.new_project_kek()
    sealed, meta = plugin.encrypt(b"s3cret", kek)
    with pytest.raises(CryptoError, match="project's KEK"):
        SimpleCryptoPlugin(os.urandom(32)).decrypt(sealed, meta, kek)


def test_only_bytes_are_encrypted_and_the_error_does_not_show_them(plugin):
    with pytest.raises(CryptoError) as raised:
        plugin.encrypt("s3cret-text", plugin.new_project_kek())  # type: ignore[arg-type]
    assert "s3cret-text" not in str(raised.value)


def test_a_master_kek_of_the_wrong_size_is_refused():
    with pytest.raises(ConfigurationError, match="32 bytes"):
        SimpleCryptoPlugin(b"short")


# --- configuration ----------------------------------------------------------------------------------

def test_kek_text_is_base64_of_32_bytes_standard_or_urlsafe():
    key = os.urandom(32)
    assert crypto.parse_kek(base64.b64encode(key).decode(), "x") == key
    assert crypto.parse_kek(base64.urlsafe_b64encode(key).decode() + "\n", "x") == key
    with pytest.raises(ConfigurationError, match=r"\$KEYMANAGER_KEK must be the base64 of 32 bytes, not of 5"):
        crypto.parse_kek(base64.b64encode(b"12345").decode(), "$KEYMANAGER_KEK")
    with pytest.raises(ConfigurationError, match="the kek setting is not base64"):
        crypto.parse_kek("!!!not base64!!!", "the kek setting")


def test_the_setting_wins_over_the_environment_and_the_environment_over_the_file(tmp_path):
    a, b, c = os.urandom(32), os.urandom(32), os.urandom(32)
    path = tmp_path / "kek"
    path.write_text(base64.b64encode(c).decode())
    env = {"KEYMANAGER_KEK": base64.b64encode(b).decode(), "KEYMANAGER_KEK_FILE": str(path)}
    url = "postgresql://db/keymanager"
    assert crypto.master_kek(kek=base64.b64encode(a).decode(), kek_file=None, database_url=url, env=env) == a
    assert crypto.master_kek(kek=None, kek_file=None, database_url=url, env=env) == b
    assert crypto.master_kek(kek=None, kek_file=None, database_url=url, env={"KEYMANAGER_KEK_FILE": str(path)}) == c


def test_without_a_kek_a_sqlite_database_gets_a_development_kek_beside_it_and_one_warning(tmp_path, caplog):
    url = f"sqlite:///{tmp_path / 'km.sqlite'}"
    with caplog.at_level(logging.WARNING, logger="keymanager.crypto"):
        first = crypto.master_kek(kek=None, kek_file=None, database_url=url, env={})
        again = crypto.master_kek(kek=None, kek_file=None, database_url=url, env={})
    path = tmp_path / "km.sqlite.kek"
    assert first == again and len(first) == 32
    assert crypto.parse_kek(path.read_text(), "file") == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    warnings = [r for r in caplog.records if "development KEK" in r.getMessage()]
    assert len(warnings) == 1 and "KEYMANAGER_KEK" in warnings[0].getMessage()
    assert base64.b64encode(first).decode() not in caplog.text


def test_without_a_kek_another_database_is_a_configuration_error():
    with pytest.raises(ConfigurationError, match="no master KEK: set KEYMANAGER_KEK"):
        crypto.master_kek(kek=None, kek_file=None, database_url="postgresql://db/keymanager", env={})


def test_an_unreadable_kek_file_is_named(tmp_path):
    missing = tmp_path / "nope"
    with pytest.raises(ConfigurationError, match=f"cannot read the KEK file {missing}"):
        crypto.master_kek(kek=None, kek_file=str(missing), database_url="sqlite://", env={})


# --- plugins through the entry point group -------------------------------------------------------------

def test_the_default_plugin_is_simple_crypto_found_by_its_entry_point(tmp_path):
    api = build_app(database_url=f"sqlite:///{tmp_path / 'a.sqlite'}", kek=base64.b64encode(MASTER).decode(),
                    environ={})
    assert isinstance(api.keymanager.crypto, SimpleCryptoPlugin)
    assert api.keymanager.crypto.name == "simple_crypto"


def test_an_unknown_plugin_is_a_start_up_error_naming_the_group(tmp_path):
    with pytest.raises(ConfigurationError, match="crypto_plugin = 'hsm': no such plugin in the entry point group "
                                                 "'keymanager.crypto.plugins'"):
        build_app(database_url=f"sqlite:///{tmp_path / 'a.sqlite'}", crypto_plugin="hsm", environ={})


def test_the_plugin_is_named_by_the_environment_too(tmp_path):
    with pytest.raises(ConfigurationError, match="'pkcs11'"):
        build_app(database_url=f"sqlite:///{tmp_path / 'a.sqlite'}", environ={"KEYMANAGER_CRYPTO_PLUGIN": "pkcs11"})


# --- key generation for orders -----------------------------------------------------------------------

@pytest.mark.parametrize("bits", [128, 192, 256, 512])
def test_symmetric_keys_have_the_bit_length_asked_for(bits):
    assert len(crypto.generate_symmetric(bits)) == bits // 8
    assert crypto.generate_symmetric(bits) != crypto.generate_symmetric(bits)


@pytest.mark.parametrize("bits", [0, -8, 100])
def test_a_symmetric_bit_length_that_is_not_a_positive_multiple_of_8_is_refused(bits):
    with pytest.raises(CryptoError, match="multiple of 8"):
        crypto.generate_symmetric(bits)


def test_an_rsa_key_pair_is_pem_and_matches():
    pair = crypto.generate_rsa(2048)
    private = serialization.load_pem_private_key(pair.private_key, password=None)
    public = serialization.load_pem_public_key(pair.public_key)
    assert private.key_size == 2048
    assert private.public_key().public_numbers() == public.public_numbers()
    assert pair.passphrase is None


def test_an_rsa_private_key_with_a_passphrase_opens_only_with_it():
    pair = crypto.generate_rsa(2048, passphrase="open sesame")
    assert pair.passphrase == b"open sesame"
    assert b"ENCRYPTED" in pair.private_key
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(pair.private_key, password=None)
    assert serialization.load_pem_private_key(pair.private_key, password=b"open sesame").key_size == 2048


def test_supports_follows_barbicans_tables(plugin):
    assert plugin.supports(crypto.ENCRYPT_DECRYPT)
    assert plugin.supports(crypto.SYMMETRIC_KEY_GENERATION, "aes", 256, "cbc")
    assert plugin.supports(crypto.SYMMETRIC_KEY_GENERATION, "AES", 512, "xts")  # XTS: twice a supported length
    assert not plugin.supports(crypto.SYMMETRIC_KEY_GENERATION, "aes", 512, "cbc")
    assert not plugin.supports(crypto.SYMMETRIC_KEY_GENERATION, "blowfish", 128, "cbc")
    assert plugin.supports(crypto.ASYMMETRIC_KEY_GENERATION, "rsa", 2048)
    assert not plugin.supports(crypto.ASYMMETRIC_KEY_GENERATION, "rsa", 1000)
    assert not plugin.supports(crypto.SYMMETRIC_KEY_GENERATION, None, 256)


# --- at rest and in the logs, through the service -------------------------------------------------------

def test_payloads_never_reach_the_logs(km, caplog):
    marker = "payload-marker-7f3a9c"
    with caplog.at_level(logging.DEBUG):
        created = km.client.post("/v1/secrets", json={"name": "logged?", "payload": marker,
                                                      "payload_content_type": "text/plain"})
        path = "/v1/" + created.json()["secret_ref"].split("/v1/", 1)[1]
        assert km.client.get(path + "/payload", headers={"Accept": "text/plain"}).body == marker.encode()
        later = km.client.post("/v1/secrets", json={"name": "put later"})
        later_path = "/v1/" + later.json()["secret_ref"].split("/v1/", 1)[1]
        km.client.put(later_path, body=marker + "-put", headers={"Content-Type": "text/plain"})
        km.client.post("/v1/secrets", json={"payload": marker, "payload_content_type": "application/json"})
    assert caplog.records, "nothing was logged at all: the check would prove nothing"
    assert marker not in caplog.text
    for row in km.rows("km_secrets"):
        assert marker.encode() not in bytes(row["cypher_text"] or b"")
