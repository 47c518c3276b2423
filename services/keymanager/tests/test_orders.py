"""/v1/orders through a real server, on SQLite and PostgreSQL: Barbican 23's orders, made by a task.

The expectations (statuses, messages, fields) were taken from real Barbican 23 answering the same
requests (no-auth pipeline, SQLite, simple_crypto); where ours says more, the test says so.
"""

from __future__ import annotations

import concurrent.futures
import contextlib
import datetime
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from conftest import OTHER_PROJECT, PROJECT, TEST_KEK, start_service
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

#: How long a test polls an order before it fails (generating a 4096-bit key pair takes a while).
WAIT = 20.0
LATER = datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)
KEY = {"type": "key", "meta": {"name": "an aes key", "algorithm": "aes", "bit_length": 256, "mode": "cbc"}}
FAILURE = "Process TypeOrder failure seen - please contact site administrator."


def path_of(ref: str) -> str:
    return "/v1/" + ref.split("/v1/", 1)[1]


def create(client, body=None, **kw):
    answer = client.post("/v1/orders", json=KEY if body is None else body, **kw)
    assert answer.status == 202, answer
    return answer


def wait_done(client, ref, *, timeout=WAIT, **kw):
    """The order once it is no longer PENDING (a bounded poll)."""
    deadline = time.monotonic() + timeout
    while True:
        order = client.get(path_of(ref), **kw).json()
        if order["status"] != "PENDING":
            return order
        assert time.monotonic() < deadline, f"order {ref} still PENDING after {timeout} s"
        time.sleep(0.01)


def order_of(client, body=None, **kw):
    return wait_done(client, create(client, body, **kw).json()["order_ref"], **kw)


def payload(client, ref, **kw):
    answer = client.get(path_of(ref) + "/payload", headers={"Accept": "application/octet-stream"}, **kw)
    assert answer.status == 200, answer
    return answer.body


def container_members(client, ref, **kw):
    container = client.get(path_of(ref), **kw).json()
    return container, {member["name"]: member["secret_ref"] for member in container["secret_refs"]}


# --- create: the order, PENDING, and its task, in one transaction -------------------------------------

def test_create_answers_202_with_the_order_ref_in_the_body_and_location(km, client):
    answer = create(client)
    ref = answer.json()["order_ref"]
    assert answer.json() == {"order_ref": ref}
    assert answer.headers["Location"] == ref
    assert ref.startswith(km.url + "/v1/orders/") and uuid.UUID(ref.rsplit("/", 1)[1])


def test_an_order_is_saved_with_its_task_for_a_worker(km, tmp_path):
    # A service without worker threads: the order stays PENDING, its task waits in the table.
    with start_service(km.backend, tmp_path, task_threads="0") as idle:
        ref = create(idle.client).json()["order_ref"]
        order_id = ref.rsplit("/", 1)[1]
        assert idle.client.get(path_of(ref)).json()["status"] == "PENDING"
        tasks = [t for t in idle.rows("cravat_tasks") if t["entity"] == order_id]
        assert [(t["name"], t["state"]) for t in tasks] == [("keymanager.process_type_order", "pending")]


def test_a_key_order_is_active_within_a_second_of_its_creation(client):
    # The bound, asserted as a correctness bound on an idle embedded worker (SQLite or PostgreSQL).
    started = time.monotonic()
    ref = create(client).json()["order_ref"]
    order = wait_done(client, ref, timeout=5)
    elapsed = time.monotonic() - started
    assert order["status"] == "ACTIVE"
    assert elapsed < 1.0, f"ACTIVE after {elapsed:.3f} s"


def test_a_key_order_makes_a_symmetric_secret_with_the_meta_of_the_order(client):
    order = order_of(client, {"type": "key", "meta": {"name": " padded ", "algorithm": "aes", "bit_length": 256,
                                                      "mode": "cbc", "expiration": LATER.isoformat()}})
    assert order["status"] == "ACTIVE"
    assert order["type"] == "key"
    assert order["sub_status"] == order["sub_status_message"] == "Unknown"  # Barbican's finished order
    assert "container_ref" not in order and "error_status_code" not in order
    stored = LATER.replace(tzinfo=None).strftime("%Y-%m-%dT%H:%M:%S.%f")
    assert order["meta"] == {"name": "padded", "algorithm": "aes", "bit_length": 256, "mode": "cbc",
                             "expiration": stored}
    secret = client.get(path_of(order["secret_ref"])).json()
    assert (secret["name"], secret["algorithm"], secret["bit_length"], secret["mode"], secret["secret_type"]) == \
        ("padded", "aes", 256, "cbc", "symmetric")
    assert secret["expiration"].startswith(stored[:19])
    assert secret["content_types"] == {"default": "application/octet-stream"}
    assert len(payload(client, order["secret_ref"])) == 32


def test_each_key_order_makes_a_key_of_its_own(client):
    first, second = order_of(client), order_of(client)
    assert first["secret_ref"] != second["secret_ref"]
    assert payload(client, first["secret_ref"]) != payload(client, second["secret_ref"])


def test_the_order_and_its_secret_belong_to_the_caller(client):
    order = order_of(client, user="u-42")
    assert order["creator_id"] == "u-42"
    assert client.get(path_of(order["secret_ref"])).json()["creator_id"] == "u-42"
    assert client.get(path_of(order["secret_ref"]), project=OTHER_PROJECT).status == 403  # as Barbican: 403


def test_the_first_orders_of_a_new_project_made_at_once_are_all_made(client):
    # Both worker threads may race to make the new project's KEK: each order must still end ACTIVE.
    project = f"burst-{uuid.uuid4().hex[:8]}"
    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        refs = list(pool.map(lambda _: create(client, project=project).json()["order_ref"], range(6)))
    orders = [wait_done(client, ref, project=project) for ref in refs]
    assert [o["status"] for o in orders] == ["ACTIVE"] * 6
    keys = {payload(client, o["secret_ref"], project=project) for o in orders}
    assert len(keys) == 6


def test_an_xts_key_is_twice_a_supported_length(client):
    order = order_of(client, {"type": "key", "meta": {"algorithm": "aes", "bit_length": 512, "mode": "xts"}})
    assert order["status"] == "ACTIVE"
    assert len(payload(client, order["secret_ref"])) == 64


def test_an_asymmetric_order_makes_a_key_pair_in_an_rsa_container(client):
    order = order_of(client, {"type": "asymmetric", "meta": {"name": "pair", "algorithm": "rsa",
                                                             "bit_length": 2048}})
    assert order["status"] == "ACTIVE" and "secret_ref" not in order
    container, members = container_members(client, order["container_ref"])
    assert (container["type"], container["name"], container["status"]) == ("rsa", "pair", "ACTIVE")
    assert set(members) == {"private_key", "public_key"}
    private = serialization.load_pem_private_key(payload(client, members["private_key"]), password=None)
    public = serialization.load_pem_public_key(payload(client, members["public_key"]))
    oaep = padding.OAEP(mgf=padding.MGF1(hashes.SHA256()), algorithm=hashes.SHA256(), label=None)
    assert private.decrypt(public.encrypt(b"plaintext message", oaep), oaep) == b"plaintext message"
    assert private.key_size == 2048
    types = {name: client.get(path_of(ref)).json()["secret_type"] for name, ref in members.items()}
    assert types == {"private_key": "private", "public_key": "public"}


def test_an_asymmetric_order_with_a_passphrase_encrypts_the_private_key_with_it(client):
    order = order_of(client, {"type": "asymmetric", "meta": {"algorithm": "rsa", "bit_length": 2048,
                                                             "passphrase": "correct horse"}})
    assert order["status"] == "ACTIVE"
    _, members = container_members(client, order["container_ref"])
    assert set(members) == {"private_key", "public_key", "private_key_passphrase"}
    assert payload(client, members["private_key_passphrase"]) == b"correct horse"
    pem = payload(client, members["private_key"])
    with pytest.raises(TypeError):
        serialization.load_pem_private_key(pem, password=None)
    assert serialization.load_pem_private_key(pem, password=b"correct horse").key_size == 2048
    assert client.get(path_of(members["private_key_passphrase"])).json()["secret_type"] == "passphrase"


def test_a_dsa_order_makes_a_dsa_container_of_der_keys(client):
    order = order_of(client, {"type": "asymmetric", "meta": {"algorithm": "dsa", "bit_length": 2048}})
    assert order["status"] == "ACTIVE"
    container, members = container_members(client, order["container_ref"])
    assert container["type"] == "dsa" and set(members) == {"private_key", "public_key"}
    private = serialization.load_der_private_key(payload(client, members["private_key"]), password=None)
    public = serialization.load_der_public_key(payload(client, members["public_key"]))
    assert private.public_key().public_numbers() == public.public_numbers()


def test_unknown_fields_are_kept_in_the_meta_as_barbican_keeps_them(client):
    order = order_of(client, {"type": "key", "other": 1, "meta": {**KEY["meta"], "extra": {"a": 1}}})
    assert order["status"] == "ACTIVE"
    assert order["meta"]["extra"] == {"a": 1} and "other" not in order


# --- failures end ERROR, with Barbican's code and reason, and the worker goes on ------------------------

@pytest.mark.parametrize(("kind", "meta", "code", "reason"), [
    ("key", {"algorithm": "aes", "bit_length": 512}, "500", FAILURE),
    ("key", {"algorithm": "aes", "bit_length": 1024}, "500", FAILURE),
    ("key", {"algorithm": "foo", "bit_length": 256}, "400",
     "Process TypeOrder issue seen - Secret generate supported plugin not found.."),
    ("key", {"algorithm": "rsa", "bit_length": 2048}, "400",
     "Process TypeOrder issue seen - Requested algorithm is not supported."),
    ("key", {"algorithm": "desede", "bit_length": 192}, "400",
     "Process TypeOrder issue seen - Requested algorithm is not supported."),
    ("asymmetric", {"algorithm": "aes", "bit_length": 256}, "400",
     "Process TypeOrder issue seen - Requested algorithm is not supported."),
    ("asymmetric", {"algorithm": "rsa", "bit_length": 1000}, "500", FAILURE),
    ("asymmetric", {"algorithm": "rsa", "bit_length": 2048, "passphrase": 5}, "500", FAILURE),
], ids=["aes-512", "aes-1024", "unknown-algorithm", "rsa-key", "desede", "aes-pair", "rsa-1000", "passphrase-int"])
def test_an_order_the_plugin_cannot_make_ends_error_as_barbicans(km, client, kind, meta, code, reason):
    before = {t: len(km.rows(t)) for t in ("km_secrets", "km_containers")}
    order = order_of(client, {"type": kind, "meta": meta})
    assert order["status"] == "ERROR"
    assert (order["error_status_code"], order["error_reason"]) == (code, reason)
    assert "secret_ref" not in order and "container_ref" not in order and "sub_status" not in order
    assert {t: len(km.rows(t)) for t in before} == before
    # The worker went on: the next order is made.
    assert order_of(client)["status"] == "ACTIVE"


# --- rejected at the door: 400 naming the field, nothing stored -------------------------------------------

def _meta(**changes):
    meta = dict(KEY["meta"])
    for name, value in changes.items():
        if value is _DROP:
            meta.pop(name, None)
        else:
            meta[name] = value
    return meta


_DROP = object()
SCHEMA = "Provided object does not match schema"


@pytest.mark.parametrize(("body", "message"), [
    ({"type": "foo", "meta": {}},
     f"{SCHEMA} 'Order': 'foo' is not one of ['key', 'asymmetric']. Invalid property: 'type'"),
    ({"type": "certificate", "meta": {}},
     f"{SCHEMA} 'Order': 'certificate' is not one of ['key', 'asymmetric']. Invalid property: 'type'"),
    ({"meta": {}}, f"{SCHEMA} 'Order': 'type' is a required property. Invalid property: 'type'"),
    ({"type": "key"}, f"{SCHEMA} 'Order': 'meta' is a required property. Invalid property: 'meta'"),
    ({"type": "key", "meta": "aes"}, f"{SCHEMA} 'Order': 'aes' is not of type 'object'. Invalid property: 'meta'"),
    ([], f"{SCHEMA} 'Order': [] is not of type 'object'. Invalid property: 'None'"),
    ({"type": "key", "meta": _meta(bit_length="256")},
     f"{SCHEMA} 'Secret' within 'Order': '256' is not of type 'integer'. Invalid property: 'bit_length'"),
    ({"type": "key", "meta": _meta(bit_length=0)},
     f"{SCHEMA} 'Secret' within 'Order': 0 is less than the minimum of 1. Invalid property: 'bit_length'"),
    ({"type": "key", "meta": _meta(bit_length=32768)},
     f"{SCHEMA} 'Secret' within 'Order': 32768 is greater than the maximum of 32767. Invalid property: 'bit_length'"),
    ({"type": "key", "meta": _meta(bit_length=_DROP)},
     f"{SCHEMA} 'Order': 'bit_length' is required field for key type order. Invalid property: 'meta'"),
    ({"type": "asymmetric", "meta": {"algorithm": "rsa"}},
     f"{SCHEMA} 'Order': 'bit_length' is required field for asymmetric key type order. Invalid property: 'meta'"),
    ({"type": "key", "meta": _meta(algorithm=_DROP)},
     f"{SCHEMA} 'Order': 'algorithm' is required field for key type order. Invalid property: 'meta'"),
    ({"type": "key", "meta": _meta(algorithm=123)},
     f"{SCHEMA} 'Secret' within 'Order': 123 is not of type 'string'. Invalid property: 'algorithm'"),
    ({"type": "key", "meta": _meta(mode=123)},
     f"{SCHEMA} 'Secret' within 'Order': 123 is not of type 'string'. Invalid property: 'mode'"),
    ({"type": "key", "meta": _meta(name=5)},
     f"{SCHEMA} 'Secret' within 'Order': 5 is not of type 'string', 'null'. Invalid property: 'name'"),
    ({"type": "key", "meta": _meta(expiration="2001-01-01T00:00:00Z")},
     f"{SCHEMA} 'Secret' within 'Order': 'expiration' is before current time. Invalid property: 'expiration'"),
    ({"type": "key", "meta": _meta(expiration="2099-01-01T00:00:00-5:00")},
     f"{SCHEMA} 'Secret' within 'Order': Invalid date for 'expiration'. Invalid property: 'expiration'"),
    ({"type": "key", "meta": _meta(payload="blarg!")},
     f"{SCHEMA} 'Secret' within 'Order': If 'payload' is supplied, 'payload_content_type' must also be supplied.. "
     "Invalid property: 'payload_content_type'"),
    ({"type": "key", "meta": _meta(payload="blarg!", payload_content_type="text/plain")},
     f"{SCHEMA} 'Order': 'payload' not allowed for key type order. Invalid property: 'meta'"),
    ({"type": "key", "meta": _meta(payload_content_type="text")},
     f"{SCHEMA} 'Secret' within 'Order': payload_content_type is not one of ['text/plain', 'text/plain;charset=utf-8', "
     "'text/plain; charset=utf-8', 'application/octet-stream', 'application/pkcs8']. "
     "Invalid property: 'payload_content_type'"),
], ids=["type-unknown", "type-certificate", "type-missing", "meta-missing", "meta-string", "not-an-object",
        "bit_length-string", "bit_length-0", "bit_length-too-big", "bit_length-missing", "bit_length-missing-pair",
        "algorithm-missing", "algorithm-int", "mode-int", "name-int", "expiration-past", "expiration-malformed",
        "payload-without-type", "payload", "payload_content_type"])
def test_an_invalid_order_is_400_naming_the_field_and_nothing_is_stored(km, client, body, message):
    before = km.snapshot()
    answer = client.post("/v1/orders", json=body)
    assert answer.status == 400, answer
    assert answer.json() == {"code": 400, "title": "Bad Request", "description": message}
    assert km.snapshot() == before


@pytest.mark.parametrize("bit_length", [-7, 1, 7, 129, None, "", " "])
def test_a_bit_length_that_is_no_positive_multiple_of_8_is_400(km, client, bit_length):
    before = km.snapshot()
    answer = client.post("/v1/orders", json={"type": "key", "meta": _meta(bit_length=bit_length)})
    assert answer.status == 400, answer
    assert "bit_length" in answer.json()["description"]
    assert km.snapshot() == before


def test_an_odd_bit_length_is_barbicans_unsupported_field_naming_it(client):
    answer = client.post("/v1/orders", json={"type": "key", "meta": _meta(bit_length=129)})
    assert answer.status == 400
    # Barbican says only "Provided field value is not supported"; ours names the field and the rule too.
    assert answer.json()["description"] == (
        "Provided field value is not supported: no support for value set on field 'bit_length' on schema "
        "'Order': Must be a positive integer that is a multiple of 8")


@pytest.mark.parametrize("value", ["", "text/plain", "text/plain; charset=utf-8", "application/octet-stream"])
def test_the_payload_content_types_barbican_accepts_are_accepted(client, value):
    assert client.post("/v1/orders", json={"type": "key", "meta": _meta(payload_content_type=value)}).status == 202


@pytest.mark.parametrize("offset", ["-05:00", "+05:00", "-01", "+01"])
def test_an_expiration_with_a_time_zone_is_stored_in_utc(client, offset):
    moment = (LATER.replace(tzinfo=None)).strftime("%Y-%m-%dT%H:%M:%S") + offset
    order = order_of(client, {"type": "key", "meta": _meta(expiration=moment)})
    hours = int(offset[:3])
    expected = LATER.replace(tzinfo=None, microsecond=0) - datetime.timedelta(hours=hours)
    assert order["meta"]["expiration"] == expected.strftime("%Y-%m-%dT%H:%M:%S.%f")


def test_a_body_that_is_not_json_is_415_or_400_and_nothing_is_stored(km, client):
    before = km.snapshot()
    assert client.post("/v1/orders", body="type=key", headers={"Content-Type": "text/plain"}).status == 415
    malformed = client.post("/v1/orders", body="{", headers={"Content-Type": "application/json"})
    assert malformed.status == 400 and "Malformed JSON" in malformed.json()["description"]
    assert km.snapshot() == before


def test_an_order_needs_a_project(client):
    answer = client.post("/v1/orders", json=KEY, project=None)
    assert answer.status == 400 and answer.json()["description"] == "Missing X-Project-Id"


def test_orders_cannot_be_updated(client):
    answer = client.put("/v1/orders", json={})
    assert answer.status == 405 and answer.json()["description"] == "Order update is not supported."
    denied = client.put("/v1/orders", json={}, roles="observer")  # orders:put is checked first, as Barbican's
    assert denied.status == 403 and denied.json()["description"].startswith("Order update attempt not allowed")
    ref = create(client).json()["order_ref"]
    assert client.put(path_of(ref), json={}).status == 405


# --- show, list, delete; one project never sees another's ---------------------------------------------

def test_an_unknown_order_is_404_order_not_found(client):
    for order_id in (str(uuid.uuid4()), "not-a-uuid"):
        answer = client.get(f"/v1/orders/{order_id}")
        assert answer.status == 404
        assert answer.json()["description"] == "Order not found."


def test_another_projects_order_is_as_absent_as_a_missing_one(client):
    ref = create(client).json()["order_ref"]
    for method in ("get", "delete"):
        answer = getattr(client, method)(path_of(ref), project=OTHER_PROJECT)
        assert answer.status == 404 and answer.json()["description"] == "Order not found."
    assert client.get(path_of(ref)).status == 200


def test_an_observer_sees_orders_and_only_an_admin_deletes_them(client):
    # Barbican 23's legacy defaults: order:get is all_users in the project; order:delete is admin.
    ref = create(client).json()["order_ref"]
    assert client.get(path_of(ref), roles="observer").status == 200
    denied = client.delete(path_of(ref), roles="creator")
    assert denied.status == 403
    assert denied.json()["description"] == ("Order deletion attempt not allowed - please review your "
                                            "user/project privileges")
    assert client.post("/v1/orders", json=KEY, roles="observer").status == 403
    assert client.get(path_of(ref)).status == 200


def test_delete_answers_204_and_the_order_is_gone_but_not_its_secret(client):
    order = order_of(client)
    answer = client.delete(path_of(order["order_ref"]))
    assert answer.status == 204 and answer.body == b""
    assert client.get(path_of(order["order_ref"])).status == 404
    assert client.delete(path_of(order["order_ref"])).status == 404
    assert client.get(path_of(order["secret_ref"])).status == 200


def test_list_pages_by_limit_and_offset_with_total_next_and_previous(km, client):
    project = f"paging-{uuid.uuid4().hex[:8]}"
    refs = [create(client, project=project).json()["order_ref"] for _ in range(3)]
    first = client.get("/v1/orders?limit=2", project=project).json()
    assert [o["order_ref"] for o in first["orders"]] == refs[:2]
    assert first["total"] == 3
    assert first["next"] == f"{km.url}/v1/orders?limit=2&offset=2" and "previous" not in first
    last = client.get("/v1/orders?limit=2&offset=2", project=project).json()
    assert [o["order_ref"] for o in last["orders"]] == refs[2:]
    assert last["previous"] == f"{km.url}/v1/orders?limit=2&offset=0" and "next" not in last
    beyond = client.get("/v1/orders?offset=5", project=project).json()
    assert beyond == {"orders": [], "total": 3}


def test_list_paging_values_are_cleaned_as_barbicans(client):
    project = f"paging-{uuid.uuid4().hex[:8]}"
    for _ in range(2):
        create(client, project=project)
    cleaned = client.get("/v1/orders?limit=abc&offset=-3", project=project).json()
    assert len(cleaned["orders"]) == 2 and cleaned["total"] == 2 and "next" not in cleaned
    huge = client.get(f"/v1/orders?offset={10 ** 30}&limit={10 ** 30}", project=project).json()
    assert len(huge["orders"]) == 2 and huge["total"] == 2
    one = client.get("/v1/orders?limit=0", project=project).json()  # below 1 is 1
    assert len(one["orders"]) == 1 and one["next"].endswith("/v1/orders?limit=1&offset=1")


def test_list_filters_by_a_substring_of_the_meta(client):
    project = f"meta-{uuid.uuid4().hex[:8]}"
    marker = uuid.uuid4().hex
    wanted = create(client, {"type": "key", "meta": _meta(name=f"key {marker}")}, project=project).json()
    create(client, project=project)
    listed = client.get(f"/v1/orders?meta={marker}", project=project).json()
    assert [o["order_ref"] for o in listed["orders"]] == [wanted["order_ref"]] and listed["total"] == 1
    # A LIKE pattern, as Barbican's: % and _ are wildcards.
    pattern = client.get(f"/v1/orders?meta=key%25{marker[:8]}", project=project).json()
    assert [o["order_ref"] for o in pattern["orders"]] == [wanted["order_ref"]]
    assert client.get("/v1/orders?meta=no-such-text", project=project).json() == {"orders": [], "total": 0}


def test_list_shows_only_the_callers_orders(client):
    mine = create(client).json()["order_ref"]
    theirs = create(client, project=OTHER_PROJECT).json()["order_ref"]
    listed = {o["order_ref"] for o in client.get("/v1/orders?limit=100").json()["orders"]}
    assert mine in listed and theirs not in listed


# --- scale-out: the task run by a separate `cravat worker` process ------------------------------------

def test_a_separate_cravat_worker_process_makes_the_orders_on_postgresql(tmp_path):
    # The scale-out path: an API process without worker threads, and a `cravat worker` on the same database.
    with start_service("postgresql", tmp_path, task_threads="0") as api:
        env = {**os.environ, "KEYMANAGER_DATABASE_URL": api.database_url, "KEYMANAGER_KEK": TEST_KEK}
        with worker_process(["--threads", "2"], env, tmp_path / "worker.log") as log:
            orders_made_by_the_worker(api, log)


def test_orders_go_through_rabbitmq_to_a_celery_worker_on_postgresql(tmp_path):
    # The README's scale-out: API processes publish through the relay, `cravat worker` processes run Celery.
    queue = f"keymanager.test.{uuid.uuid4().hex[:8]}"
    settings = {"task_transport": "celery", "broker_url": BROKER, "task_queue": queue}
    try:
        with start_service("postgresql", tmp_path, **settings) as api:
            env = {**os.environ, "KEYMANAGER_DATABASE_URL": api.database_url, "KEYMANAGER_KEK": TEST_KEK,
                   "KEYMANAGER_TASK_TRANSPORT": "celery", "KEYMANAGER_BROKER_URL": BROKER,
                   "KEYMANAGER_TASK_QUEUE": queue}
            with worker_process(["--concurrency", "1"], env, tmp_path / "worker.log", ready=" ready.") as log:
                orders_made_by_the_worker(api, log)
    finally:
        _delete_queues(BROKER, [queue, f"{queue}.dead"])


BROKER = os.environ.get("CRAVAT_TEST_RABBITMQ", "amqp://guest:guest@127.0.0.1:5672//")


@contextlib.contextmanager
def worker_process(args, env, log, *, ready=None):
    """``cravat worker --app keymanager.app:app *args`` in its own process group; its log's path."""
    cravat = Path(sys.executable).parent / "cravat"
    with log.open("wb") as out:
        worker = subprocess.Popen([str(cravat), "worker", "--app", "keymanager.app:app", *args], env=env,
                                  stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        if ready:
            deadline = time.monotonic() + 60
            while ready not in log.read_text():
                assert worker.poll() is None, f"the worker exited {worker.returncode}:\n{log.read_text()[-3000:]}"
                assert time.monotonic() < deadline, f"the worker never said {ready!r}:\n{log.read_text()[-3000:]}"
                time.sleep(0.1)
        yield log
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait(timeout=10)


def orders_made_by_the_worker(api, log):
    refs = [create(api.client).json()["order_ref"],
            create(api.client, {"type": "asymmetric", "meta": {"algorithm": "rsa", "bit_length": 2048}})
            .json()["order_ref"]]
    key, pair = (wait_done(api.client, ref, timeout=30) for ref in refs)
    assert (key["status"], pair["status"]) == ("ACTIVE", "ACTIVE"), log.read_text()[-3000:]
    assert len(payload(api.client, key["secret_ref"])) == 32
    _, members = container_members(api.client, pair["container_ref"])
    assert set(members) == {"private_key", "public_key"}
    assert api.scalar("SELECT count(*) FROM cravat_tasks WHERE state = 'done'") == 2
    text = log.read_text()
    assert text.count("keymanager.process_type_order") >= 2 and "ended: done" in text, text[-3000:]


def _delete_queues(broker_url, names):
    import kombu

    with kombu.Connection(broker_url, connect_timeout=2) as connection:
        channel = connection.channel()
        for name in names:
            channel.queue_delete(name)


# --- the validators' fast path agrees with jsonschema, which words Barbican's messages ---------------------

@pytest.mark.parametrize("meta", [
    {"bit_length": 256.0}, {"bit_length": True}, {"bit_length": 1.5}, {"bit_length": 10**20}, {"name": None},
    {"name": "é" * 255}, {"name": "é" * 256}, {"mode": None}, {"expiration": 5}, {"algorithm": "\U0001F600" * 256},
    {"secret_type": "symmetric"}, {"secret_type": "SYMMETRIC"}, {"payload_content_encoding": "base64"},
    {"transport_key_needed": True}, [], "meta",
])
def test_the_compiled_schema_and_jsonschema_agree_on_a_meta(meta):
    from keymanager import orders

    validator = orders.SchemaValidator(orders.SECRET_SCHEMA)
    try:
        validator._fast(meta)
        fast = True
    except Exception:
        fast = False
    assert fast == validator._validator.is_valid(meta)


@pytest.mark.parametrize("body", [{"type": "key", "meta": {}}, {"type": "key"}, {"meta": {}}, [], {"type": "KEY",
                                  "meta": {}}, {"type": "key", "meta": []}, {"type": 1, "meta": {}}])
def test_the_compiled_schema_and_jsonschema_agree_on_an_order(body):
    from keymanager import orders

    validator = orders.SchemaValidator(orders.ORDER_SCHEMA)
    try:
        validator._fast(body)
        fast = True
    except Exception:
        fast = False
    assert fast == validator._validator.is_valid(body)
