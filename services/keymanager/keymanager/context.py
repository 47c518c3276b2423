"""What every area of the key manager shares: the :class:`KeyManager` handed to each ``register(api, km)``,
the caller's project, references (``secret_ref`` and the like) and Barbican's timestamps.

>>> km.secret_ref(req, "6f2b...")          # from req's host and SCRIPT_NAME, or public_endpoint
'http://127.0.0.1:9311/v1/secrets/6f2b...'
>>> km.parse_ref("http://127.0.0.1:9311/v1/secrets/6f2b...", "secrets", field="secret_ref")
'6f2b...'
"""

from __future__ import annotations

import datetime
import re
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

import cravat
import cravat.db
from cravat import errors

_UUID = re.compile(r"^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$")


@dataclass
class KeyManager:
    """The service's parts: its database, tasks, crypto plugin and settings (the paste section's)."""

    database: cravat.db.Database
    tasks: Any
    crypto: Any
    settings: dict[str, Any] = field(default_factory=dict)
    #: The URL clients reach the service at (APIOptions.public_endpoint, Barbican's host_href); None: the request's.
    public_endpoint: str | None = None

    # The caller ---------------------------------------------------------------------------------------

    @staticmethod
    def project_of(req: cravat.Request) -> str:
        """The caller's project id; 401 when the request has none (an anonymous or unscoped context)."""
        context = req.context
        project_id = getattr(context, "project_id", None)
        if not project_id:
            raise errors.Unauthorized("The request has no project: a token scoped to a project is needed "
                                      "(X-Project-Id with the no-auth pipeline).")
        return project_id

    @staticmethod
    def user_of(req: cravat.Request) -> str | None:
        """The caller's user id (Barbican's creator_id), None when the context has none."""
        return getattr(req.context, "user_id", None)

    # References ---------------------------------------------------------------------------------------

    def base_url(self, req: cravat.Request) -> str:
        """The ``/v1`` URL as the client sees it: public_endpoint + SCRIPT_NAME, else the request's own."""
        if self.public_endpoint:
            return self.public_endpoint.rstrip("/") + quote(req.environ.get("SCRIPT_NAME", ""))
        return req.application_url

    def ref(self, req: cravat.Request, collection: str, entity_id: str) -> str:
        return f"{self.base_url(req)}/{collection}/{entity_id}"

    def secret_ref(self, req: cravat.Request, secret_id: str) -> str:
        return self.ref(req, "secrets", secret_id)

    def container_ref(self, req: cravat.Request, container_id: str) -> str:
        return self.ref(req, "containers", container_id)

    def order_ref(self, req: cravat.Request, order_id: str) -> str:
        return self.ref(req, "orders", order_id)

    @staticmethod
    def parse_ref(ref: Any, collection: str, *, field: str | None = None) -> str:
        """The id at the end of ``ref`` (``.../secrets/<uuid>``, a trailing slash allowed, or a bare uuid).

        A ref that is not a string, names another collection or does not end in a uuid is 400 naming
        ``field`` (default: the collection's singular + ``_ref``).
        """
        name = field or f"{collection.rstrip('s')}_ref"
        if not isinstance(ref, str) or not ref.strip():
            raise errors.BadRequest(f"Invalid {name}: it must be a non-empty string, a URL ending in "
                                    f"/{collection}/<id>.")
        text = ref.strip().rstrip("/")
        parts = text.rsplit("/", 2)
        entity_id = parts[-1]
        if len(parts) > 1 and parts[-2] != collection:
            raise errors.BadRequest(f"Invalid {name} {ref!r}: it does not name one of the {collection} "
                                    f"(a URL ending in /{collection}/<id>).")
        if not _UUID.match(entity_id):
            raise errors.BadRequest(f"Invalid {name} {ref!r}: {entity_id!r} is not a {collection[:-1]} id.")
        return entity_id

    # Identity and time --------------------------------------------------------------------------------

    @staticmethod
    def new_id() -> str:
        return str(uuid.uuid4())

    @staticmethod
    def is_uuid(text: str) -> bool:
        return bool(_UUID.match(text))


def utcnow() -> datetime.datetime:
    """Now in UTC, naive (as Barbican's timeutils.utcnow, and as the columns store it)."""
    return datetime.datetime.now(datetime.UTC).replace(tzinfo=None)


def timestamp(moment: datetime.datetime | None) -> str | None:
    """Barbican's rendering of a stored time: ``isoformat()`` of the naive UTC value (``2026-12-02T06:00:00.123456``)."""
    return moment.isoformat() if moment is not None else None


def parse_time(text: str) -> datetime.datetime:
    """An ISO 8601 time as naive UTC (timeutils.parse_isotime + normalize_time); ValueError when it is not one."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.datetime.fromisoformat(value)
    if moment.tzinfo is not None:
        moment = moment.astimezone(datetime.UTC).replace(tzinfo=None)
    return moment


def nested_deeper_than(document: Any, limit: int) -> bool:
    """Whether arrays and objects nest more than ``limit`` levels (walked without recursion)."""
    todo = [(document, 1)]
    while todo:
        value, level = todo.pop()
        if isinstance(value, dict | list):
            if level > limit:
                return True
            todo.extend((item, level + 1) for item in (value.values() if isinstance(value, dict) else value))
    return False
