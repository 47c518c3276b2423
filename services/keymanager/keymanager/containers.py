"""``/v1/containers``: named groups of secrets (generic, rsa, certificate) and the consumers that use them.

As Barbican 23's ContainersController, ContainerController and ContainerConsumersController:

- ``POST /v1/containers`` checks the container as Barbican's ContainerValidator does (its schema; no two
  references with one name, nor one secret twice; every ``secret_ref`` under this service's own URL, no
  spoofing; for ``rsa`` only ``public_key``, ``private_key`` (both needed) and ``private_key_passphrase``,
  for ``certificate`` a ``certificate`` and optionally ``private_key``, ``private_key_passphrase`` and
  ``intermediates``); each secret must be the caller project's (404 naming the reference otherwise);
  201 with the ``container_ref``;
- a container is looked up by id alone and the policy decides on it (``container:get`` against its
  project, creator and ACL), as Barbican does; an id that is not a uuid is 404;
- consumers: ``POST``/``DELETE /v1/containers/{id}/consumers`` with ``{"name", "URL"}`` answer the
  container (registering twice is once); ``GET`` lists them (by name, paged), and
  ``GET .../consumers/{consumer_id}`` shows one.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

import cravat
import cravat.db
from cravat import Result, errors
from keymanager import policies
from keymanager.context import KeyManager, timestamp, utcnow
from keymanager.models import ACTIVE, Container, ContainerConsumer, ContainerSecret, Secret
from keymanager.orders import SchemaValidator, _strip, clean_paging, invalid_object, paged, unsupported_field

CONTAINERS = cravat.db.Repository(Container, label="Container")

#: ContainerValidator's schema (no ``$schema``: jsonschema's latest draft, as Barbican's validate() uses).
CONTAINER_SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": ["string", "null"], "maxLength": 255},
        "type": {"type": "string", "enum": ["generic", "rsa", "certificate"]},
        "secret_refs": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["secret_ref"],
                "properties": {"name": {"type": ["string", "null"], "maxLength": 255},
                               "secret_ref": {"type": "string", "minLength": 1}},
            },
        },
    },
    "required": ["type"],
}

#: ContainerConsumerValidator's schema.
CONSUMER_SCHEMA = {
    "type": "object",
    "properties": {"URL": {"type": "string", "maxLength": 255, "minLength": 1},
                   "name": {"type": "string", "maxLength": 36, "minLength": 1}},
    "required": ["name", "URL"],
}

#: ContainerSecretValidator's schema: a secret added to (or removed from) a generic container.
CONTAINER_SECRET_SCHEMA = {
    "type": "object",
    "properties": {"name": {"type": "string", "maxLength": 255}, "secret_ref": {"type": "string", "minLength": 1}},
    "required": ["secret_ref"],
}

#: The reference names each typed container allows, and those it needs.
RSA_NAMES = ({"public_key", "private_key"}, {"private_key_passphrase"})
CERTIFICATE_NAMES = ({"certificate"}, {"private_key", "private_key_passphrase", "intermediates"})

_CONTAINER = SchemaValidator(CONTAINER_SCHEMA)
_CONSUMER = SchemaValidator(CONSUMER_SCHEMA)
_CONTAINER_SECRET = SchemaValidator(CONTAINER_SECRET_SCHEMA)
_VERSION_SUFFIX = re.compile(r"/v[0-9.]+$")


def secret_id_of(ref: str) -> str:
    """The id at the end of a secret reference, as Barbican's Container model takes it (a trailing slash allowed)."""
    if ref.endswith("/"):
        return ref.rsplit("/", 2)[1]
    return ref.rsplit("/", 1)[1] if "/" in ref else ref


def validate_container(km: KeyManager, req: cravat.Request, body: Any) -> dict[str, Any]:
    """The container's fields, checked as Barbican 23's ContainerValidator checks them; else a 400 naming why."""
    data = _strip(body)
    _CONTAINER.check(data, "Container")
    refs = data.get("secret_refs")
    if not refs:
        return data
    names = {ref.get("name", "") for ref in refs}
    if len(names) != len(refs):
        raise invalid_object("Container", "Duplicate reference names are not allowed", "secret_refs")
    if len({secret_id_of(ref["secret_ref"]) for ref in refs}) != len(refs):
        raise invalid_object("Container", "Duplicate secret ids are not allowed", "secret_refs")
    # No spoofing: a reference must point at this service, as the client reaches it.
    own = _VERSION_SUFFIX.sub("", km.base_url(req))
    for ref in refs:
        if not ref["secret_ref"].startswith(own):
            raise unsupported_field("secret_ref", "Container",
                                    f"Secret_ref does not match the configured hostname ({own}), please try again")
    if data["type"] == "rsa":
        _check_names(names, *RSA_NAMES,
                     "only 'private_key', 'public_key' and 'private_key_passphrase' reference names are allowed "
                     "for RSA type",
                     "The minimum required reference names are 'public_key' and'private_key' for RSA type")
    elif data["type"] == "certificate":
        _check_names(names, *CERTIFICATE_NAMES,
                     "only 'private_key', 'certificate' , 'private_key_passphrase',  or 'intermediates' reference "
                     "names are allowed for Certificate type",
                     "The minimum required reference name is 'certificate' for Certificate type")
    return data


def _check_names(names: set[Any], required: set[str], optional: set[str], unsupported: str, missing: str) -> None:
    if names - (required | optional):
        raise invalid_object("Container", unsupported, "secret_refs")
    if not required <= names:
        raise invalid_object("Container", missing, "secret_refs")


def add_container(session: Any, km: KeyManager, *, project_id: str, creator_id: str | None, name: str | None,
                  type: str, members: list[tuple[str | None, str]]) -> Container:
    """A new ACTIVE container of ``members`` (``(name, secret_id)``), flushed: the API's and the order task's."""
    now = utcnow()
    container = CONTAINERS.create(session, id=km.new_id(), project_id=project_id, creator_id=creator_id, name=name,
                                  type=type, status=ACTIVE, created_at=now, updated_at=now)
    session.add_all([ContainerSecret(container_id=container.id, secret_id=secret_id, name=member)
                     for member, secret_id in members])
    session.flush()
    return container


class ContainerViews:
    """Barbican's Container.to_dict_fields, refs made; members and consumers read for a page in one query each."""

    def __init__(self, km: KeyManager) -> None:
        self.km = km

    def many(self, req: cravat.Request, session: Any, containers: list[Container]) -> list[dict[str, Any]]:
        ids = [c.id for c in containers]
        members: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
        consumers: dict[str, list[dict[str, Any]]] = {i: [] for i in ids}
        if ids:
            rows = session.execute(select(ContainerSecret.container_id, ContainerSecret.secret_id,
                                          ContainerSecret.name)
                                   .where(ContainerSecret.container_id.in_(ids)).order_by(ContainerSecret.id))
            for container_id, secret_id, name in rows:
                members[container_id].append({"secret_ref": self.km.secret_ref(req, secret_id), "name": name})
            rows = session.execute(select(ContainerConsumer.container_id, ContainerConsumer.name,
                                          ContainerConsumer.URL)
                                   .where(ContainerConsumer.container_id.in_(ids))
                                   .order_by(ContainerConsumer.created_at, ContainerConsumer.id))
            for container_id, name, url in rows:
                consumers[container_id].append({"name": name, "URL": url})
        return [{"created": timestamp(c.created_at), "updated": timestamp(c.updated_at), "status": c.status,
                 "name": c.name, "type": c.type, "creator_id": c.creator_id, "secret_refs": members[c.id],
                 "consumers": consumers[c.id], "container_ref": self.km.container_ref(req, c.id)}
                for c in containers]

    def one(self, req: cravat.Request, session: Any, container: Container) -> dict[str, Any]:
        return self.many(req, session, [container])[0]


def load_container(km: KeyManager, session: Any, container_id: str) -> Container:
    """Barbican's ContainersController._lookup: by id alone (the policy then decides), 404 otherwise."""
    if not km.is_uuid(container_id):
        raise errors.NotFound("Not Found. Provided container id is invalid.")
    container = CONTAINERS.find(session, container_id)
    if container is None:
        raise errors.NotFound("Secrets container not found.")
    return container


class ContainersController:
    """``/v1/containers``: create, list, show, delete."""

    def __init__(self, km: KeyManager) -> None:
        self.km = km
        self.views = ContainerViews(km)

    @policies.rule("containers:post", "Container creation")
    @cravat.response(201)
    def create(self, req: cravat.Request, body: Any, session: Any) -> Result:
        project_id = self.km.project_of(req)
        data = validate_container(self.km, req, body)
        members = [(ref.get("name"), secret_id_of(ref["secret_ref"])) for ref in data.get("secret_refs") or ()]
        if members:
            wanted = {secret_id for _, secret_id in members}
            found = set(session.scalars(select(Secret.id).where(Secret.id.in_(wanted),
                                                                Secret.project_id == project_id)))
            for name, secret_id in members:
                if secret_id not in found:
                    raise errors.NotFound(f"Secret provided for '{name}' doesn't exist.")
        container = add_container(session, self.km, project_id=project_id, creator_id=self.km.user_of(req),
                                  name=data.get("name"), type=data["type"], members=members)
        ref = self.km.container_ref(req, container.id)
        return Result({"container_ref": ref}, status=201, headers={"Location": ref})

    @policies.rule("containers:get", "Containers(s) retrieval")
    def index(self, req: cravat.Request, session: Any) -> Any:
        project_id = self.km.project_of(req)
        offset, limit = clean_paging(req.GET.get("offset"), req.GET.get("limit"))
        stmt = CONTAINERS.query(project_id=project_id)
        if req.GET.get("name"):
            stmt = stmt.where(Container.name.like(req.GET["name"]))  # Barbican: name LIKE the value, as given
        if req.GET.get("type"):
            stmt = stmt.where(Container.type == req.GET["type"])
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        page = session.scalars(stmt.order_by(Container.created_at, Container.id).offset(offset).limit(limit)).all()
        return paged(self.km, req, "containers", "containers", self.views.many(req, session, list(page)), total,
                     offset, limit)

    @policies.rule("container:get", "Container retrieval", in_handler=True)
    def show(self, req: cravat.Request, session: Any, id: str) -> Any:
        container = load_container(self.km, session, id)
        policies.authorize_container(req, session, container)
        return self.views.one(req, session, container)

    @policies.rule("container:delete", "Container deletion", in_handler=True)
    def delete(self, req: cravat.Request, session: Any, id: str) -> None:
        container = load_container(self.km, session, id)
        policies.authorize_container(req, session, container)
        if container.project_id != self.km.project_of(req):
            raise errors.NotFound("Secrets container not found.")  # delete_entity_by_id is project-scoped
        session.delete(container)  # its members, consumers and ACLs go with it (ON DELETE CASCADE)


def validate_consumer(body: Any) -> dict[str, Any]:
    data = _strip(body)
    _CONSUMER.check(data, "Consumer")
    return data


def consumer_view(consumer: ContainerConsumer) -> dict[str, Any]:
    return {"created": timestamp(consumer.created_at), "updated": timestamp(consumer.updated_at),
            "status": consumer.status, "name": consumer.name, "URL": consumer.URL}


class ContainerConsumers:
    """``/v1/containers/{container_id}/consumers``: list, register (POST) and unregister (DELETE)."""

    def __init__(self, km: KeyManager) -> None:
        self.km = km
        self.views = ContainerViews(km)

    @policies.rule("container_consumers:get", "ContainerConsumers(s) retrieval", in_handler=True)
    def on_get(self, req: cravat.Request, session: Any, container_id: str) -> Any:
        container = load_container(self.km, session, container_id)
        policies.authorize_container(req, session, container)
        offset, limit = clean_paging(req.GET.get("offset"), req.GET.get("limit"))
        stmt = select(ContainerConsumer).where(ContainerConsumer.container_id == container.id)
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        page = session.scalars(stmt.order_by(ContainerConsumer.name, ContainerConsumer.URL)
                               .offset(offset).limit(limit)).all()
        return paged(self.km, req, f"containers/{container.id}/consumers", "consumers",
                     [consumer_view(c) for c in page], total, offset, limit)

    @policies.rule("container_consumers:post", "ContainerConsumer creation", in_handler=True)
    @cravat.response(200)
    def on_post(self, req: cravat.Request, body: Any, session: Any, container_id: str) -> Result:
        container = load_container(self.km, session, container_id)
        policies.authorize_container(req, session, container)
        data = validate_consumer(body)
        project_id = self.km.project_of(req)
        now = utcnow()
        if self._find(session, container.id, data["name"], data["URL"]) is None:
            # Registering again is idempotent, as Barbican's create_or_update_from; so is a concurrent twin.
            try:
                with session.begin_nested():
                    session.add(ContainerConsumer(id=self.km.new_id(), container_id=container.id,
                                                  project_id=project_id, name=data["name"], URL=data["URL"],
                                                  status=ACTIVE, created_at=now, updated_at=now))
            except IntegrityError:
                pass
        container.updated_at = now
        session.flush()
        location = f"{self.km.base_url(req)}/consumers/{container.id}/consumers"  # hrefs.convert_consumer_to_href
        return Result(self.views.one(req, session, container), status=200, headers={"Location": location})

    @policies.rule("container_consumers:delete", "ContainerConsumer deletion", in_handler=True)
    def on_delete(self, req: cravat.Request, body: Any, session: Any, container_id: str) -> Result:
        container = load_container(self.km, session, container_id)
        policies.authorize_container(req, session, container)
        data = validate_consumer(body)
        project_id = self.km.project_of(req)
        consumer = self._find(session, container.id, data["name"], data["URL"])
        if consumer is None:
            raise errors.NotFound("Consumer not found.")
        if consumer.project_id != project_id and container.project_id != project_id:
            raise errors.Forbidden("Not Allowed. Sorry, only the creator of a consumer can delete it.")
        session.delete(consumer)
        session.flush()
        return Result(self.views.one(req, session, container), status=200)

    @staticmethod
    def _find(session: Any, container_id: str, name: str, url: str) -> ContainerConsumer | None:
        return session.scalars(select(ContainerConsumer).where(
            ContainerConsumer.container_id == container_id, ContainerConsumer.name == name,
            ContainerConsumer.URL == url)).one_or_none()


class ContainerConsumer1:
    """``/v1/containers/{container_id}/consumers/{consumer_id}``: one consumer (Barbican's ``consumer:get``)."""

    def __init__(self, km: KeyManager) -> None:
        self.km = km

    @policies.rule("consumer:get", "ContainerConsumer retrieval", in_handler=True)
    def on_get(self, req: cravat.Request, session: Any, container_id: str, consumer_id: str) -> Any:
        container = load_container(self.km, session, container_id)
        policies.authorize_container(req, session, container)
        if not self.km.is_uuid(consumer_id):
            raise errors.NotFound("Not Found. Provided consumer id is invalid.")
        consumer = session.get(ContainerConsumer, consumer_id)
        if consumer is None:  # Barbican looks the consumer up by id alone
            raise errors.NotFound("Consumer not found.")
        return consumer_view(consumer)


class ContainerSecrets:
    """``/v1/containers/{container_id}/secrets``: add a secret to a generic container, or take one out."""

    def __init__(self, km: KeyManager) -> None:
        self.km = km

    @policies.rule("container_secret:post", "Container Secret creation", in_handler=True)
    @cravat.response(201)
    def on_post(self, req: cravat.Request, body: Any, session: Any, container_id: str) -> Result:
        container = load_container(self.km, session, container_id)
        policies.authorize_container(req, session, container)
        if container.type != "generic":
            raise errors.BadRequest("Only 'generic' containers can be modified.")
        name, secret_id = self._member(body)
        if self._secret(req, session, secret_id) is None:
            raise errors.NotFound("Secret provided doesn't exist.")
        if self._found(session, container.id, secret_id, name):
            raise errors.Conflict("Conflict. A secret with that name and ID is already stored in this container. "
                                  "The same secret can exist in a container as long as the name is unique.")
        session.add(ContainerSecret(container_id=container.id, secret_id=secret_id, name=name))
        session.flush()
        ref = self.km.container_ref(req, container.id)
        return Result({"container_ref": ref}, status=201, headers={"Location": ref})

    @policies.rule("container_secret:delete", "Container Secret deletion", in_handler=True)
    @cravat.response(204)
    def on_delete(self, req: cravat.Request, body: Any, session: Any, container_id: str) -> None:
        container = load_container(self.km, session, container_id)
        policies.authorize_container(req, session, container)
        name, secret_id = self._member(body)
        if self._secret(req, session, secret_id) is None:
            raise errors.NotFound(f"Secret '{name}' with reference '{body['secret_ref']}' doesn't exist.")
        found = self._found(session, container.id, secret_id, name)
        if not found:
            raise errors.NotFound("Secret provided is not in the container")
        for member in found:
            session.delete(member)

    @staticmethod
    def _member(body: Any) -> tuple[str | None, str]:
        data = _strip(body)
        _CONTAINER_SECRET.check(data, "ContainerSecret")
        return data.get("name"), data["secret_ref"].rsplit("/", 1)[-1]  # hrefs.get_secret_id_from_ref

    def _secret(self, req: cravat.Request, session: Any, secret_id: str) -> Secret | None:
        return session.scalars(select(Secret).where(Secret.id == secret_id,
                                                    Secret.project_id == self.km.project_of(req))).one_or_none()

    @staticmethod
    def _found(session: Any, container_id: str, secret_id: str, name: str | None) -> list[ContainerSecret]:
        return list(session.scalars(select(ContainerSecret).where(
            ContainerSecret.container_id == container_id, ContainerSecret.secret_id == secret_id,
            ContainerSecret.name.is_(None) if name is None else ContainerSecret.name == name)))


def register(api: cravat.API, km: KeyManager) -> None:
    api.resource("/containers", ContainersController(km), name="containers")
    api.route("/containers/{container_id}/consumers", ContainerConsumers(km), name="container_consumers")
    api.route("/containers/{container_id}/consumers/{consumer_id}", ContainerConsumer1(km), name="container_consumer")
    api.route("/containers/{container_id}/secrets", ContainerSecrets(km), name="container_secrets")
