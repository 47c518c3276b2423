"""``/v1/orders``: ask for a key or a key pair; a task makes it and the order goes PENDING to ACTIVE.

``POST /v1/orders`` validates the order as Barbican 23's TypeOrderValidator does (the order's schema, then
its ``meta`` as a secret's, ``'Secret' within 'Order'``), saves it PENDING and enqueues its task in the same
transaction, and answers 202 with the ``order_ref``. A worker (:mod:`keymanager.order_tasks`) generates the
key and stores the secret(s), and the order becomes ACTIVE with its ``secret_ref`` or ``container_ref``, or
ERROR with ``error_status_code`` and ``error_reason``. An order is found in its own project only: another
project's is as absent as a missing one (404 ``Order not found.``, as Barbican's lookup).

>>> POST /v1/orders {"type": "key", "meta": {"algorithm": "aes", "bit_length": 256, "mode": "cbc"}}
202 {"order_ref": "http://127.0.0.1:9311/v1/orders/5b9e..."}
>>> GET /v1/orders/5b9e...
200 {"type": "key", "status": "ACTIVE", "secret_ref": ".../v1/secrets/...", "meta": {...}, ...}
"""

from __future__ import annotations

import datetime
import sys
from typing import Any

import fastjsonschema
import jsonschema
from jsonschema.exceptions import best_match
from sqlalchemy import Text, bindparam, cast, func, insert, select
from sqlalchemy.orm import make_transient_to_detached

import cravat
import cravat.db
from cravat import Result, errors
from keymanager import policies
from keymanager.context import KeyManager, parse_time, timestamp, utcnow
from keymanager.models import PENDING, Order
from keymanager.secrets import SECRET_SCHEMA

ORDERS = cravat.db.Repository(Order, label="Order")
_ORDERS = Order.__table__
_INSERT_ORDER = insert(_ORDERS)
#: Every column of a new order, unset (the INSERT and the instance put in the session name them all).
_UNSET = dict.fromkeys(_ORDERS.c.keys())
#: The caller project's order, as a row (GET: PERF, a Core query costs half the ORM's load and its session).
_ORDER_OF_PROJECT = select(_ORDERS).where(_ORDERS.c.id == bindparam("id"), _ORDERS.c.project_id == bindparam("project"))

#: clean_paging_values: the default and the largest page (barbican.conf default_/max_limit_paging).
DEFAULT_LIMIT, MAX_LIMIT = 10, 100

#: Barbican's mime_types: the payload content types a client may give, and their normal forms.
PLAIN_TEXT = ("text/plain", "text/plain;charset=utf-8", "text/plain; charset=utf-8")
SUPPORTED_CONTENT_TYPES = PLAIN_TEXT + ("application/octet-stream", "application/pkcs8")
_INTERNAL_CONTENT_TYPES = {"text/plain": "text/plain", "application/octet-stream": "application/octet-stream",
                           "application/pkcs8": "application/pkcs8", "application/aes": "application/aes"}
_ENCODINGS = {"text/plain": None, "application/octet-stream": ["base64", "binary"],
              "application/pkcs8": ["base64", "binary"], "application/aes": None}

#: TypeOrderValidator's schema (draft 3, as Barbican declares it: ``required`` inside the properties).
ORDER_SCHEMA = {
    "type": "object",
    "$schema": "http://json-schema.org/draft-03/schema",
    "properties": {
        "meta": {"type": "object", "required": True},
        "type": {"type": "string", "required": True, "enum": ["key", "asymmetric"]},
    },
}

#: NewSecretValidator's schema (keymanager.secrets), which an order's ``meta`` must meet (other keys are
#: allowed and kept).

class SchemaValidator:
    """A JSON schema checked as Barbican's validators check theirs: jsonschema's best match, Barbican's words.

    The message is InvalidObject's: ``Provided object does not match schema 'Order': 'x' is not one of
    ['key', 'asymmetric']. Invalid property: 'type'`` (the property is the schema path's second step, as
    Barbican's get_invalid_property takes it; ``None`` for the document itself).

    PERF: a valid document is passed by the schema compiled with fastjsonschema (draft 3's ``required``
    inside the properties rewritten as draft 7's list); only a document it refuses is walked by
    jsonschema, for Barbican's message. jsonschema has the last word: what it accepts passes.
    """

    def __init__(self, schema: dict[str, Any]) -> None:
        cls = jsonschema.validators.validator_for(schema)
        cls.check_schema(schema)
        self._validator = cls(schema)
        self._fast = fastjsonschema.compile(_draft7(schema))

    def check(self, document: Any, schema_name: str) -> None:
        try:
            self._fast(document)
            return
        except fastjsonschema.JsonSchemaException:
            pass
        error = best_match(self._validator.iter_errors(document))
        if error is not None:
            path = list(error.schema_path)
            raise invalid_object(schema_name, _short(error.message), path[1] if len(path) > 1 else None)


def _draft7(schema: dict[str, Any]) -> dict[str, Any]:
    """The same schema in draft 7 (one level deep, enough for Barbican's): ``"required": True`` listed."""
    copy = {key: value for key, value in schema.items() if key != "$schema"}
    if "properties" in copy:
        properties = {name: {k: v for k, v in rule.items() if k != "required" or not isinstance(v, bool)}
                      for name, rule in copy["properties"].items()}
        required = [name for name, rule in copy["properties"].items() if rule.get("required") is True]
        copy["properties"] = properties
        if required:
            copy["required"] = sorted(set(copy.get("required", [])) | set(required))
    return copy


def invalid_object(schema_name: str, reason: str, prop: str | None) -> errors.HTTPError:
    """Barbican's InvalidObject, a 400: ``Provided object does not match schema '<s>': <reason>. Invalid property:
    '<p>'``."""
    return errors.BadRequest(f"Provided object does not match schema '{schema_name}': {reason}. "
                             f"Invalid property: '{prop}'")


def unsupported_field(field: str, schema_name: str, reason: str) -> errors.HTTPError:
    """Barbican's UnsupportedField (its client message, then what its log message says, naming the field)."""
    return errors.BadRequest(f"Provided field value is not supported: no support for value set on field "
                             f"'{field}' on schema '{schema_name}': {reason}")


def _short(message: str, limit: int = 300) -> str:
    # jsonschema quotes the offending value whole; an oversized field would come back whole in the error.
    return message if len(message) <= limit else message[:limit] + "..."


def is_supported_content_type(content_type: str) -> bool:
    """Barbican's mime_types.is_supported: text/plain (utf-8 only), application/octet-stream or pkcs8."""
    return normalize_content_type(content_type) in SUPPORTED_CONTENT_TYPES


def normalize_content_type(content_type: str) -> str:
    """Barbican's mime_types.normalize_content_type: ``text/plain; charset=utf-8`` is ``text/plain``."""
    parts = [part.strip() for part in content_type.split(";")]
    mime = parts[0].lower()
    if len(parts) > 1:
        charset = parts[1].lower()
        if "=" not in charset or charset.split("=")[1].strip() != "utf-8":
            return content_type
    return _INTERNAL_CONTENT_TYPES.get(mime, content_type)


_ORDER = SchemaValidator(ORDER_SCHEMA)
_SECRET = SchemaValidator(SECRET_SCHEMA)
_META_SCHEMA = "Secret' within 'Order"  # NewSecretValidator's name with its parent's, as Barbican joins them


def validate_order(body: Any) -> tuple[str, dict[str, Any]]:
    """``(type, meta)`` of a valid order, ``meta`` normalized as Barbican stores it; else a 400 naming the field.

    As Barbican 23: every string of the body is stripped first; the order's schema (``type`` one of key
    and asymmetric, ``meta`` an object); the meta as a secret's (types and sizes, ``expiration`` a future
    ISO 8601 time, a supported ``payload_content_type``); no ``payload``; ``algorithm`` and ``bit_length``
    present, ``bit_length`` a multiple of 8. Whether the algorithm, bit length and mode can be generated
    is the task's to find (the order then ends ERROR), as Barbican leaves it to its crypto plugin.
    """
    body = _strip(body)
    _ORDER.check(body, "Order")
    order_type = body["type"].lower()
    meta = body["meta"]
    _SECRET.check(meta, _META_SCHEMA)
    meta["name"] = meta["name"].strip() if isinstance(meta.get("name"), str) else None
    expiration = _expiration(meta.get("expiration"))
    meta["expiration"] = _stored_time(expiration)
    content_type = meta.get("payload_content_type")
    if "payload" in meta:
        _check_payload(meta, content_type)
    elif content_type and not is_supported_content_type(content_type):
        raise invalid_object(_META_SCHEMA, f"payload_content_type is not one of {list(SUPPORTED_CONTENT_TYPES)}",
                             "payload_content_type")
    what = "key" if order_type == "key" else "asymmetric key"
    if meta.get("payload") is not None:
        raise invalid_object("Order", f"'payload' not allowed for {order_type} type order", "meta")
    if not meta.get("algorithm"):
        raise invalid_object("Order", f"'algorithm' is required field for {what} type order", "meta")
    if not meta.get("bit_length"):
        raise invalid_object("Order", f"'bit_length' is required field for {what} type order", "meta")
    bit_length = int(meta["bit_length"])
    meta["bit_length"] = bit_length  # 256.0 is an integer to the schema; store 256
    if bit_length % 8:
        raise unsupported_field("bit_length", "Order", "Must be a positive integer that is a multiple of 8")
    return order_type, meta


def _strip(value: Any) -> Any:
    """Barbican's strip_whitespace: every string in the document, at any depth, stripped."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, dict):
        return {key: _strip(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_strip(item) for item in value]
    return value


def _expiration(raw: str | None) -> datetime.datetime | None:
    if not raw or not raw.strip():
        return None
    try:
        expiration = parse_time(raw)
    except ValueError:
        raise invalid_object(_META_SCHEMA, "Invalid date for 'expiration'", "expiration") from None
    if expiration <= utcnow():
        raise invalid_object(_META_SCHEMA, "'expiration' is before current time", "expiration")
    return expiration


def _stored_time(moment: datetime.datetime | None) -> str | None:
    # Barbican stores the validated meta through oslo's jsonutils, which writes a datetime this way.
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%f") if moment is not None else None


def _check_payload(meta: dict[str, Any], content_type: str | None) -> None:
    """A payload in an order's meta: refused whatever it is, after the checks Barbican makes on it first."""
    if content_type is None:
        raise invalid_object(_META_SCHEMA, "If 'payload' is supplied, 'payload_content_type' must also be "
                             "supplied.", "payload_content_type")
    if not is_supported_content_type(content_type):
        raise invalid_object(_META_SCHEMA, f"payload_content_type is not one of {list(SUPPORTED_CONTENT_TYPES)}",
                             "payload_content_type")
    encodings = _ENCODINGS[_INTERNAL_CONTENT_TYPES[normalize_content_type(content_type)]]
    encoding = meta.get("payload_content_encoding")
    if (encoding not in encodings) if encodings else (encoding is not None):
        raise invalid_object(_META_SCHEMA, f"payload_content_encoding is not one of {encodings}",
                             "payload_content_encoding")
    if not meta["payload"]:
        raise invalid_object(_META_SCHEMA, "If 'payload' specified, must be non empty", "payload")


def clean_paging(offset: Any, limit: Any) -> tuple[int, int]:
    """Barbican's clean_paging_values: bad values fall back (offset 0, limit 10), limit within 1..100."""
    try:
        offset_value = int(offset or 0)
    except ValueError:
        offset_value = 0
    if not 0 <= offset_value <= sys.maxsize:
        offset_value = 0
    try:
        limit_value = min(max(int(limit or DEFAULT_LIMIT), 1), MAX_LIMIT)
    except ValueError:
        limit_value = DEFAULT_LIMIT
    return offset_value, limit_value


def paged(km: KeyManager, req: cravat.Request, collection: str, key: str, items: list[Any], total: int,
          offset: int, limit: int) -> dict[str, Any]:
    """Barbican's list answer: the items, ``total``, and ``previous``/``next`` hrefs where such pages exist.

    ``collection`` is the path under ``/v1`` (``orders``, ``containers/<id>/consumers``); the hrefs carry
    ``limit`` and ``offset`` only, as Barbican's add_nav_hrefs writes them.
    """
    if not items:
        return {key: [], "total": total}
    answer: dict[str, Any] = {key: items}
    base = f"{km.base_url(req)}/{collection}"
    if offset > 0:
        answer["previous"] = f"{base}?limit={limit}&offset={max(0, offset - limit)}"
    if total > offset + limit:
        answer["next"] = f"{base}?limit={limit}&offset={offset + limit}"
    answer["total"] = total
    return answer


class OrdersController:
    """Barbican's OrdersController and OrderController: create, list, show and delete."""

    def __init__(self, km: KeyManager, task_name: str) -> None:
        self.km = km
        self.task_name = task_name

    @policies.rule("orders:post", "Order creation")
    @cravat.response(202)
    def create(self, req: cravat.Request, body: Any, session: Any, tasks: Any) -> Result:
        project_id = self.km.project_of(req)
        order_type, meta = validate_order(body)
        now = utcnow()
        values = {**_UNSET, "id": self.km.new_id(), "project_id": project_id, "creator_id": self.km.user_of(req),
                  "type": order_type, "meta": meta, "status": PENDING, "created_at": now, "updated_at": now}
        # PERF: one Core INSERT, then the order in the session as the row it wrote (the ORM's flush costs a
        # fifth of the request), so that the task this request runs after its answer finds it there.
        session.connection().execute(_INSERT_ORDER, values)
        order = Order(**values)
        make_transient_to_detached(order)
        session.add(order)
        tasks.enqueue(self.task_name, order.id, {"type": order_type})
        ref = self.km.order_ref(req, order.id)
        return Result({"order_ref": ref}, status=202, headers={"Location": ref})

    @policies.rule("orders:put", "Order update")
    @cravat.collection_action("PUT", "")
    def update_all(self, req: cravat.Request) -> None:
        """Barbican's OrdersController.on_put: behind its rule, an order is never updated."""
        raise errors.MethodNotAllowed("Order update is not supported.", allow="GET, HEAD, POST, OPTIONS")

    @policies.rule("orders:get", "Order(s) retrieval")
    def index(self, req: cravat.Request, session: Any) -> Any:
        project_id = self.km.project_of(req)
        offset, limit = clean_paging(req.GET.get("offset"), req.GET.get("limit"))
        stmt = ORDERS.query(project_id=project_id)
        meta = req.GET.get("meta")
        if meta:
            # Barbican's Order.meta.contains(meta): LIKE '%<meta>%' on the meta's JSON text (% and _ wildcards).
            stmt = stmt.where(cast(Order.meta, Text).contains(meta))
        total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
        orders = session.scalars(stmt.order_by(Order.created_at, Order.id).offset(offset).limit(limit)).all()
        return paged(self.km, req, "orders", "orders", [self.view(req, o) for o in orders], total, offset, limit)

    @policies.rule("order:get", "Order retrieval", in_handler=True)
    def show(self, req: cravat.Request, session: Any, id: str) -> Any:
        order = session.connection().execute(_ORDER_OF_PROJECT, {"id": id, "project": self.km.project_of(req)}).first()
        return self.view(req, _authorized(req, order))

    @policies.rule("order:delete", "Order deletion", in_handler=True)
    def delete(self, req: cravat.Request, session: Any, id: str) -> None:
        session.delete(self._order(req, session, id))

    def _order(self, req: cravat.Request, session: Any, order_id: str) -> Order:
        """The caller project's order, authorized (see ``_authorized``)."""
        return _authorized(req, ORDERS.find(session, order_id, project_id=self.km.project_of(req)))

    def view(self, req: cravat.Request, order: Any) -> dict[str, Any]:
        """Barbican's Order.to_dict_fields with its ids made refs; absent fields are left out, as there."""
        view: dict[str, Any] = {"created": timestamp(order.created_at), "updated": timestamp(order.updated_at),
                                "status": order.status, "type": order.type, "meta": order.meta,
                                "order_ref": self.km.order_ref(req, order.id)}
        if order.secret_id:
            view["secret_ref"] = self.km.secret_ref(req, order.secret_id)
        if order.container_id:
            view["container_ref"] = self.km.container_ref(req, order.container_id)
        for name in ("error_status_code", "error_reason", "sub_status", "sub_status_message", "creator_id"):
            value = getattr(order, name)
            if value:
                view[name] = value
        return view


def _authorized(req: cravat.Request, order: Any) -> Any:
    """The caller project's order (an entity or a row) once the rule is checked against it; None (not in
    the project, as Barbican's _lookup finds it) is 404."""
    if order is None:
        raise errors.NotFound("Order not found.")
    policies.authorize_order(req, order)
    return order


def register(api: cravat.API, km: KeyManager) -> None:
    """Mount ``/orders`` and register the order task on the key manager's tasks."""
    from keymanager.order_tasks import ProcessTypeOrder

    task = ProcessTypeOrder(km)
    km.tasks.register(task)
    api.resource("/orders", OrdersController(km, task.name), name="orders")
