"""``/v1/secrets/{id}/metadata``: a secret's user metadata, as Barbican 23's SecretMetadataController and
SecretMetadatumController.

- ``GET .../metadata`` -> 200 ``{"metadata": {key: value}}``;
- ``PUT .../metadata`` ``{"metadata": {...}}`` replaces them all -> 201 ``{"metadata_ref": ...}``; keys must be
  URL safe (``[A-Za-z0-9_-]``) and are stored lower-cased, keys and values must be strings;
- ``POST .../metadata`` ``{"key", "value"}`` adds one -> 201 with ``Location``, 409 when the key is there;
- ``GET .../metadata/{key}`` -> 200 ``{"key", "value"}``, 404 ``Secret metadata not found.``;
- ``PUT .../metadata/{key}`` ``{"key", "value"}`` changes one that is there (404 if not, 409 if the body
  names another key) -> 200;
- ``DELETE .../metadata/{key}`` -> 204 (a key that is not there too, as Barbican's delete does nothing).

The secret is found by id alone (404 ``Secret not found.``, or ``Not Found. Provided secret id is
invalid.``) and the ``secret_meta:*`` rule decides on it, with its project, creator and ACL (403
``Secret metadata retrieval attempt not allowed - ...``), as Barbican's ``_lookup`` and ``enforce_rbac`` do.
A body is read after the policy check, as Barbican's decorators order it (415 for another content
type, ``Malformed JSON``), and its strings are stripped of surrounding whitespace (``strip_whitespace``).
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any

from sqlalchemy import bindparam, delete, insert, select, update
from sqlalchemy.exc import IntegrityError

import cravat
from cravat import Result, errors
from keymanager import policies
from keymanager.context import KeyManager, nested_deeper_than, utcnow
from keymanager.models import Secret, SecretACL, SecretMetadatum
from keymanager.orders import SchemaValidator
from keymanager.secrets import SECRET_WITH_ACLS

#: NewSecretMetadataValidator's schema (draft-03, as Barbican writes it).
METADATA_SCHEMA = {
    "type": "object",
    "$schema": "http://json-schema.org/draft-03/schema",
    "properties": {"metadata": {"type": "object", "required": True}},
}
#: NewSecretMetadatumValidator's schema.
METADATUM_SCHEMA = {
    "type": "object",
    "$schema": "http://json-schema.org/draft-03/schema",
    "properties": {
        "key": {"type": "string", "maxLength": 255, "required": True},
        "value": {"type": "string", "maxLength": 255, "required": True},
    },
    "additionalProperties": False,
}
_METADATA = SchemaValidator(METADATA_SCHEMA)
_METADATUM = SchemaValidator(METADATUM_SCHEMA)
_URL_SAFE = re.compile(r"^[A-Za-z0-9_-]*$")
KEY_EXISTS = "Conflict. Key in request is already in the secret metadata"
CHANGED_CONCURRENTLY = "Conflict. The secret's metadata was changed by a concurrent request; try again."
#: Barbican's max_allowed_request_size_in_bytes, when the API's own limit is not known.
DEFAULT_MAX_BODY = 25000
#: cravat's default max_json_depth, when the API's own is not known.
DEFAULT_MAX_DEPTH = 32
#: The columns' size (Barbican's SecretUserMetadatum: key and value String(255)).
MAX_LENGTH = 255


# PERF: the statements of every request here, built once (SQLAlchemy caches their compiled form); the
# secret and its ACLs in one query (keymanager.secrets' statement), read as rows (the ORM's identity map
# is of no use to one request).
_SECRETS = Secret.__table__
_ACLS = SecretACL.__table__
_META = SecretMetadatum.__table__
_TOUCH_SECRET = update(_SECRETS).where(_SECRETS.c.id == bindparam("b_id")).values(updated_at=bindparam("b_now"))
_SELECT_METADATA = select(_META.c.key, _META.c.value).where(_META.c.secret_id == bindparam("id")).order_by(_META.c.key)
_SELECT_METADATUM = select(_META.c.value).where(_META.c.secret_id == bindparam("id"), _META.c.key == bindparam("key"))
_DELETE_METADATA = delete(_META).where(_META.c.secret_id == bindparam("id"))
_DELETE_METADATUM = delete(_META).where(_META.c.secret_id == bindparam("id"), _META.c.key == bindparam("key"))
_INSERT_METADATUM = insert(_META)
_UPDATE_METADATUM = (update(_META).where(_META.c.secret_id == bindparam("b_id"), _META.c.key == bindparam("b_key"))
                     .values(value=bindparam("b_value"), updated_at=bindparam("b_now")))


class _ACLRow:
    """An ACL row as the policy target reads it (``operation``, ``project_access``, ``users``)."""

    __slots__ = ("operation", "project_access", "users")

    def __init__(self, operation: str, project_access: bool, users: list[str]) -> None:
        self.operation, self.project_access, self.users = operation, project_access, users


def find_secret(km: KeyManager, session: Any, req: cravat.Request, secret_id: str) -> tuple[Any, dict[str, Any]]:
    """The secret (a row) of any project, unexpired, and the policy target its ACLs make for the caller.

    404 ``Not Found. Provided secret id is invalid.`` for an id that is not a uuid, ``Secret not found.``
    for none (or an expired one), as Barbican's ``SecretsController._lookup``; the rule decides next.
    """
    if not is_uuid4(secret_id):
        raise errors.NotFound("Not Found. Provided secret id is invalid.")
    rows = session.connection().execute(SECRET_WITH_ACLS, {"id": secret_id}).all()
    if not rows or (rows[0].expiration is not None and rows[0].expiration <= utcnow()):
        raise errors.NotFound("Secret not found.")
    acls = [_ACLRow(r.acl_operation, r.acl_project_access, r.acl_users) for r in rows if r.acl_operation]
    return rows[0], policies.secret_target(rows[0], acls, km.user_of(req))


def authorized_secret(km: KeyManager, session: Any, req: cravat.Request, secret_id: str) -> Any:
    """:func:`find_secret`, then the operation's rule checked on it (403 with Barbican's message)."""
    secret, target = find_secret(km, session, req, secret_id)
    req.authorize(target)
    return secret


def touch_secret(session: Any, secret_id: str) -> None:
    """The secret's ``updated_at`` set to now (Barbican's repositories do so when a child changes)."""
    session.connection().execute(_TOUCH_SECRET, {"b_id": secret_id, "b_now": utcnow()})


def is_uuid4(text: str) -> bool:
    """Barbican's validate_id_is_uuid: a version 4 uuid in its canonical (lower-case, hyphened) form."""
    try:
        return str(uuid.UUID(text, version=4)) == text
    except (ValueError, AttributeError, TypeError):
        return False


def metadata_of(session: Any, secret_id: str) -> dict[str, str]:
    """A secret's user metadata, ``{key: value}`` (what the secret's own GET answers as ``metadata`` too)."""
    return {key: value for key, value in session.connection().execute(_SELECT_METADATA, {"id": secret_id})}


def validate_metadata(body: Any) -> dict[str, str]:
    """NewSecretMetadataValidator: the ``metadata`` object, keys URL safe and lower-cased, values strings."""
    body = strip(body)
    _METADATA.check(body, "SecretMetadata")
    metadata: dict[str, str] = {}
    for key, value in body["metadata"].items():
        if not _URL_SAFE.match(key):
            raise errors.BadRequest("Invalid Key. Key must be URL safe.")
        if not isinstance(value, str):
            raise errors.BadRequest("Invalid Metadata. Keys and Values must be Strings.")
        # Beyond Barbican, whose database refuses them with a 500: the columns hold 255 characters.
        if len(key) > MAX_LENGTH or len(value) > MAX_LENGTH:
            raise errors.BadRequest(f"Invalid Metadata: the key and value of {key[:40]!r} must be at most "
                                    f"{MAX_LENGTH} characters.")
        metadata[key.lower()] = value
    return metadata


def validate_metadatum(body: Any) -> tuple[str, str]:
    """NewSecretMetadatumValidator: ``key`` (URL safe, lower-cased) and ``value``, strings of up to 255."""
    body = strip(body)
    _METADATUM.check(body, "SecretMetadatum")
    if not _URL_SAFE.match(body["key"]):
        raise errors.BadRequest("Invalid Key. Key must be URL safe.")
    return body["key"].lower(), body["value"]


def load_json(km: KeyManager, req: cravat.Request) -> Any:
    """The request's JSON body as Barbican's ``enforce_content_types`` and ``load_body`` read it.

    After the policy check, as Barbican's decorators run: 415 ``Unexpected content type. Expected content
    types are: ['application/json']`` for another media type, 413 past the API's body limit (Barbican's
    max_allowed_request_size_in_bytes), 400 ``Malformed JSON`` (also for JSON nested deeper than the API's
    max_json_depth, which Barbican would answer with a 500).
    """
    content_type = (req.environ.get("CONTENT_TYPE") or "").partition(";")[0].strip()
    if content_type != "application/json":
        raise errors.UnsupportedMediaType("Unexpected content type. Expected content types are: "
                                          "['application/json']")
    limit = int(km.settings.get("_max_body_size") or DEFAULT_MAX_BODY)
    length = req.content_length
    data = req.body_file.read(limit + 1) if length is None or length <= limit else b""
    if (length is not None and length > limit) or len(data) > limit:
        raise errors.RequestEntityTooLarge("Provided information too large to process")
    try:
        document = json.loads(data)
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise errors.BadRequest("Malformed JSON") from None
    depth = int(km.settings.get("_max_json_depth") or DEFAULT_MAX_DEPTH)
    if nested_deeper_than(document, depth):
        raise errors.BadRequest(f"Malformed JSON: nested deeper than {depth} levels")
    return document



def strip(value: Any) -> Any:
    """Barbican's strip_whitespace: every string in the document, at any depth, stripped."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {key: strip(item) for key, item in value.items()}
    if isinstance(value, list):
        return [strip(item) for item in value]
    return value


def _value(session: Any, secret_id: str, key: str) -> str | None:
    return session.connection().execute(_SELECT_METADATUM, {"id": secret_id, "key": key}).scalar()


def _insert(session: Any, secret_id: str, items: dict[str, str]) -> None:
    if items:
        now = utcnow()
        session.connection().execute(_INSERT_METADATUM, [
            {"secret_id": secret_id, "key": key, "value": value, "created_at": now, "updated_at": now}
            for key, value in items.items()])


class SecretMetadata:
    """``/v1/secrets/{secret_id}/metadata``: all of a secret's metadata."""

    def __init__(self, km: KeyManager) -> None:
        self.km = km

    @policies.rule("secret_meta:get", "Secret metadata retrieval", in_handler=True)
    def on_get(self, req: cravat.Request, session: Any, secret_id: str) -> Any:
        secret = authorized_secret(self.km, session, req, secret_id)
        return {"metadata": metadata_of(session, secret.id)}

    @policies.rule("secret_meta:put", "Secret metadata creation", in_handler=True)
    @cravat.response(201)
    def on_put(self, req: cravat.Request, session: Any, secret_id: str) -> Any:
        secret = authorized_secret(self.km, session, req, secret_id)
        metadata = validate_metadata(load_json(self.km, req))
        try:
            with session.begin_nested():
                session.connection().execute(_DELETE_METADATA, {"id": secret.id})
                _insert(session, secret.id, metadata)
        except IntegrityError:  # another request put the same keys in between; it wins
            raise errors.Conflict(CHANGED_CONCURRENTLY) from None
        return {"metadata_ref": self.km.secret_ref(req, secret.id) + "/metadata"}

    @policies.rule("secret_meta:post", "Secret metadatum creation", in_handler=True)
    @cravat.response(201)
    def on_post(self, req: cravat.Request, session: Any, secret_id: str) -> Result:
        secret = authorized_secret(self.km, session, req, secret_id)
        key, value = validate_metadatum(load_json(self.km, req))
        if _value(session, secret.id, key) is not None:
            raise errors.Conflict(KEY_EXISTS)
        try:
            with session.begin_nested():  # a concurrent POST of the key wins: this one is the 409
                _insert(session, secret.id, {key: value})
        except IntegrityError:
            raise errors.Conflict(KEY_EXISTS) from None
        location = f"{self.km.secret_ref(req, secret.id)}/metadata/{key}"
        return Result({"key": key, "value": value}, status=201, headers={"Location": location})


class SecretMetadatumResponder:
    """``/v1/secrets/{secret_id}/metadata/{key}``: one key of a secret's metadata."""

    def __init__(self, km: KeyManager) -> None:
        self.km = km

    @policies.rule("secret_meta:get", "Secret metadatum retrieval", in_handler=True)
    def on_get(self, req: cravat.Request, session: Any, secret_id: str, key: str) -> Any:
        secret = authorized_secret(self.km, session, req, secret_id)
        value = _value(session, secret.id, key)
        if value is None:
            raise errors.NotFound("Secret metadata not found.")
        return {"key": key, "value": value}

    @policies.rule("secret_meta:put", "Secret metadatum update", in_handler=True)
    def on_put(self, req: cravat.Request, session: Any, secret_id: str, key: str) -> Any:
        secret = authorized_secret(self.km, session, req, secret_id)
        new_key, value = validate_metadatum(load_json(self.km, req))
        if _value(session, secret.id, key) is None:
            raise errors.NotFound("Secret metadata not found.")
        if new_key != key:
            raise errors.Conflict("Key in request data does not match key in the request url.")
        session.connection().execute(_UPDATE_METADATUM, {"b_id": secret.id, "b_key": key, "b_value": value,
                                                         "b_now": utcnow()})
        return {"key": key, "value": value}

    @policies.rule("secret_meta:delete", "Secret metadatum removal", in_handler=True)
    @cravat.response(204)
    def on_delete(self, req: cravat.Request, session: Any, secret_id: str, key: str) -> None:
        secret = authorized_secret(self.km, session, req, secret_id)
        session.connection().execute(_DELETE_METADATUM, {"id": secret.id, "key": key})


def register(api: cravat.API, km: KeyManager) -> None:
    km.settings.setdefault("_max_body_size", api.options.max_body_size)
    km.settings.setdefault("_max_json_depth", api.options.max_json_depth)
    api.route("/secrets/{secret_id}/metadata", SecretMetadata(km), name="secret_metadata")
    api.route("/secrets/{secret_id}/metadata/{key}", SecretMetadatumResponder(km), name="secret_metadatum")
