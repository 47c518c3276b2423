"""Every secrets request Barbican 23 rejects: the same status, a message naming the problem (Barbican's
words), and nothing stored changed. Through a real server, on SQLite and PostgreSQL."""

from __future__ import annotations

import base64
import uuid

import pytest

SCHEMA = "Provided object does not match schema 'Secret': "
SUPPORTED = ("['text/plain', 'text/plain;charset=utf-8', 'text/plain; charset=utf-8', 'application/octet-stream', "
             "'application/pkcs8']")


def invalid(reason: str, prop: str | None) -> str:
    return f"{SCHEMA}{reason}. Invalid property: '{prop}'"


def expect(km, answer, status: int, description: str, before) -> None:
    assert answer.status == status, answer
    body = answer.json()
    assert body["code"] == status
    assert body["description"] == description
    assert km.snapshot() == before, "a rejected request changed what is stored"


CREATE_REJECTIONS = [
    pytest.param({"name": "x", "payload": "a", "payload_content_type": "application/json"}, 400,
                 invalid(f"payload_content_type is not one of {SUPPORTED}", "payload_content_type"),
                 id="unsupported-payload-content-type"),
    pytest.param({"name": "x", "payload": "YQ==", "payload_content_type": "text/plain",
                  "payload_content_encoding": "base64"}, 400,
                 invalid("payload_content_encoding is not one of None", "payload_content_encoding"),
                 id="base64-with-text-plain"),
    pytest.param({"name": "x", "payload": "", "payload_content_type": "text/plain"}, 400,
                 invalid("If 'payload' specified, must be non empty", "payload"), id="empty-payload"),
    pytest.param({"name": "x", "payload": "   ", "payload_content_type": "text/plain"}, 400,
                 invalid("If 'payload' specified, must be non empty", "payload"), id="blank-payload"),
    pytest.param({"name": "x", "payload": "a"}, 400,
                 invalid("If 'payload' is supplied, 'payload_content_type' must also be supplied.",
                         "payload_content_type"), id="payload-without-content-type"),
    pytest.param({"name": "x", "payload_content_type": "text/plain"}, 400,
                 invalid("payload must be provided when payload_content_type is specified", "payload"),
                 id="content-type-without-payload"),
    pytest.param({"name": "x", "payload": "YQ==", "payload_content_type": "application/octet-stream"}, 400,
                 invalid("payload_content_encoding is not one of ['base64', 'binary']", "payload_content_encoding"),
                 id="binary-without-encoding"),
    pytest.param({"name": "x", "payload": "YQ=", "payload_content_type": "application/octet-stream",
                  "payload_content_encoding": "base64"}, 400,
                 invalid("Invalid payload for payload_content_encoding", "payload"), id="bad-base64"),
    pytest.param({"name": "x", "payload": "YQ==", "payload_content_type": "application/octet-stream",
                  "payload_content_encoding": "gzip"}, 400,
                 invalid("'gzip' is not one of ['base64']", "payload_content_encoding"), id="unknown-encoding"),
    pytest.param({"name": "x", "secret_type": "hmac"}, 400,
                 invalid("'hmac' is not one of ['symmetric', 'passphrase', 'private', 'public', 'certificate', "
                         "'opaque']", "secret_type"), id="bad-secret-type"),
    pytest.param({"name": "x", "expiration": "2001-01-01T00:00:00Z"}, 400,
                 invalid("'expiration' is before current time", "expiration"), id="past-expiration"),
    pytest.param({"name": "x", "expiration": "next tuesday"}, 400,
                 invalid("Invalid date for 'expiration'", "expiration"), id="unparsable-expiration"),
    pytest.param({"name": "x", "bit_length": 1.5}, 400, invalid("1.5 is not of type 'integer'", "bit_length"),
                 id="non-integer-bit-length"),
    pytest.param({"name": "x", "bit_length": "256"}, 400, invalid("'256' is not of type 'integer'", "bit_length"),
                 id="string-bit-length"),
    pytest.param({"name": "x", "bit_length": 0}, 400, invalid("0 is less than the minimum of 1", "bit_length"),
                 id="zero-bit-length"),
    pytest.param({"name": "x", "bit_length": 40000}, 400,
                 invalid("40000 is greater than the maximum of 32767", "bit_length"), id="huge-bit-length"),
    pytest.param({"name": "n" * 256}, 400, invalid(f"'{'n' * 256}' is too long", "name"), id="long-name"),
    pytest.param({"name": 7}, 400, invalid("7 is not of type 'string', 'null'", "name"), id="name-not-a-string"),
    pytest.param({"payload": None, "payload_content_type": "text/plain"}, 400,
                 invalid("None is not of type 'string'", "payload"), id="null-payload"),
    pytest.param(["not", "an", "object"], 400, invalid("['not', 'an', 'object'] is not of type 'object'", None),
                 id="not-an-object"),
]


@pytest.mark.parametrize(("body", "status", "description"), CREATE_REJECTIONS)
def test_create_rejects(km, client, body, status, description):
    before = km.snapshot()
    expect(km, client.post("/v1/secrets", json=body), status, description, before)


def test_create_rejects_an_oversized_payload_with_413(km, client):
    before = km.snapshot()
    body = {"name": "big", "payload": "x" * 20001, "payload_content_type": "text/plain"}
    expect(km, client.post("/v1/secrets", json=body), 413, "Provided information too large to process", before)


def test_create_accepts_a_payload_of_exactly_the_limit(client):
    body = {"name": "edge", "payload": "x" * 20000, "payload_content_type": "text/plain"}
    assert client.post("/v1/secrets", json=body).status == 201


def test_create_rejects_a_body_over_the_request_limit_with_413(km, client):
    before = km.snapshot()
    body = {"name": "huge", "payload": base64.b64encode(b"y" * 30000).decode(),
            "payload_content_type": "application/octet-stream", "payload_content_encoding": "base64"}
    answer = client.post("/v1/secrets", json=body)
    assert answer.status == 413
    assert km.snapshot() == before


def test_create_rejects_malformed_json(km, client):
    before = km.snapshot()
    answer = client.post("/v1/secrets", body=b'{"name": ', headers={"Content-Type": "application/json"})
    expect(km, answer, 400, "Malformed JSON", before)


@pytest.mark.parametrize("levels, description", [(40, "Malformed JSON: nested deeper than 16 levels"),
                                                  (3000, "Malformed JSON")])
def test_create_rejects_json_nested_too_deep(km, client, levels, description):
    # 40 levels decode but pass the API's max_json_depth; 3,000 exceed the decoder's recursion limit.
    # Both were a 500 (RecursionError in the walk or in json.loads) before.
    before = km.snapshot()
    body = ('{"name": "x", "payload": ' + "[" * levels + "]" * levels + "}").encode()
    answer = client.post("/v1/secrets", body=body, headers={"Content-Type": "application/json"})
    expect(km, answer, 400, description, before)


@pytest.mark.parametrize("content_type", ["text/plain", None])
def test_create_rejects_a_body_that_is_not_json(km, client, content_type):
    before = km.snapshot()
    headers = {"Content-Type": content_type} if content_type else {}
    answer = client.post("/v1/secrets", body=b'{"name": "x"}', headers=headers)
    expect(km, answer, 415, "Unexpected content type. Expected content types are: ['application/json']", before)


# --- reads ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def text_secret(km):
    answer = km.client.post("/v1/secrets", json={"name": "t", "payload": "text", "payload_content_type": "text/plain"})
    return "/v1/" + answer.json()["secret_ref"].split("/v1/", 1)[1]


@pytest.fixture(scope="module")
def binary_secret(km):
    body = {"name": "b", "payload": base64.b64encode(b"\xff\xfe\x00").decode(),
            "payload_content_type": "application/octet-stream", "payload_content_encoding": "base64"}
    answer = km.client.post("/v1/secrets", json=body)
    return "/v1/" + answer.json()["secret_ref"].split("/v1/", 1)[1]


@pytest.mark.parametrize(("suffix", "operation"), [("", "Secret retrieval"), ("/payload", "Secret payload retrieval")])
@pytest.mark.parametrize("accept", ["application/xml", "text/html", "text/plain; q=0.5", "application/json, text/plain"])
def test_an_accept_barbican_does_not_offer_is_406(km, client, text_secret, suffix, operation, accept):
    if suffix == "" and accept == "application/json, text/plain":
        pass  # not exactly JSON: Barbican serves the payload for it, and refuses the type
    before = km.snapshot()
    answer = client.get(text_secret + suffix, headers={"Accept": accept})
    expect(km, answer, 406, f"{operation} issue seen - Wrong payload content-type.", before)


def test_a_binary_payload_asked_for_as_text_is_406(km, client, binary_secret):
    before = km.snapshot()
    answer = client.get(binary_secret + "/payload", headers={"Accept": "text/plain"})
    expect(km, answer, 406, "Secret payload retrieval issue seen - Wrong payload content-type.", before)


@pytest.mark.parametrize("suffix", ["", "/payload"])
def test_an_unknown_secret_is_404(km, client, suffix):
    before = km.snapshot()
    expect(km, client.get(f"/v1/secrets/{uuid.uuid4()}{suffix}"), 404, "Secret not found.", before)


@pytest.mark.parametrize("bad_id", ["not-a-uuid", "12345678123456781234567812345678",
                                    "6F2B8B3C-0D2E-4F6A-9B0C-8D7E6F5A4B3C"])
@pytest.mark.parametrize("method", ["GET", "PUT", "DELETE"])
def test_an_id_that_is_not_a_canonical_uuid4_is_404_invalid(km, client, bad_id, method):
    before = km.snapshot()
    answer = client.request(method, f"/v1/secrets/{bad_id}", body=b"x", headers={"Content-Type": "text/plain"})
    expect(km, answer, 404, "Not Found. Provided secret id is invalid.", before)


def test_delete_of_an_unknown_secret_is_404(km, client):
    before = km.snapshot()
    expect(km, client.delete(f"/v1/secrets/{uuid.uuid4()}"), 404, "Secret not found.", before)


# --- PUT ------------------------------------------------------------------------------------------

@pytest.fixture()
def empty_secret(km):
    answer = km.client.post("/v1/secrets", json={"name": "metadata only"})
    return "/v1/" + answer.json()["secret_ref"].split("/v1/", 1)[1]


@pytest.mark.parametrize("content_type", ["application/json", "application/xml", None])
def test_put_rejects_other_content_types_with_415(km, client, empty_secret, content_type):
    before = km.snapshot()
    headers = {"Content-Type": content_type} if content_type else {}
    answer = client.put(empty_secret, body=b"data", headers=headers)
    expect(km, answer, 415, "Unexpected content type. Expected content types are: "
                            "['application/octet-stream', 'text/plain']", before)


def test_put_rejects_an_empty_payload(km, client, empty_secret):
    before = km.snapshot()
    answer = client.put(empty_secret, body=b"", headers={"Content-Type": "text/plain"})
    expect(km, answer, 400, "Secret update issue seen - No data supplied to process..", before)


def test_put_rejects_an_oversized_payload_with_413(km, client, empty_secret):
    before = km.snapshot()
    answer = client.put(empty_secret, body=b"z" * 20001, headers={"Content-Type": "application/octet-stream"})
    expect(km, answer, 413, "Secret update issue seen - Provided information too large to process.", before)


def test_put_rejects_an_encoding_other_than_base64(km, client, empty_secret):
    before = km.snapshot()
    answer = client.put(empty_secret, body=b"data",
                        headers={"Content-Type": "application/octet-stream", "Content-Encoding": "gzip"})
    expect(km, answer, 400, "Secret update issue seen - Text-based binary secret payloads must specify a "
                            "content-encoding of 'base64'.", before)


def test_put_rejects_base64_that_does_not_decode(km, client, empty_secret):
    before = km.snapshot()
    answer = client.put(empty_secret, body=b"YQ=",
                        headers={"Content-Type": "application/octet-stream", "Content-Encoding": "base64"})
    expect(km, answer, 400, "Secret update issue seen - Problem decoding payload.", before)


def test_put_on_a_secret_with_a_payload_is_409(km, client, text_secret):
    before = km.snapshot()
    answer = client.put(text_secret, body=b"again", headers={"Content-Type": "text/plain"})
    expect(km, answer, 409, "Secret already has data, cannot modify it.", before)


# --- list -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("query", [
    "created=yesterday", "updated=gt:2020-01-01,gt:2020-02-01", "expiration=gte:2020-01-01,2020-02-01",
    "created=lte:2020-01-01,lt:2020-02-01", "sort=colour", "sort=name:sideways", "sort=name,name:desc",
    "sort=name:asc:desc",
])
def test_list_rejects_bad_filters_and_sorts(km, client, query):
    before = km.snapshot()
    expect(km, client.get(f"/v1/secrets?{query}"), 400, "URI provided invalid query string parameters.", before)


@pytest.mark.parametrize(("query", "count"), [("limit=0", 1), ("limit=-3", 1), ("limit=abc", 10), ("limit=500", 100),
                                              ("offset=-5", 10), ("offset=abc", 10)])
def test_list_cleans_paging_values_as_barbican(km, client, query, count):
    project = uuid.uuid4().hex
    for i in range(12):
        km.client.post("/v1/secrets", json={"name": f"p{i}"}, project=project)
    page = client.get(f"/v1/secrets?{query}", project=project).json()
    assert len(page["secrets"]) == min(count, 12)


# --- delete with consumers (1.2) -------------------------------------------------------------------

def _with_consumer(km, client) -> str:
    ref = client.post("/v1/secrets", json={"name": "consumed"}).json()["secret_ref"]
    secret_id = ref.rsplit("/", 1)[1]
    import datetime

    import sqlalchemy as sa
    with km.engine.begin() as connection:
        connection.execute(sa.text(
            "INSERT INTO km_secret_consumers (id, secret_id, project_id, service, resource_type, resource_id, "
            "status, created_at, updated_at) VALUES (:id, :secret, 'p', 'image', 'image', :rid, 'ACTIVE', :now, :now)"),
            {"id": str(uuid.uuid4()), "secret": secret_id, "rid": str(uuid.uuid4()),
             "now": datetime.datetime(2026, 1, 1)})
    return f"/v1/secrets/{secret_id}"


def test_delete_at_1_2_refuses_a_secret_with_consumers(km, client):
    path = _with_consumer(km, client)
    before = km.snapshot()
    answer = client.delete(path, version="1.2")
    expect(km, answer, 400, "Secret deletion issue seen - Secret cannot be deleted as it has consumers..", before)
    bad_force = client.delete(path + "?force=maybe", version="1.2")
    expect(km, bad_force, 400, "URI provided invalid query string parameters.", before)


def test_delete_at_1_2_with_force_and_before_1_2_deletes_with_consumers(km, client):
    forced = _with_consumer(km, client)
    assert client.delete(forced + "?force=true", version="1.2").status == 204
    older = _with_consumer(km, client)
    assert client.delete(older, version="1.1").status == 204
    ids = {r["secret_id"] for r in km.rows("km_secret_consumers")}
    assert forced.rsplit("/", 1)[1] not in ids and older.rsplit("/", 1)[1] not in ids
