"""``/v1/secrets``: Barbican 23's secrets controller (barbican/api/controllers/secrets.py) and its validator.

======  ================================  ================  =========================================
verb    path                              rule              answer
======  ================================  ================  =========================================
POST    /v1/secrets                       secrets:post      201 ``{"secret_ref"}``, Location
GET     /v1/secrets                       secrets:get       200 a page: ``secrets``, ``total``, next/previous
GET     /v1/secrets/{id}                  secret:get        metadata (Accept JSON, ``*/*`` or none), else
                                          (secret:decrypt)  the payload in the Accept type
GET     /v1/secrets/{id}/payload          secret:decrypt    the payload (no Accept: octet-stream)
PUT     /v1/secrets/{id}                  secret:put        204: the payload of a metadata-only secret, once
DELETE  /v1/secrets/{id}                  secret:delete     204 (1.2+: 400 while it has consumers, unless force)
======  ================================  ================  =========================================

Barbican reads the ``Accept`` and ``Content-Type`` headers literally, so these operations do too: an
Accept of ``text/plain`` gives the payload as text, ``application/json`` the metadata, anything Barbican
does not know 406. Messages are Barbican's, word for word (its ``'<operation> issue seen - <reason>.'``
for errors raised past the validator). Payload bytes never reach a log.
"""

from __future__ import annotations

import base64
import binascii
import json
import uuid
from typing import Any, NamedTuple
from urllib.parse import unquote_plus, urlencode

import jsonschema
from sqlalchemy import bindparam, delete, select

import cravat
from cravat import Result, errors
from keymanager import policies
from keymanager.context import KeyManager, nested_deeper_than, parse_time, timestamp, utcnow
from keymanager.models import Secret, SecretACL, SecretConsumer
from keymanager.secret_listing import (COUNT_PROJECT, FILTERS, PAGE_PROJECT, filtered_page, page_href,
                                        paging, secret_values, valid_date_filter, valid_sorting)
from keymanager.store import has_payload, read_payload, set_payload, store_secret

# --- Barbican's constants -------------------------------------------------------------------------

#: barbican/plugin/util/mime_types.py
PLAIN_TEXT = ("text/plain", "text/plain;charset=utf-8", "text/plain; charset=utf-8")
BINARY = ("application/octet-stream", "application/pkcs8")
SUPPORTED = PLAIN_TEXT + BINARY
INTERNAL_CTYPES = {"text/plain": "text/plain", "text/plain;charset=utf-8": "text/plain",
                   "text/plain; charset=utf-8": "text/plain", "application/octet-stream": "application/octet-stream",
                   "application/pkcs8": "application/pkcs8", "application/aes": "application/aes"}
CTYPES_TO_ENCODINGS: dict[str, list[str] | None] = {
    "text/plain": None, "application/octet-stream": ["base64", "binary"],
    "application/pkcs8": ["base64", "binary"], "application/aes": None}
SECRET_TYPES = ("symmetric", "passphrase", "private", "public", "certificate", "opaque")
MYSQL_SMALL_INT_MAX = 32767
DEFAULT_MAX_SECRET_BYTES = 20000
#: cravat's default max_json_depth, when the API's own is not known.
DEFAULT_MAX_JSON_DEPTH = 32

#: NewSecretValidator's schema, as Barbican 23 has it (unknown properties are ignored, as there).
SECRET_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": ["string", "null"], "maxLength": 255},
        "algorithm": {"type": "string", "maxLength": 255},
        "mode": {"type": "string", "maxLength": 255},
        "bit_length": {"type": "integer", "minimum": 1, "maximum": MYSQL_SMALL_INT_MAX},
        "expiration": {"type": "string", "maxLength": 255},
        "payload": {"type": "string"},
        "secret_type": {"type": "string", "maxLength": 80, "enum": list(SECRET_TYPES)},
        "payload_content_type": {"type": ["string", "null"], "maxLength": 255},
        "payload_content_encoding": {"type": "string", "maxLength": 255, "enum": ["base64"]},
        "transport_key_needed": {"type": "string", "enum": ["true", "false"]},
        "transport_key_id": {"type": "string"},
    },
}
_VALIDATOR = jsonschema.validators.validator_for(SECRET_SCHEMA)(SECRET_SCHEMA)

# PERF: the statements of the hot paths, built once (SQLAlchemy caches their compiled form).
_SECRETS = Secret.__table__
_ACLS = SecretACL.__table__
_CONSUMER_TABLE = SecretConsumer.__table__
SECRET_WITH_ACLS = (
    select(_SECRETS, _ACLS.c.operation.label("acl_operation"), _ACLS.c.project_access.label("acl_project_access"),
           _ACLS.c.users.label("acl_users"))
    .select_from(_SECRETS.outerjoin(_ACLS, _ACLS.c.secret_id == _SECRETS.c.id))
    .where(_SECRETS.c.id == bindparam("id")))
_HAS_CONSUMERS = select(_CONSUMER_TABLE.c.id).where(_CONSUMER_TABLE.c.secret_id == bindparam("id")).limit(1)
_DELETE_SECRET = delete(_SECRETS).where(_SECRETS.c.id == bindparam("id"))
_CONSUMERS = (select(_CONSUMER_TABLE.c.secret_id, _CONSUMER_TABLE.c.service, _CONSUMER_TABLE.c.resource_type,
                     _CONSUMER_TABLE.c.resource_id)
              .where(_CONSUMER_TABLE.c.secret_id.in_(bindparam("ids", expanding=True)))
              .order_by(_CONSUMER_TABLE.c.created_at, _CONSUMER_TABLE.c.id))


class _ACL(NamedTuple):
    operation: str
    project_access: bool
    users: list[str]


# Barbican's operation names, which its messages start with.
CREATE, LIST, GET, PAYLOAD, UPDATE, DELETE = ("Secret creation", "Secret(s) retrieval", "Secret retrieval",
                                              "Secret payload retrieval", "Secret update", "Secret deletion")
BAD_QUERY = "URI provided invalid query string parameters."
TOO_LARGE = "Provided information too large to process"


def issue(operation: str, reason: str) -> str:
    """Barbican's message for an error raised in a handler: ``generate_safe_exception_message``."""
    return f"{operation} issue seen - {reason}."


def _denied(operation: str) -> str:
    return policies.denied_message(operation)


# --- Media types (barbican/plugin/util/mime_types.py) ---------------------------------------------

def normalize_content_type(mime_type: str) -> str:
    """Barbican's normalize_content_type: ``text/plain; charset=utf-8`` -> ``text/plain``; unknown as given."""
    stripped = [part.strip() for part in mime_type.split(";")]
    mime = stripped[0].lower()
    if len(stripped) > 1:
        charset_type = stripped[1].lower()
        if "=" not in charset_type:
            return mime_type
        charset = [part.strip() for part in charset_type.split("=")][1]
        if charset not in ("utf-8",):
            return mime_type
    return INTERNAL_CTYPES.get(mime, mime_type)


def is_supported(mime_type: str) -> bool:
    return normalize_content_type(mime_type) in SUPPORTED


def supported_encodings(content_type: str) -> list[str] | None:
    return CTYPES_TO_ENCODINGS[INTERNAL_CTYPES[normalize_content_type(content_type)]]


def encoding_supported(content_type: str, content_encoding: str | None) -> bool:
    if not is_supported(content_type):
        return False
    encodings = supported_encodings(content_type)
    return content_encoding in encodings if encodings else content_encoding is None


# --- Validation of a new secret (barbican/common/validators.py NewSecretValidator) ------------------

class InvalidObject(errors.BadRequest):
    """Barbican's InvalidObject: ``Provided object does not match schema 'Secret': <reason>. Invalid property: '<p>'``."""

    def __init__(self, reason: str, prop: str | None, schema: str = "Secret") -> None:
        super().__init__(f"Provided object does not match schema '{schema}': {reason}. Invalid property: '{prop}'")


def strip_whitespace(data: Any) -> None:
    """Barbican's api.strip_whitespace: every string value in the body, at any depth, stripped."""
    items = data.items() if isinstance(data, dict) else enumerate(data) if isinstance(data, list) else ()
    for key, value in list(items):
        if isinstance(value, str):
            data[key] = value.strip()
        else:
            strip_whitespace(value)


def validate_new_secret(data: Any, *, max_secret_bytes: int, parent_schema: str | None = None) -> dict[str, Any]:
    """The body of a new secret, checked and normalized as Barbican's NewSecretValidator does it.

    Returns the body with ``name`` stripped, ``expiration`` a naive UTC datetime (or None) and the payload
    stripped. Raises :class:`InvalidObject` (400) or a 413 for a payload over ``max_secret_bytes``.
    """
    schema_name = "Secret" if parent_schema is None else f"Secret' within '{parent_schema}"
    error = jsonschema.exceptions.best_match(_VALIDATOR.iter_errors(data))
    if error is not None:
        path = list(error.schema_path)
        raise InvalidObject(error.message, path[1] if len(path) > 1 else None, schema_name)
    name = data.get("name")
    data["name"] = name.strip() if isinstance(name, str) else None
    expiration = None
    raw = data.get("expiration")
    if raw and raw.strip():
        try:
            expiration = parse_time(raw)
        except ValueError:
            raise InvalidObject("Invalid date for 'expiration'", "expiration", schema_name) from None
    if expiration is not None and not expiration > utcnow():
        raise InvalidObject("'expiration' is before current time", "expiration", schema_name)
    data["expiration"] = expiration
    content_type = data.get("payload_content_type")
    if "payload" in data:
        encoding = data.get("payload_content_encoding")
        if content_type is None:
            raise InvalidObject("If 'payload' is supplied, 'payload_content_type' must also be supplied.",
                                "payload_content_type", schema_name)
        if not is_supported(content_type):
            raise InvalidObject(f"payload_content_type is not one of {list(SUPPORTED)}", "payload_content_type",
                                schema_name)
        if not encoding_supported(content_type, encoding):
            raise InvalidObject(f"payload_content_encoding is not one of {supported_encodings(content_type)}",
                                "payload_content_encoding", schema_name)
        payload = data.get("payload", "")
        if len(payload.encode("utf-8")) > max_secret_bytes:
            raise errors.RequestEntityTooLarge(TOO_LARGE)
        payload = payload.strip()
        if not payload:
            raise InvalidObject("If 'payload' specified, must be non empty", "payload", schema_name)
        if encoding == "base64":
            try:
                base64.b64decode(payload)
            except (binascii.Error, ValueError):
                raise InvalidObject("Invalid payload for payload_content_encoding", "payload", schema_name) from None
        data["payload"] = payload
    elif "payload_content_type" in data:
        if parent_schema is None:
            raise InvalidObject("payload must be provided when payload_content_type is specified", "payload",
                                schema_name)
        if content_type and not is_supported(content_type):
            raise InvalidObject(f"payload_content_type is not one of {list(SUPPORTED)}", "payload_content_type",
                                schema_name)
    return data


def payload_bytes(payload: str | bytes, content_type: str, content_encoding: str | None, operation: str) -> bytes:
    """The bytes to encrypt (barbican/plugin/util/translations.py normalize_before_encryption, text only)."""
    if normalize_content_type(content_type) in PLAIN_TEXT:
        return payload.encode("utf-8") if isinstance(payload, str) else payload
    if not content_encoding:
        return payload.encode("utf-8") if isinstance(payload, str) else payload
    if content_encoding.lower() == "base64":
        try:
            return base64.b64decode(payload)
        except (binascii.Error, ValueError):
            raise errors.BadRequest(issue(operation, "Problem decoding payload")) from None
    raise errors.BadRequest(issue(operation, "Text-based binary secret payloads must specify a content-encoding "
                                             "of 'base64'"))


# --- Reading headers and bodies as Barbican (pecan, WebOb) does -------------------------------------

def _content_type(req: cravat.Request) -> str:
    """WebOb's ``request.content_type``: the media type without parameters, '' when absent."""
    return (req.environ.get("CONTENT_TYPE") or "").partition(";")[0].strip()


def _require_content_type(req: cravat.Request, allowed: list[str]) -> None:
    if _content_type(req) not in allowed:
        raise errors.UnsupportedMediaType(f"Unexpected content type. Expected content types are: {allowed}")


def _raw_body(req: cravat.Request, limit: int) -> bytes:
    """The request body, at most ``limit`` bytes (413 past it)."""
    length = req.content_length
    if length is not None and length > limit:
        raise errors.RequestEntityTooLarge(TOO_LARGE)
    data = req.body_file.read(limit + 1)
    if len(data) > limit:
        raise errors.RequestEntityTooLarge(TOO_LARGE)
    return data


def _wants_json(req: cravat.Request) -> bool:
    """Barbican's is_json_request_accept: no Accept, or exactly application/json or */*."""
    accept = req.environ.get("HTTP_ACCEPT")
    return accept is None or accept in ("application/json", "*/*")


def _version_at_least(req: cravat.Request, version: str) -> bool:
    return req.version is not None and req.version >= version


# --- The controller --------------------------------------------------------------------------------

class SecretsController:
    def __init__(self, km: KeyManager) -> None:
        self.km = km
        self.max_secret_bytes = int(km.settings.get("max_secret_bytes") or DEFAULT_MAX_SECRET_BYTES)

    # POST /v1/secrets
    @cravat.rule("secrets:post", denied=_denied(CREATE))
    def create(self, req: cravat.Request, session: Any) -> Result:
        km = self.km
        project_id = km.project_of(req)
        _require_content_type(req, ["application/json"])
        raw = _raw_body(req, self._body_limit(req))
        try:
            data = json.loads(raw)
        except (ValueError, UnicodeDecodeError, RecursionError):
            raise errors.BadRequest("Malformed JSON") from None
        depth = int(km.settings.get("_max_json_depth") or DEFAULT_MAX_JSON_DEPTH)
        if nested_deeper_than(data, depth):  # Barbican would recurse into it and answer 500
            raise errors.BadRequest(f"Malformed JSON: nested deeper than {depth} levels")
        strip_whitespace(data)
        data = validate_new_secret(data, max_secret_bytes=self.max_secret_bytes)
        payload = data.get("payload")
        content_type = None
        if payload:
            content_type_raw = data.get("payload_content_type") or "application/octet-stream"
            content_type = normalize_content_type(content_type_raw)
            payload = payload_bytes(payload, content_type_raw, data.get("payload_content_encoding"), CREATE)
        secret = store_secret(session, km, project_id=project_id, creator_id=km.user_of(req), name=data["name"],
                              payload=payload or None, content_type=content_type,
                              secret_type=data.get("secret_type") or "opaque", algorithm=data.get("algorithm"),
                              bit_length=data.get("bit_length"), mode=data.get("mode"),
                              expiration=data["expiration"])
        ref = km.secret_ref(req, secret.id)
        return Result({"secret_ref": ref}, status=201, headers={"Location": ref})

    def _body_limit(self, req: cravat.Request) -> int:
        return self.km.settings.get("_max_body_size") or 25000

    # GET /v1/secrets
    @cravat.rule("secrets:get", denied=_denied(LIST))
    def index(self, req: cravat.Request, session: Any) -> dict[str, Any]:
        km = self.km
        project_id = km.project_of(req)
        params = req.GET
        name = params.get("name", "")
        if name:
            name = unquote_plus(name)
        try:
            bits = int(params.get("bits", 0))
        except ValueError:
            bits = 0  # Barbican: an invalid bits is the default (its issue 171)
        for date_filter in ("created", "updated", "expiration"):
            if params.get(date_filter) and not valid_date_filter(params[date_filter]):
                raise errors.BadRequest(BAD_QUERY)
        sort = params.get("sort")
        if sort and not valid_sorting(sort):
            raise errors.BadRequest(BAD_QUERY)
        offset, limit = paging(params.get("offset"), params.get("limit"))

        now = utcnow()
        user_id = km.user_of(req)
        acl_only = params.get("acl_only")
        acl_only = bool(acl_only and acl_only.lower() == "true" and user_id)
        connection = session.connection()
        if not (name or bits > 0 or sort or acl_only or any(params.get(key) for key in FILTERS)):
            # PERF: the usual listing (no filter, no sort) runs statements built once, and builds no conditions.
            values = {"now": now, "project": project_id, "limit": limit, "offset": offset}
            total = connection.execute(COUNT_PROJECT, values).scalar()
            secrets = connection.execute(PAGE_PROJECT, values).all()
        else:
            total, secrets = filtered_page(session, params, name, bits, sort, acl_only, user_id, project_id, now,
                                            offset, limit)
        if not secrets:
            return {"secrets": [], "total": total}
        consumers = consumers_by_secret(session, [s.id for s in secrets]) if _version_at_least(req, "1.1") else None
        base = f"{km.base_url(req)}/secrets"
        answer: dict[str, Any] = {"secrets": [secret_view(row, consumers, base) for row in secrets]}
        filtered = [(k, v) for k, v in params.items() if k not in ("limit", "offset")]
        query_string = urlencode(filtered, doseq=True)
        if offset > 0:
            answer["previous"] = page_href(base, max(0, offset - limit), limit, query_string)
        if total > offset + limit:
            answer["next"] = page_href(base, offset + limit, limit, query_string)
        answer["total"] = total
        return answer

    # GET /v1/secrets/{id}
    @cravat.produces("*/*")
    @cravat.rule("secret:get", in_handler=True, denied=_denied(GET))
    def show(self, req: cravat.Request, id: str, session: Any) -> Any:
        secret, target = self._load(session, req, id)
        if _wants_json(req):
            req.authorize(target)
            consumers = consumers_by_secret(session, [secret.id]) if _version_at_least(req, "1.1") else None
            return Result(secret_view(secret_values(secret), consumers, f"{self.km.base_url(req)}/secrets"),
                          content_type="application/json")
        # Barbican checks secret:decrypt instead of secret:get when the payload is asked for.
        req.authorize(target, rule="secret:decrypt")
        return self._payload(req, session, secret, GET)

    # GET /v1/secrets/{id}/payload
    @cravat.produces("*/*")
    @cravat.member_action("GET", "payload")
    @cravat.rule("secret:decrypt", in_handler=True, denied=_denied(PAYLOAD))
    def payload(self, req: cravat.Request, id: str, session: Any) -> Any:
        secret, target = self._load(session, req, id)
        req.authorize(target)
        return self._payload(req, session, secret, PAYLOAD)

    # PUT /v1/secrets/{id}
    @cravat.response(204)
    @cravat.rule("secret:put", in_handler=True, denied=_denied(UPDATE))
    def update(self, req: cravat.Request, id: str, session: Any) -> None:
        secret, target = self._load(session, req, id)
        req.authorize(target)
        _require_content_type(req, ["application/octet-stream", "text/plain"])
        payload = _raw_body(req, self._body_limit(req))
        if not payload:
            raise errors.BadRequest(issue(UPDATE, "No data supplied to process."))
        if len(payload) > self.max_secret_bytes:
            raise errors.RequestEntityTooLarge(issue(UPDATE, TOO_LARGE))
        if has_payload(secret):
            raise errors.Conflict("Secret already has data, cannot modify it.")
        content_type = _content_type(req)
        data = payload_bytes(payload, content_type, req.environ.get("HTTP_CONTENT_ENCODING"), UPDATE)
        if not data:
            raise errors.BadRequest(issue(UPDATE, "No data supplied to process."))
        if not set_payload(session, self.km, secret, data, normalize_content_type(content_type)):
            raise errors.Conflict("Secret already has data, cannot modify it.")
        return None

    # DELETE /v1/secrets/{id}
    @cravat.rule("secret:delete", in_handler=True, denied=_denied(DELETE))
    def delete(self, req: cravat.Request, id: str, session: Any) -> None:
        secret, target = self._load(session, req, id)
        req.authorize(target)
        if _version_at_least(req, "1.2"):
            force = False
            if "force" in req.GET:
                force = _strict_bool(req.GET["force"])
            has_consumers = session.connection().execute(_HAS_CONSUMERS, {"id": secret.id}).first()
            if has_consumers and not force:
                raise errors.BadRequest(issue(DELETE, "Secret cannot be deleted as it has consumers."))
        # Its metadata, consumers, ACLs and container memberships go with it (ON DELETE CASCADE).
        session.connection().execute(_DELETE_SECRET, {"id": secret.id})
        return None

    # --- helpers ---------------------------------------------------------------------------------

    def _load(self, session: Any, req: cravat.Request, secret_id: str) -> tuple[Any, dict[str, Any]]:
        """The secret (a row), whatever its project, and the policy target its ACLs make; 404 otherwise.

        Barbican finds the secret first and lets policy decide who sees it (another project's is 403).
        PERF: one Core query for the secret and its ACLs, the ORM's identity map being of no use here.
        """
        if not _is_uuid4(secret_id):
            raise errors.NotFound("Not Found. Provided secret id is invalid.")
        rows = session.connection().execute(SECRET_WITH_ACLS, {"id": secret_id}).all()
        if not rows:
            raise errors.NotFound("Secret not found.")
        secret = rows[0]
        if secret.expiration is not None and secret.expiration <= utcnow():
            raise errors.NotFound("Secret not found.")
        acls = [_ACL(r.acl_operation, r.acl_project_access, r.acl_users) for r in rows if r.acl_operation]
        return secret, policies.secret_target(secret, acls, self.km.user_of(req))

    def _payload(self, req: cravat.Request, session: Any, secret: Secret, operation: str) -> Result:
        accept = req.environ.get("HTTP_ACCEPT") or "application/octet-stream"
        if not has_payload(secret):
            raise errors.NotFound("Not Found. Sorry but your secret has no payload.")
        wanted = secret.content_type if accept == "*/*" else accept
        if not is_supported(wanted or ""):
            raise errors.NotAcceptable(issue(operation, "Wrong payload content-type"))
        data = read_payload(session, self.km, secret)
        if wanted in PLAIN_TEXT:
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                raise errors.NotAcceptable(issue(operation, "Wrong payload content-type")) from None
            content_type = "text/plain; charset=UTF-8" if wanted == "text/plain" else wanted
        elif wanted in BINARY:
            content_type = wanted
        else:
            raise errors.BadRequest(issue(operation, f"content-type of '{wanted}' not supported"))
        return Result(data, content_type=content_type)

# --- A secret's view, and its consumers ------------------------------------------------------------

def secret_view(values: Any, consumers: dict[str, list[dict[str, str]]] | None, base: str) -> dict[str, Any]:
    """Barbican's fields of a secret, from its ``values`` in ``secret_listing.LISTED``'s order (a row of it, or
    ``secret_values(secret)``); ``consumers`` by secret id (None before 1.1); ``base``: ``<...>/v1/secrets``.

    PERF: the values unpacked once; each attribute of a Row is a lookup by name (about 0.4 us, fourteen of
    them a secret), a third of a listed secret's cost.
    """
    (secret_id, name, secret_type, algorithm, bit_length, mode, expiration, status, content_type, creator_id,
     created_at, updated_at) = values
    view: dict[str, Any] = {
        "created": timestamp(created_at), "updated": timestamp(updated_at), "status": status, "name": name,
        "secret_type": secret_type, "expiration": timestamp(expiration), "algorithm": algorithm,
        "bit_length": bit_length, "mode": mode, "creator_id": creator_id,
    }
    if consumers is not None:
        view["consumers"] = consumers.get(secret_id, [])
    if content_type in CTYPES_TO_ENCODINGS:  # Barbican's CTYPES_MAPPINGS: the types the payload may be asked in
        view["content_types"] = {"default": content_type}
    view["secret_ref"] = f"{base}/{secret_id}"
    return view


def consumers_by_secret(session: Any, secret_ids: list[str]) -> dict[str, list[dict[str, str]]]:
    """The consumers of each of ``secret_ids`` as a secret's view lists them (1.1+), oldest first."""
    found: dict[str, list[dict[str, str]]] = {}
    rows = session.connection().execute(_CONSUMERS, {"ids": secret_ids})
    for secret_id, service, resource_type, resource_id in rows:
        found.setdefault(secret_id, []).append({"service": service, "resource_type": resource_type,
                                                "resource_id": resource_id})
    return found


def _strict_bool(text: str) -> bool:
    """oslo's bool_from_string(strict=True); anything else is Barbican's 400 on the query string."""
    lowered = text.strip().lower()
    if lowered in ("1", "t", "true", "on", "y", "yes"):
        return True
    if lowered in ("0", "f", "false", "off", "n", "no"):
        return False
    raise errors.BadRequest(BAD_QUERY)


def _is_uuid4(text: str) -> bool:
    """Barbican's validate_id_is_uuid: a version 4 UUID in its canonical form."""
    try:
        return str(uuid.UUID(text, version=4)) == text
    except (ValueError, AttributeError, TypeError):
        return False


def register(api: cravat.API, km: KeyManager) -> None:
    """Mount ``/secrets``; the body limit is the API's max_body_size (Barbican's max_allowed_request_size)."""
    km.settings.setdefault("_max_body_size", api.options.max_body_size)
    api.resource("/secrets", SecretsController(km), name="secrets")
