"""``/v1/secrets/{id}/consumers``: services registering their use of a secret, as Barbican 23's
SecretConsumersController and SecretConsumerController.

- ``POST`` ``{"service", "resource_type", "resource_id"}`` registers one (again is once) -> 200 with the
  secret's representation and Barbican's ``Location`` (``/v1/consumers/<secret id>/consumers``);
- ``DELETE`` with the same body removes it -> 200 with the secret; 404 ``Consumer not found.``; 403 when
  neither the consumer nor the secret is the caller project's;
- ``GET`` lists them, oldest first, paged (``limit``, ``offset``, ``total``, ``next``/``previous``);
- ``GET .../consumers/{consumer_id}`` shows one (Barbican's ``consumer:get``).

The secret is found by id alone and the ``secret_consumers:*`` rule decides on it (its project, creator
and ACL). A secret's own GET lists its consumers from 1.1 (``secrets.consumers_by_secret``), and its
DELETE refuses, from 1.2, while it has some, unless ``?force=true`` (``SecretsController.delete``).
"""

from __future__ import annotations

import sys
from typing import Any

from sqlalchemy import bindparam, delete, func, insert, select
from sqlalchemy.exc import IntegrityError

import cravat
from cravat import Result, errors
from keymanager import policies
from keymanager.context import KeyManager, timestamp, utcnow
from keymanager.models import SecretConsumer
from keymanager.orders import SchemaValidator, clean_paging, paged
from keymanager.secret_metadata import authorized_secret, find_secret, is_uuid4, load_json, strip, touch_secret
from keymanager.secret_listing import secret_values
from keymanager.secrets import consumers_by_secret, secret_view

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

# PERF: every statement here built once (SQLAlchemy caches their compiled form), run as Core.
_CONSUMERS = SecretConsumer.__table__
_OF_SECRET = _CONSUMERS.c.secret_id == bindparam("id")
_ORDER = (_CONSUMERS.c.created_at, _CONSUMERS.c.id)
_COUNT = select(func.count()).select_from(_CONSUMERS).where(_OF_SECRET)
_PAGE = select(_CONSUMERS).where(_OF_SECRET).order_by(*_ORDER).limit(bindparam("limit")).offset(bindparam("offset"))
_BY_VALUES = select(_CONSUMERS).where(_OF_SECRET, _CONSUMERS.c.service == bindparam("service"),
                                      _CONSUMERS.c.resource_type == bindparam("resource_type"),
                                      _CONSUMERS.c.resource_id == bindparam("resource_id"))
_BY_ID = select(_CONSUMERS).where(_OF_SECRET, _CONSUMERS.c.id == bindparam("consumer_id"))
_INSERT = insert(_CONSUMERS)
_DELETE = delete(_CONSUMERS).where(_CONSUMERS.c.id == bindparam("consumer_id"))


def secret_fields(km: KeyManager, req: cravat.Request, session: Any, secret: Any) -> dict[str, Any]:
    """The secret as Barbican answers a consumer's POST or DELETE: its fields, consumers, content types and ref."""
    return secret_view(secret_values(secret), consumers_by_secret(session, [secret.id]), f"{km.base_url(req)}/secrets")


def consumer_view(consumer: Any) -> dict[str, Any]:
    """One consumer as Barbican's ``to_dict_fields`` gives it."""
    return {"created": timestamp(consumer.created_at), "updated": timestamp(consumer.updated_at),
            "status": consumer.status, "service": consumer.service, "resource_type": consumer.resource_type,
            "resource_id": consumer.resource_id}


def validate_consumer(body: Any) -> tuple[str, str, str]:
    data = strip(body)
    _CONSUMER.check(data, SCHEMA_NAME)
    return data["service"], data["resource_type"], data["resource_id"]


def _find(session: Any, secret_id: str, service: str, resource_type: str, resource_id: str) -> Any:
    return session.connection().execute(_BY_VALUES, {"id": secret_id, "service": service,
                                                     "resource_type": resource_type,
                                                     "resource_id": resource_id}).first()


class SecretConsumers:
    """``/v1/secrets/{secret_id}/consumers``."""

    def __init__(self, km: KeyManager) -> None:
        self.km = km

    @policies.rule("secret_consumers:get", "SecretConsumers(s) retrieval", in_handler=True)
    def on_get(self, req: cravat.Request, session: Any, secret_id: str) -> Any:
        secret = authorized_secret(self.km, session, req, secret_id)
        offset, limit = clean_paging(req.GET.get("offset"), req.GET.get("limit"))
        if offset > sys.maxsize:  # as Barbican's clean_paging_values
            offset = 0
        connection = session.connection()
        total = connection.execute(_COUNT, {"id": secret.id}).scalar() or 0
        page = connection.execute(_PAGE, {"id": secret.id, "limit": limit, "offset": offset}).all()
        return paged(self.km, req, f"secrets/{secret.id}/consumers", "consumers",
                     [consumer_view(c) for c in page], total, offset, limit)

    @policies.rule("secret_consumers:post", "SecretConsumer creation", in_handler=True)
    def on_post(self, req: cravat.Request, session: Any, secret_id: str) -> Result:
        secret = authorized_secret(self.km, session, req, secret_id)
        project_id = self.km.project_of(req)
        service, resource_type, resource_id = validate_consumer(load_json(self.km, req))
        if _find(session, secret.id, service, resource_type, resource_id) is None:
            # Registering again is idempotent, as Barbican's create_or_update_from; so is a concurrent twin,
            # which the unique constraint turns away inside a savepoint.
            now = utcnow()
            try:
                with session.begin_nested():
                    session.connection().execute(_INSERT, {
                        "id": self.km.new_id(), "secret_id": secret.id, "project_id": project_id,
                        "service": service, "resource_type": resource_type, "resource_id": resource_id,
                        "status": "ACTIVE", "created_at": now, "updated_at": now})
            except IntegrityError:
                pass
        touch_secret(session, secret.id)
        secret, _ = find_secret(self.km, session, req, secret.id)  # as it is now, updated_at and all
        location = f"{self.km.base_url(req)}/consumers/{secret.id}/consumers"  # Barbican's convert_consumer_to_href
        return Result(secret_fields(self.km, req, session, secret), headers={"Location": location})

    @policies.rule("secret_consumers:delete", "SecretConsumer deletion", in_handler=True)
    def on_delete(self, req: cravat.Request, session: Any, secret_id: str) -> Any:
        secret = authorized_secret(self.km, session, req, secret_id)
        project_id = self.km.project_of(req)
        service, resource_type, resource_id = validate_consumer(load_json(self.km, req))
        consumer = _find(session, secret.id, service, resource_type, resource_id)
        if consumer is None:
            raise errors.NotFound("Consumer not found.")
        if consumer.project_id != project_id and secret.project_id != project_id:
            raise errors.Forbidden("Not Allowed. Sorry, only the creator of a consumer can delete it.")
        session.connection().execute(_DELETE, {"consumer_id": consumer.id})
        return secret_fields(self.km, req, session, secret)


class SecretConsumer1:
    """``/v1/secrets/{secret_id}/consumers/{consumer_id}``: one consumer (Barbican's ``consumer:get``)."""

    def __init__(self, km: KeyManager) -> None:
        self.km = km

    @policies.rule("consumer:get", "SecretConsumer retrieval", in_handler=True)
    def on_get(self, req: cravat.Request, session: Any, secret_id: str, consumer_id: str) -> Any:
        secret, target = find_secret(self.km, session, req, secret_id)
        if not is_uuid4(consumer_id):
            raise errors.NotFound("Not Found. Provided consumer id is invalid.")
        req.authorize(target)
        # Barbican finds the consumer by its id alone; here it must be this secret's, so that being allowed
        # to see one secret does not show another's consumers.
        consumer = session.connection().execute(_BY_ID, {"id": secret.id, "consumer_id": consumer_id}).first()
        if consumer is None:
            raise errors.NotFound("Consumer not found.")
        return consumer_view(consumer)


def register(api: cravat.API, km: KeyManager) -> None:
    api.route("/secrets/{secret_id}/consumers", SecretConsumers(km), name="secret_consumers")
    api.route("/secrets/{secret_id}/consumers/{consumer_id}", SecretConsumer1(km), name="secret_consumer")
