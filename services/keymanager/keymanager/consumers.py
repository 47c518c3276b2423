"""``/v1/secrets/{id}/consumers``: services registering their use of a secret, as Barbican 23's
SecretConsumersController and SecretConsumerController.

- ``POST`` ``{"service", "resource_type", "resource_id"}`` registers one (again is once) -> 200 with the
  secret's representation and Barbican's ``Location`` (``/v1/consumers/<secret id>/consumers``);
- ``DELETE`` with the same body removes it -> 200 with the secret; 404 ``Consumer not found.``; 403 when
  neither the consumer nor the secret is the caller project's;
- ``GET`` lists them, oldest first, paged (``limit``, ``offset``, ``total``, ``next``/``previous``);
- ``GET .../consumers/{consumer_id}`` shows one (Barbican's ``consumer:get``).

The secret is found by id alone and the ``secret_consumers:*`` rule decides on it (its project, creator
and ACL). :func:`consumers_of` gives a secret's consumers as its own GET lists them (API 1.1+), and
:func:`check_deletable` is Barbican 1.2's refusal to delete a secret that has consumers unless
``?force=true``.
"""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy import func, select

import cravat
from cravat import Result, errors
from keymanager import policies
from keymanager.context import KeyManager, timestamp, utcnow
from keymanager.models import Secret, SecretConsumer
from keymanager.orders import SchemaValidator, clean_paging, paged
from keymanager.secret_metadata import is_uuid4, load_json, load_secret, strip

#: SecretConsumerValidator's schema, and the column's 36 characters for resource_id (Barbican's database
#: refuses a longer one with a 500 on PostgreSQL; here it is a 400 naming the field).
CONSUMER_SCHEMA = {
    "type": "object",
    "properties": {
        "service": {"type": "string", "maxLength": 255, "minLength": 1},
        "resource_type": {"type": "string", "maxLength": 255, "minLength": 1},
        "resource_id": {"type": "string", "minLength": 1, "maxLength": 36},
    },
    "required": ["service", "resource_type", "resource_id"],
}
_CONSUMER = SchemaValidator(CONSUMER_SCHEMA)
SCHEMA_NAME = "Secret Consumer"

#: Barbican's mime_types.CTYPES_MAPPINGS: the content types a secret's payload may be asked for in.
CONTENT_TYPES = {
    "text/plain": {"default": "text/plain"},
    "application/octet-stream": {"default": "application/octet-stream"},
    "application/pkcs8": {"default": "application/pkcs8"},
    "application/aes": {"default": "application/aes"},
}
_TRUE, _FALSE = ("1", "t", "true", "on", "y", "yes"), ("0", "f", "false", "off", "n", "no")


def consumers_of(session: Any, secret_id: str) -> list[dict[str, str]]:
    """A secret's consumers as its GET lists them (1.1+): ``service``, ``resource_type``, ``resource_id``."""
    rows = session.execute(select(SecretConsumer.service, SecretConsumer.resource_type, SecretConsumer.resource_id)
                           .where(SecretConsumer.secret_id == secret_id)
                           .order_by(SecretConsumer.created_at, SecretConsumer.id))
    return [{"service": s, "resource_type": t, "resource_id": r} for s, t, r in rows]


def check_deletable(req: cravat.Request, session: Any, secret: Secret) -> None:
    """Barbican 1.2+: a secret with consumers is not deleted (400) unless ``?force=true``.

    ``force`` is read as oslo's ``bool_from_string(strict=True)``; anything else is 400 ``URI provided
    invalid query string parameters.``. Before 1.2 a secret is deleted whatever its consumers.
    """
    if req.version is not None and req.version < "1.2":
        return
    force = False
    if "force" in req.GET:
        text = req.GET["force"].strip().lower()
        if text not in _TRUE + _FALSE:
            raise errors.BadRequest("URI provided invalid query string parameters.")
        force = text in _TRUE
    if not force and session.scalar(select(SecretConsumer.id).where(SecretConsumer.secret_id == secret.id)
                                    .limit(1)) is not None:
        raise errors.BadRequest("Secret cannot be deleted as it has consumers.")


def secret_fields(km: KeyManager, req: cravat.Request, session: Any, secret: Secret) -> dict[str, Any]:
    """The secret as Barbican answers a consumer's POST or DELETE: its fields, content types and ref."""
    fields: dict[str, Any] = {
        "created": timestamp(secret.created_at), "updated": timestamp(secret.updated_at), "status": secret.status,
        "name": secret.name, "secret_type": secret.secret_type, "expiration": timestamp(secret.expiration),
        "algorithm": secret.algorithm, "bit_length": secret.bit_length, "mode": secret.mode,
        "creator_id": secret.creator_id, "consumers": consumers_of(session, secret.id),
        "secret_ref": km.secret_ref(req, secret.id),
    }
    if secret.content_type in CONTENT_TYPES:
        fields["content_types"] = dict(CONTENT_TYPES[secret.content_type])
    return fields


def consumer_view(consumer: SecretConsumer) -> dict[str, Any]:
    """One consumer as Barbican's ``to_dict_fields`` gives it."""
    return {"created": timestamp(consumer.created_at), "updated": timestamp(consumer.updated_at),
            "status": consumer.status, "service": consumer.service, "resource_type": consumer.resource_type,
            "resource_id": consumer.resource_id}


def validate_consumer(body: Any) -> tuple[str, str, str]:
    data = strip(body)
    _CONSUMER.check(data, SCHEMA_NAME)
    return data["service"], data["resource_type"], data["resource_id"]


def _find(session: Any, secret_id: str, service: str, resource_type: str, resource_id: str) -> SecretConsumer | None:
    return session.scalars(select(SecretConsumer).where(
        SecretConsumer.secret_id == secret_id, SecretConsumer.service == service,
        SecretConsumer.resource_type == resource_type, SecretConsumer.resource_id == resource_id)).first()


class SecretConsumers:
    """``/v1/secrets/{secret_id}/consumers``."""

    def __init__(self, km: KeyManager) -> None:
        self.km = km

    @policies.rule("secret_consumers:get", "SecretConsumers(s) retrieval", in_handler=True)
    def on_get(self, req: cravat.Request, session: Any, secret_id: str) -> Any:
        secret = load_secret(self.km, session, secret_id)
        policies.authorize_secret(req, session, secret)
        offset, limit = clean_paging(req.GET.get("offset"), req.GET.get("limit"))
        if offset > sys.maxsize:  # as Barbican's clean_paging_values
            offset = 0
        total = session.scalar(select(func.count()).select_from(SecretConsumer)
                               .where(SecretConsumer.secret_id == secret.id)) or 0
        page = session.scalars(select(SecretConsumer).where(SecretConsumer.secret_id == secret.id)
                               .order_by(SecretConsumer.created_at, SecretConsumer.id)
                               .offset(offset).limit(limit)).all()
        return paged(self.km, req, f"secrets/{secret.id}/consumers", "consumers",
                     [consumer_view(c) for c in page], total, offset, limit)

    @policies.rule("secret_consumers:post", "SecretConsumer creation", in_handler=True)
    def on_post(self, req: cravat.Request, session: Any, secret_id: str) -> Result:
        secret = load_secret(self.km, session, secret_id)
        policies.authorize_secret(req, session, secret)
        project_id = self.km.project_of(req)
        service, resource_type, resource_id = validate_consumer(load_json(self.km, req))
        now = utcnow()
        existing = _find(session, secret.id, service, resource_type, resource_id)
        if existing is None:  # registering again is idempotent, as Barbican's create_or_update_from
            session.add(SecretConsumer(id=self.km.new_id(), secret_id=secret.id, project_id=project_id,
                                       service=service, resource_type=resource_type, resource_id=resource_id,
                                       created_at=now, updated_at=now))
        else:
            existing.updated_at = now
        secret.updated_at = now
        session.flush()
        location = f"{self.km.base_url(req)}/consumers/{secret.id}/consumers"  # Barbican's convert_consumer_to_href
        return Result(secret_fields(self.km, req, session, secret), headers={"Location": location})

    @policies.rule("secret_consumers:delete", "SecretConsumer deletion", in_handler=True)
    def on_delete(self, req: cravat.Request, session: Any, secret_id: str) -> Any:
        secret = load_secret(self.km, session, secret_id)
        policies.authorize_secret(req, session, secret)
        project_id = self.km.project_of(req)
        service, resource_type, resource_id = validate_consumer(load_json(self.km, req))
        consumer = _find(session, secret.id, service, resource_type, resource_id)
        if consumer is None:
            raise errors.NotFound("Consumer not found.")
        if consumer.project_id != project_id and secret.project_id != project_id:
            raise errors.Forbidden("Not Allowed. Sorry, only the creator of a consumer can delete it.")
        session.delete(consumer)
        session.flush()
        return secret_fields(self.km, req, session, secret)


class SecretConsumer1:
    """``/v1/secrets/{secret_id}/consumers/{consumer_id}``: one consumer (Barbican's ``consumer:get``)."""

    def __init__(self, km: KeyManager) -> None:
        self.km = km

    @policies.rule("consumer:get", "SecretConsumer retrieval", in_handler=True)
    def on_get(self, req: cravat.Request, session: Any, secret_id: str, consumer_id: str) -> Any:
        secret = load_secret(self.km, session, secret_id)
        if not is_uuid4(consumer_id):
            raise errors.NotFound("Not Found. Provided consumer id is invalid.")
        policies.authorize_secret(req, session, secret)
        # Barbican finds the consumer by its id alone; here it must be this secret's, so that being allowed
        # to see one secret does not show another's consumers.
        consumer = session.scalars(select(SecretConsumer).where(SecretConsumer.id == consumer_id,
                                                                SecretConsumer.secret_id == secret.id)).first()
        if consumer is None:
            raise errors.NotFound("Consumer not found.")
        return consumer_view(consumer)


def register(api: cravat.API, km: KeyManager) -> None:
    api.route("/secrets/{secret_id}/consumers", SecretConsumers(km), name="secret_consumers")
    api.route("/secrets/{secret_id}/consumers/{consumer_id}", SecretConsumer1(km), name="secret_consumer")
