"""Secrets at rest: saving a secret with its payload encrypted through the crypto plugin, and reading it back.

The payload is the secret's bytes (text as UTF-8, base64 already decoded), encrypted under the project's
KEK with the secret's id as associated data; the project KEK is made on the project's first secret and
kept wrapped in ``km_project_keys``. Orders and containers use these functions too.

>>> secret = store_secret(session, km, project_id="p1", creator_id="u1", name="db password",
...                       payload=b"s3cret", content_type="text/plain", secret_type="passphrase")
>>> read_payload(session, km, secret)
b's3cret'
"""

from __future__ import annotations

import datetime
import threading
from typing import Any

import cravat.db
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from keymanager.context import utcnow
from keymanager.models import ACTIVE, ProjectKey, Secret

_LOCK = threading.Lock()
_INSERT_SECRET = insert(Secret.__table__)
_WRAPPED_KEY = select(ProjectKey.__table__.c.wrapped_key).where(ProjectKey.__table__.c.id == bindparam("id"))


def store_secret(session: Any, km: Any, *, project_id: str, creator_id: str | None, name: str | None,
                 payload: bytes | None, content_type: str | None, secret_type: str = "opaque",
                 algorithm: str | None = None, bit_length: int | None = None, mode: str | None = None,
                 expiration: datetime.datetime | None = None, secret_id: str | None = None) -> Secret:
    """A new ACTIVE secret, with ``payload`` encrypted when given (metadata only when None).

    Returned as a Secret not attached to the session: it is inserted with one Core INSERT (PERF: the
    ORM's flush costs more than the rest of a request), so only read its attributes.
    """
    now = utcnow()
    values: dict[str, Any] = {
        "id": secret_id or km.new_id(), "project_id": project_id, "creator_id": creator_id, "name": name,
        "secret_type": secret_type or "opaque", "algorithm": algorithm, "bit_length": bit_length, "mode": mode,
        "expiration": expiration, "status": ACTIVE, "content_type": None, "cypher_text": None,
        "kek_meta_extended": None, "project_key_id": None, "plugin_name": None, "created_at": now,
        "updated_at": now}
    if payload is not None:
        key_id, wrapped = project_key(session, km, project_id)
        values["cypher_text"], values["kek_meta_extended"] = km.crypto.encrypt(payload, wrapped,
                                                                               aad=values["id"].encode())
        values.update(project_key_id=key_id, plugin_name=km.crypto.name, content_type=content_type)
    session.connection().execute(_INSERT_SECRET, values)
    return Secret(**values)


def set_payload(session: Any, km: Any, secret: Any, payload: bytes, content_type: str) -> bool:
    """Give a metadata-only secret its payload; False when it has one already (another request was first).

    One conditional UPDATE (``... WHERE cypher_text IS NULL``), so of two PUTs at once exactly one wins,
    on SQLite and on PostgreSQL alike.
    """
    key_id, wrapped = project_key(session, km, secret.project_id)
    cypher_text, meta = km.crypto.encrypt(payload, wrapped, aad=secret.id.encode())
    table = Secret.__table__
    result = session.connection().execute(
        update(table).where(table.c.id == secret.id, table.c.cypher_text.is_(None))
        .values(cypher_text=cypher_text, kek_meta_extended=meta, project_key_id=key_id,
                plugin_name=km.crypto.name, content_type=content_type, updated_at=utcnow()))
    return result.rowcount == 1


def has_payload(secret: Any) -> bool:
    return secret.cypher_text is not None


def read_payload(session: Any, km: Any, secret: Any) -> bytes:
    """The secret's payload, decrypted; ``ValueError`` when it has none (``secret``: a Secret or a row of it)."""
    if secret.cypher_text is None:
        raise ValueError(f"secret {secret.id} has no payload")
    wrapped = _wrapped_key(session, km, secret.project_key_id)
    return km.crypto.decrypt(secret.cypher_text, secret.kek_meta_extended, wrapped, aad=secret.id.encode())


def project_key(session: Any, km: Any, project_id: str) -> tuple[str, bytes]:
    """``(id, wrapped KEK)`` of the project's key for the configured plugin, made on first use.

    Two processes making a project's first secret at once both try to insert its key; the unique
    constraint lets one win, and the other reads the winner's (inside a savepoint, so its own
    transaction goes on).
    """
    cache = _cache(km)
    plugin = km.crypto.name
    known = cache.get((project_id, plugin))
    if known is not None:
        return known
    query = select(ProjectKey.id, ProjectKey.wrapped_key).where(ProjectKey.project_id == project_id,
                                                                ProjectKey.plugin_name == plugin)
    row = session.execute(query).first()
    if row is None:
        key = ProjectKey(id=km.new_id(), project_id=project_id, plugin_name=plugin,
                         kek_label=f"project-{project_id}-key", algorithm="aes", bit_length=256, mode="gcm",
                         wrapped_key=km.crypto.new_project_kek(), active=True, created_at=utcnow())
        try:
            with session.begin_nested():
                session.add(key)
        except IntegrityError:
            row = session.execute(query).one()
        else:
            made = (key.id, key.wrapped_key)
            # Remembered once committed: a rolled-back request must not leave a key id that is not there.
            cravat.db.after_commit(session, lambda: _remember(km, project_id, plugin, made))
            return made
    found = (row[0], bytes(row[1]))
    _remember(km, project_id, plugin, found)
    return found


def _remember(km: Any, project_id: str, plugin: str, found: tuple[str, bytes]) -> None:
    with _LOCK:
        _cache(km)[(project_id, plugin)] = found
        _ids(km)[found[0]] = found[1]


def _wrapped_key(session: Any, km: Any, key_id: str | None) -> bytes:
    ids = _ids(km)
    wrapped = ids.get(key_id) if key_id else None
    if wrapped is None:
        row = session.connection().execute(_WRAPPED_KEY, {"id": key_id}).first()
        if row is None:
            raise ValueError(f"the project key {key_id} of a secret is missing")
        wrapped = bytes(row[0])
        cravat.db.after_commit(session, lambda: ids.__setitem__(key_id, wrapped))
    return wrapped


# Project keys never change once made, so each KeyManager keeps the ones it has seen.
def _cache(km: Any) -> dict[tuple[str, str], tuple[str, bytes]]:
    return km.__dict__.setdefault("_project_keys", {})


def _ids(km: Any) -> dict[str, bytes]:
    return km.__dict__.setdefault("_project_keys_by_id", {})
