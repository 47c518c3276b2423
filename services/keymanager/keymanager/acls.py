"""``/v1/secrets/{id}/acl`` and ``/v1/containers/{id}/acl``: who besides the project may read an entity, as
Barbican 23's SecretACLsController and ContainerACLsController.

- ``GET`` -> ``{"read": {"project-access": bool, "users": [...], "created": ..., "updated": ...}}``, or
  Barbican's implicit default ``{"read": {"project-access": true}}`` when none is set;
- ``PUT`` ``{"read": {"users": [...], "project-access": bool}}`` replaces the ACLs (``project-access``
  defaults to true, ``users`` to none; an operation not in the body is removed) -> 200 ``{"acl_ref"}``;
- ``PATCH`` changes only what the body names (an absent ``users`` or ``project-access`` is kept) -> 200;
- ``DELETE`` removes them -> 200 ``null``.

Only the ``read`` operation exists (Barbican's ACLValidator). What an ACL does is in the policy
(:mod:`keymanager.policies`): a user named in ``read.users`` may read the entity from any project
(``secret_acl_read``), and ``project-access: false`` makes it private: in its own project only its
creator and the project's admins keep access. The entity is found by id alone, and the
``secret_acls:*`` / ``container_acls:*`` rule decides on it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

import cravat
from cravat import Result, errors
from keymanager import policies
from keymanager.containers import load_container
from keymanager.context import KeyManager, timestamp, utcnow
from keymanager.models import ContainerACL, SecretACL
from keymanager.orders import SchemaValidator, invalid_object
from keymanager.secret_metadata import authorized_secret, load_json, strip, touch_secret

#: ACLValidator's schema, as Barbican writes it (draft-04; ``items`` as a list checks the first user only).
ACL_SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    "definitions": {
        "acl_defintion": {
            "type": "object",
            "properties": {
                "users": {"type": "array", "items": [{"type": "string", "maxLength": 255}]},
                "project-access": {"type": "boolean"},
            },
            "additionalProperties": False,
        }
    },
    "type": "object",
    "properties": {"read": {"$ref": "#/definitions/acl_defintion"}},
    "additionalProperties": False,
}
_ACL = SchemaValidator(ACL_SCHEMA)
#: Barbican's validators.ACL_OPERATIONS (the schema lets only ``read`` through).
OPERATIONS = ("read", "write", "delete", "list")
DEFAULT_ACL = {"read": {"project-access": True}}
#: What Barbican's DELETE answers: 200 with the JSON ``null`` (pecan's rendering of None).
NULL_ANSWER = Result(b"null", status=200, content_type="application/json")


def validate_acl(body: Any) -> dict[str, Any]:
    """ACLValidator, and every user (not only the first, as Barbican's tuple ``items`` checks) a string of up
    to 255 characters: what Barbican's users table holds, where it would answer a 500."""
    data = strip(body)
    _ACL.check(data, "ACL")
    for operation, acl in data.items():
        for user in (acl or {}).get("users") or ():
            if not isinstance(user, str):
                raise invalid_object("ACL", f"{json.dumps(user)[:60]} is not of type 'string'", operation)
            if len(user) > 255:
                raise invalid_object("ACL", f"{user[:60]!r}... is too long", operation)
    return data


def acl_view(rows: list[Any]) -> dict[str, Any]:
    """The ACLs as Barbican's GET answers them, or its implicit default."""
    if not rows:
        return {op: dict(value) for op, value in DEFAULT_ACL.items()}
    return {row.operation: {"project-access": row.project_access, "users": list(row.users or []),
                            "created": timestamp(row.created_at), "updated": timestamp(row.updated_at)}
            for row in rows}


class _ACLs:
    """The part secret and container ACLs share: the rows of one entity, replaced or patched."""

    model: Any
    column: str

    def __init__(self, km: KeyManager) -> None:
        self.km = km

    def rows(self, session: Any, entity_id: str) -> list[Any]:
        return list(session.scalars(select(self.model).where(getattr(self.model, self.column) == entity_id)
                                    .order_by(self.model.operation)))

    def update(self, req: cravat.Request, session: Any, entity: Any, data: dict[str, Any], *, replace: bool) -> None:
        """PUT (``replace``: defaults for what the body leaves out, other operations removed) or PATCH.

        Two requests adding an entity's first ACL at once: the unique (entity, operation) constraint
        turns the second away inside a savepoint, a 409 rather than a fault.
        """
        try:
            with session.begin_nested():
                self._update(req, session, entity, data, replace=replace)
        except IntegrityError:
            raise errors.Conflict("Conflict. The ACL was changed by a concurrent request; try again.") from None

    def _update(self, req: cravat.Request, session: Any, entity: Any, data: dict[str, Any], *,
                replace: bool) -> None:
        existing = {row.operation: row for row in self.rows(session, entity.id)}
        now = utcnow()
        for operation in OPERATIONS:
            wanted = data.get(operation)
            if not wanted:  # Barbican: filter(lambda x: data.get(x), ACL_OPERATIONS)
                continue
            project_access = wanted.get("project-access", True if replace else None)
            users = wanted.get("users", [] if replace else None)
            row = existing.pop(operation, None)
            if row is None:
                row = self.model(id=self.km.new_id(), operation=operation, project_access=True, users=[],
                                 creator_id=self.km.user_of(req), created_at=now, updated_at=now)
                setattr(row, self.column, entity.id)
                session.add(row)
            if project_access is not None:
                row.project_access = project_access
            if users is not None:
                row.users = list(dict.fromkeys(users))  # Barbican keeps a set of users
            row.updated_at = now
        session.flush()
        if replace:
            for row in existing.values():
                session.delete(row)
        self.touch(session, entity, now)

    def touch(self, session: Any, entity: Any, now: Any) -> None:
        entity.updated_at = now

    def remove(self, session: Any, entity: Any) -> None:
        session.execute(delete(self.model).where(getattr(self.model, self.column) == entity.id))


class SecretACLs(_ACLs):
    """``/v1/secrets/{secret_id}/acl``."""

    model, column = SecretACL, "secret_id"

    def _load(self, req: cravat.Request, session: Any, secret_id: str) -> Any:
        return authorized_secret(self.km, session, req, secret_id)

    def touch(self, session: Any, entity: Any, now: Any) -> None:
        touch_secret(session, entity.id)  # the secret is a row here, read with its ACLs in one query

    @policies.rule("secret_acls:get", "SecretACL(s) retrieval", in_handler=True)
    def on_get(self, req: cravat.Request, session: Any, secret_id: str) -> Any:
        secret = self._load(req, session, secret_id)
        return acl_view(self.rows(session, secret.id))

    @policies.rule("secret_acls:put_patch", "SecretACL(s) Update", in_handler=True)
    def on_put(self, req: cravat.Request, session: Any, secret_id: str) -> Any:
        secret = self._load(req, session, secret_id)
        self.update(req, session, secret, validate_acl(load_json(self.km, req)), replace=True)
        return {"acl_ref": self.km.secret_ref(req, secret.id) + "/acl"}

    @policies.rule("secret_acls:put_patch", "SecretACL(s) Update", in_handler=True)
    def on_patch(self, req: cravat.Request, session: Any, secret_id: str) -> Any:
        secret = self._load(req, session, secret_id)
        self.update(req, session, secret, validate_acl(load_json(self.km, req)), replace=False)
        return {"acl_ref": self.km.secret_ref(req, secret.id) + "/acl"}

    @policies.rule("secret_acls:delete", "SecretACL(s) deletion", in_handler=True)
    def on_delete(self, req: cravat.Request, session: Any, secret_id: str) -> Result:
        secret = self._load(req, session, secret_id)
        self.remove(session, secret)
        return NULL_ANSWER


class ContainerACLs(_ACLs):
    """``/v1/containers/{container_id}/acl``."""

    model, column = ContainerACL, "container_id"

    def _load(self, req: cravat.Request, session: Any, container_id: str) -> Any:
        container = load_container(self.km, session, container_id)
        policies.authorize_container(req, session, container)
        return container

    @policies.rule("container_acls:get", "ContainerACL(s) retrieval", in_handler=True)
    def on_get(self, req: cravat.Request, session: Any, container_id: str) -> Any:
        container = self._load(req, session, container_id)
        return acl_view(self.rows(session, container.id))

    @policies.rule("container_acls:put_patch", "ContainerACL(s) Update", in_handler=True)
    def on_put(self, req: cravat.Request, session: Any, container_id: str) -> Any:
        container = self._load(req, session, container_id)
        self.update(req, session, container, validate_acl(load_json(self.km, req)), replace=True)
        return {"acl_ref": self.km.container_ref(req, container.id) + "/acl"}

    @policies.rule("container_acls:put_patch", "ContainerACL(s) Update", in_handler=True)
    def on_patch(self, req: cravat.Request, session: Any, container_id: str) -> Any:
        container = self._load(req, session, container_id)
        self.update(req, session, container, validate_acl(load_json(self.km, req)), replace=False)
        return {"acl_ref": self.km.container_ref(req, container.id) + "/acl"}

    @policies.rule("container_acls:delete", "ContainerACL(s) deletion", in_handler=True)
    def on_delete(self, req: cravat.Request, session: Any, container_id: str) -> Result:
        container = self._load(req, session, container_id)
        self.remove(session, container)
        return NULL_ANSWER


def register(api: cravat.API, km: KeyManager) -> None:
    api.route("/secrets/{secret_id}/acl", SecretACLs(km), name="secret_acls")
    api.route("/containers/{container_id}/acl", ContainerACLs(km), name="container_acls")
