"""Payloads at rest: the crypto plugin interface, SimpleCryptoPlugin, and key generation for orders.

A plugin encrypts a payload with its project's key-encryption key (KEK), which it hands out wrapped
(encrypted by a master KEK) for the store to keep in ``km_project_keys``; Barbican's simple_crypto does
the same with Fernet, this one with AES-256-GCM. Plugins are found by name in the entry point group
``keymanager.crypto.plugins`` (stevedore), the name coming from configuration (``crypto_plugin``).

>>> plugin = SimpleCryptoPlugin(master_kek=os.urandom(32))
>>> wrapped = plugin.new_project_kek()
>>> sealed, meta = plugin.encrypt(b"s3cret", wrapped, aad=b"secret-id")
>>> plugin.decrypt(sealed, meta, wrapped, aad=b"secret-id")
b's3cret'

Nothing here logs a payload, a key or a passphrase; errors name what failed, never the bytes.
"""

from __future__ import annotations

import abc
import base64
import binascii
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, rsa
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

LOG = logging.getLogger(__name__)

#: The entry point group crypto plugins are registered in.
PLUGIN_NAMESPACE = "keymanager.crypto.plugins"
DEFAULT_PLUGIN = "simple_crypto"

#: What Barbican's crypto plugins support (barbican/plugin/crypto/base.py PluginSupportTypes).
SYMMETRIC_ALGORITHMS = ("aes", "des", "3des", "hmacsha1", "hmacsha256", "hmacsha384", "hmacsha512")
SYMMETRIC_KEY_LENGTHS = (64, 128, 192, 256)
ASYMMETRIC_ALGORITHMS = ("rsa", "dsa")
ASYMMETRIC_KEY_LENGTHS = (1024, 2048, 3072, 4096)

ENCRYPT_DECRYPT = "ENCRYPT_DECRYPT"
SYMMETRIC_KEY_GENERATION = "SYMMETRIC_KEY_GENERATION"
ASYMMETRIC_KEY_GENERATION = "ASYMMETRIC_KEY_GENERATION"

_NONCE = 12
_KEK_BYTES = 32


class CryptoError(Exception):
    """A payload or key could not be encrypted, decrypted or generated (the message names why, not the bytes)."""


class ConfigurationError(ValueError):
    """The crypto configuration is missing or wrong: no master KEK, a malformed one, an unknown plugin."""


@dataclass(frozen=True)
class KeyPair:
    """An asymmetric key pair as PEM (the private key encrypted with ``passphrase`` when there is one)."""

    private_key: bytes
    public_key: bytes
    passphrase: bytes | None


class CryptoPlugin(abc.ABC):
    """What the key manager asks of a crypto back end.

    ``wrapped_kek`` is the project's KEK as :meth:`new_project_kek` returned it; the store keeps it and
    passes it back. ``aad`` binds a ciphertext to what owns it (the secret's id), so a ciphertext moved to
    another row does not decrypt.
    """

    #: The name stored beside every ciphertext and project key (Barbican's plugin_name).
    name: str = ""

    @classmethod
    def from_settings(cls, settings: dict[str, Any], *, database_url: str, env: dict[str, str]) -> CryptoPlugin:
        """The plugin as configured by the key manager's settings (the paste section's, and the environment)."""
        return cls()

    @abc.abstractmethod
    def new_project_kek(self) -> bytes:
        """A new project KEK, wrapped: only this plugin can unwrap it."""

    @abc.abstractmethod
    def encrypt(self, plaintext: bytes, wrapped_kek: bytes, *, aad: bytes = b"") -> tuple[bytes, str | None]:
        """``(cypher_text, kek_meta_extended)`` for ``plaintext`` under the project KEK."""

    @abc.abstractmethod
    def decrypt(self, cypher_text: bytes, kek_meta_extended: str | None, wrapped_kek: bytes, *,
                aad: bytes = b"") -> bytes:
        """The plaintext, or :class:`CryptoError` when it does not authenticate."""

    def supports(self, kind: str, algorithm: str | None = None, bit_length: int | None = None,
                 mode: str | None = None) -> bool:
        """Whether the plugin can do ``kind`` (ENCRYPT_DECRYPT, SYMMETRIC_/ASYMMETRIC_KEY_GENERATION) so."""
        if kind == ENCRYPT_DECRYPT:
            return True
        if algorithm is None or bit_length is None:
            return False
        algorithm = algorithm.lower()
        if kind == SYMMETRIC_KEY_GENERATION:
            # XTS halves the effective key, so its bit length is twice a supported one (as Barbican).
            factor = 2 if mode is not None and mode.lower() == "xts" else 1
            return algorithm in SYMMETRIC_ALGORITHMS and bit_length / factor in SYMMETRIC_KEY_LENGTHS
        if kind == ASYMMETRIC_KEY_GENERATION:
            return algorithm in ASYMMETRIC_ALGORITHMS and bit_length in ASYMMETRIC_KEY_LENGTHS
        return False

    def generate_symmetric(self, bit_length: int) -> bytes:
        """A random key of ``bit_length`` bits (a multiple of 8)."""
        return generate_symmetric(bit_length)

    def generate_asymmetric(self, algorithm: str, bit_length: int, passphrase: str | bytes | None = None) -> KeyPair:
        return generate_asymmetric(algorithm, bit_length, passphrase)


class SimpleCryptoPlugin(CryptoPlugin):
    """Software-only AES-256-GCM: payloads under a per-project KEK, project KEKs under the master KEK.

    Each ciphertext is ``nonce (12 bytes) || AES-GCM(ciphertext || tag)``. Unwrapped project KEKs are kept
    in memory (by their wrapped bytes), so a read costs one AES-GCM decryption, not two.
    """

    name = "simple_crypto"

    def __init__(self, master_kek: bytes, *, plugin_name: str = "Software Only Crypto") -> None:
        if len(master_kek) != _KEK_BYTES:
            raise ConfigurationError(f"the master KEK must be {_KEK_BYTES} bytes (base64 of them in "
                                     f"configuration), not {len(master_kek)}")
        self.plugin_name = plugin_name
        self._master = AESGCM(master_kek)
        self._keks: dict[bytes, AESGCM] = {}
        self._lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: dict[str, Any], *, database_url: str, env: dict[str, str]) -> CryptoPlugin:
        return cls(master_kek(kek=settings.get("kek"), kek_file=settings.get("kek_file"),
                              database_url=database_url, env=env))

    def new_project_kek(self) -> bytes:
        return _seal(self._master, AESGCM.generate_key(bit_length=256), b"keymanager-project-kek")

    def encrypt(self, plaintext: bytes, wrapped_kek: bytes, *, aad: bytes = b"") -> tuple[bytes, str | None]:
        if not isinstance(plaintext, bytes):
            raise CryptoError(f"the payload to encrypt must be bytes, not {type(plaintext).__name__}")
        return _seal(self._kek(wrapped_kek), plaintext, aad), None

    def decrypt(self, cypher_text: bytes, kek_meta_extended: str | None, wrapped_kek: bytes, *,
                aad: bytes = b"") -> bytes:
        return _open(self._kek(wrapped_kek), cypher_text, aad, "the secret's payload")

    def _kek(self, wrapped_kek: bytes) -> AESGCM:
        kek = self._keks.get(wrapped_kek)
        if kek is None:
            kek = AESGCM(_open(self._master, wrapped_kek, b"keymanager-project-kek", "the project's KEK"))
            with self._lock:
                if len(self._keks) > 4096:  # bounded: one entry per project seen
                    self._keks.clear()
                self._keks[wrapped_kek] = kek
        return kek


def _seal(cipher: AESGCM, plaintext: bytes, aad: bytes) -> bytes:
    nonce = os.urandom(_NONCE)
    return nonce + cipher.encrypt(nonce, plaintext, aad)


def _open(cipher: AESGCM, sealed: bytes, aad: bytes, what: str) -> bytes:
    if len(sealed) < _NONCE + 16:
        raise CryptoError(f"{what} is too short to be a ciphertext")
    try:
        return cipher.decrypt(sealed[:_NONCE], sealed[_NONCE:], aad)
    except InvalidTag:
        raise CryptoError(f"{what} does not decrypt with this key (wrong master KEK, or tampered)") from None


def generate_symmetric(bit_length: int) -> bytes:
    """``bit_length // 8`` random bytes (Barbican's simple_crypto generate_symmetric)."""
    if bit_length <= 0 or bit_length % 8:
        raise CryptoError(f"a symmetric key's bit_length must be a positive multiple of 8, not {bit_length}")
    return os.urandom(bit_length // 8)


def generate_asymmetric(algorithm: str, bit_length: int, passphrase: str | bytes | None = None) -> KeyPair:
    """A key pair: RSA as PEM (PKCS#8 private, SubjectPublicKeyInfo public), DSA as DER, as Barbican does."""
    algorithm = (algorithm or "rsa").lower()
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    protection: Any = (serialization.BestAvailableEncryption(passphrase) if passphrase
                       else serialization.NoEncryption())
    if algorithm == "rsa":
        key: Any = rsa.generate_private_key(public_exponent=65537, key_size=bit_length)
        encoding = serialization.Encoding.PEM
    elif algorithm == "dsa":
        key = dsa.generate_private_key(key_size=bit_length)
        encoding = serialization.Encoding.DER
    else:
        raise CryptoError(f"cannot generate a key pair for algorithm {algorithm!r} (rsa or dsa)")
    private = key.private_bytes(encoding=encoding, format=serialization.PrivateFormat.PKCS8,
                                encryption_algorithm=protection)
    public = key.public_key().public_bytes(encoding=encoding,
                                           format=serialization.PublicFormat.SubjectPublicKeyInfo)
    return KeyPair(private, public, passphrase or None)


def generate_rsa(bit_length: int, passphrase: str | bytes | None = None) -> KeyPair:
    """An RSA key pair as PEMs."""
    return generate_asymmetric("rsa", bit_length, passphrase)


# Configuration -----------------------------------------------------------------------------------------

def parse_kek(text: str, where: str) -> bytes:
    """A master KEK from configuration: base64 (standard or URL-safe, as Fernet keys are) of 32 bytes."""
    cleaned = text.strip()
    try:
        key = base64.urlsafe_b64decode(cleaned.replace("+", "-").replace("/", "_") + "=" * (-len(cleaned) % 4))
    except (binascii.Error, ValueError):
        raise ConfigurationError(f"{where} is not base64") from None
    if len(key) != _KEK_BYTES:
        raise ConfigurationError(f"{where} must be the base64 of {_KEK_BYTES} bytes, not of {len(key)} "
                                 "(make one with: python -c \"import base64,os; "
                                 "print(base64.b64encode(os.urandom(32)).decode())\")")
    return key


_warned: set[str] = set()


def master_kek(*, kek: str | None, kek_file: str | None, database_url: str, env: dict[str, str]) -> bytes:
    """The master KEK: ``kek`` (setting), else ``$KEYMANAGER_KEK``, else ``kek_file`` / ``$KEYMANAGER_KEK_FILE``.

    With none of them and a SQLite database, a development key is made into ``<database>.kek`` beside
    the database file (mode 0600) and reused after, with one warning; an in-memory SQLite database gets
    one in memory. Any other database without a KEK is a configuration error.
    """
    if kek:
        return parse_kek(kek, "the kek setting")
    if env.get("KEYMANAGER_KEK"):
        return parse_kek(env["KEYMANAGER_KEK"], "$KEYMANAGER_KEK")
    path = kek_file or env.get("KEYMANAGER_KEK_FILE")
    if path:
        try:
            return parse_kek(Path(path).read_text(), f"the KEK file {path}")
        except OSError as exc:
            raise ConfigurationError(f"cannot read the KEK file {path}: {exc.strerror}") from None
    sqlite_file = _sqlite_file(database_url)
    if sqlite_file is None:
        raise ConfigurationError("no master KEK: set KEYMANAGER_KEK (base64 of 32 bytes), or kek / kek_file in "
                                 "the paste file's [app:keymanager] section")
    if sqlite_file == ":memory:":
        _warn_once("memory", "no master KEK configured: using a random one for this in-memory database")
        return os.urandom(_KEK_BYTES)
    kek_path = Path(sqlite_file + ".kek")
    if kek_path.exists():
        _warn_once(str(kek_path), f"no master KEK configured: using the development KEK in {kek_path}")
        return parse_kek(kek_path.read_text(), f"the KEK file {kek_path}")
    kek_path.parent.mkdir(parents=True, exist_ok=True)
    key = os.urandom(_KEK_BYTES)
    fd = os.open(kek_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(key).decode() + "\n")
    _warn_once(str(kek_path), f"no master KEK configured: generated a development KEK into {kek_path}; "
                              "set KEYMANAGER_KEK for anything but development")
    return key


def _warn_once(key: str, message: str) -> None:
    if key not in _warned:
        _warned.add(key)
        LOG.warning(message)


def _sqlite_file(url: str) -> str | None:
    """The file of a ``sqlite://`` URL (``:memory:`` for an in-memory one), None for another database."""
    if not url.startswith("sqlite"):
        return None
    _, _, rest = url.partition("://")
    path = rest[1:] if rest.startswith("/") else rest
    path = path.split("?", 1)[0]
    return path or ":memory:"


def load_plugin(name: str, settings: dict[str, Any], *, database_url: str, env: dict[str, str]) -> CryptoPlugin:
    """The plugin registered as ``name`` in ``keymanager.crypto.plugins``, configured by ``settings``."""
    from stevedore import driver
    from stevedore.exception import NoMatches

    try:
        manager = driver.DriverManager(PLUGIN_NAMESPACE, name, invoke_on_load=False,
                                       on_load_failure_callback=_load_failed)
    except NoMatches:
        raise ConfigurationError(f"crypto_plugin = {name!r}: no such plugin in the entry point group "
                                 f"{PLUGIN_NAMESPACE!r} (is its distribution installed?)") from None
    plugin_class = manager.driver
    if not (isinstance(plugin_class, type) and issubclass(plugin_class, CryptoPlugin)):
        raise ConfigurationError(f"crypto_plugin = {name!r} names {plugin_class!r}, not a CryptoPlugin class")
    return plugin_class.from_settings(settings, database_url=database_url, env=env)


def _load_failed(manager: Any, entry_point: Any, exc: BaseException) -> None:
    raise ConfigurationError(f"crypto plugin {entry_point.name!r} ({entry_point.value}) failed to load: {exc}") from exc
