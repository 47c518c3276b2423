"""/v1/secrets through a real server, on SQLite and PostgreSQL: what Barbican 23's secrets controller does."""

from __future__ import annotations

import base64
import datetime
import uuid

import pytest
from conftest import OTHER_PROJECT, PROJECT

LATER = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=30)).strftime("%Y-%m-%dT%H:%M:%S")


def store(client, project=PROJECT, **body):
    body.setdefault("name", "a secret")
    answer = client.post("/v1/secrets", json=body, project=project)
    assert answer.status == 201, answer
    return answer.json()["secret_ref"]


def path_of(ref: str) -> str:
    return "/v1/" + ref.split("/v1/", 1)[1]


# --- create ---------------------------------------------------------------------------------------

def test_create_text_answers_201_with_the_ref_in_the_body_and_location(km, client):
    answer = client.post("/v1/secrets", json={"name": "db", "payload": "s3cret", "payload_content_type": "text/plain"})
    assert answer.status == 201
    ref = answer.json()["secret_ref"]
    assert answer.headers["Location"] == ref
    assert ref.startswith(km.url + "/v1/secrets/")
    assert uuid.UUID(ref.rsplit("/", 1)[1]).version == 4


def test_payload_is_encrypted_at_rest(km, client):
    ref = store(client, payload="plain-text-marker-42", payload_content_type="text/plain")
    row = [r for r in km.rows("km_secrets") if r["id"] == ref.rsplit("/", 1)[1]][0]
    assert b"plain-text-marker-42" not in bytes(row["cypher_text"])
    assert row["content_type"] == "text/plain" and row["plugin_name"] == "simple_crypto"
    assert row["project_key_id"] in {k["id"] for k in km.rows("km_project_keys") if k["project_id"] == PROJECT}


def test_text_payload_round_trips_through_the_payload_route(client):
    ref = store(client, payload="s3cret", payload_content_type="text/plain")
    answer = client.get(path_of(ref) + "/payload", headers={"Accept": "text/plain"})
    assert answer.status == 200
    assert answer.body == b"s3cret"
    assert answer.content_type.startswith("text/plain")


def test_base64_binary_payload_round_trips_as_bytes(client):
    raw = bytes(range(256))
    ref = store(client, payload=base64.b64encode(raw).decode(), payload_content_type="application/octet-stream",
                payload_content_encoding="base64")
    answer = client.get(path_of(ref) + "/payload", headers={"Accept": "application/octet-stream"})
    assert answer.status == 200
    assert answer.body == raw
    assert answer.content_type == "application/octet-stream"


def test_payload_without_accept_is_octet_stream(client):
    ref = store(client, payload="abc", payload_content_type="text/plain")
    answer = client.get(path_of(ref) + "/payload")
    assert answer.status == 200 and answer.body == b"abc"
    assert answer.content_type == "application/octet-stream"


def test_payload_with_accept_any_is_in_the_stored_type(client):
    ref = store(client, payload="abc", payload_content_type="text/plain")
    answer = client.get(path_of(ref) + "/payload", headers={"Accept": "*/*"})
    assert answer.status == 200 and answer.body == b"abc"
    assert answer.content_type.startswith("text/plain")


def test_get_with_a_payload_accept_is_the_payload(client):
    ref = store(client, payload="via-accept", payload_content_type="text/plain")
    answer = client.get(path_of(ref), headers={"Accept": "text/plain"})
    assert answer.status == 200 and answer.body == b"via-accept"


def test_metadata_has_barbicans_fields(km, client):
    ref = store(client, name="  spaced  ", payload="x", payload_content_type="text/plain", algorithm="aes",
                bit_length=256, mode="cbc", secret_type="symmetric", expiration=LATER)
    answer = client.get(path_of(ref), user="u-1")
    assert answer.status == 200
    meta = answer.json()
    assert meta["name"] == "spaced"  # Barbican strips every string of the body
    assert meta["secret_ref"] == ref
    assert meta["status"] == "ACTIVE"
    assert (meta["algorithm"], meta["bit_length"], meta["mode"], meta["secret_type"]) == ("aes", 256, "cbc",
                                                                                         "symmetric")
    assert meta["content_types"] == {"default": "text/plain"}
    assert meta["expiration"] == LATER
    created = datetime.datetime.fromisoformat(meta["created"])
    assert abs((datetime.datetime.now(datetime.UTC).replace(tzinfo=None) - created).total_seconds()) < 300
    assert meta["updated"] == meta["created"] or meta["updated"] >= meta["created"]
    assert "consumers" not in meta  # 1.0: consumers arrived in 1.1


def test_metadata_at_1_1_lists_consumers(client):
    ref = store(client)
    meta = client.get(path_of(ref), version="1.1").json()
    assert meta["consumers"] == []


def test_creator_id_is_the_callers_user(client):
    answer = client.post("/v1/secrets", json={"name": "mine"}, user="alice")
    meta = client.get(path_of(answer.json()["secret_ref"]), user="alice").json()
    assert meta["creator_id"] == "alice"


def test_metadata_only_secret_has_no_content_types_and_no_payload(client):
    ref = store(client, name="empty")
    meta = client.get(path_of(ref)).json()
    assert "content_types" not in meta
    answer = client.get(path_of(ref) + "/payload", headers={"Accept": "text/plain"})
    assert answer.status == 404
    assert answer.json()["description"] == "Not Found. Sorry but your secret has no payload."


def test_defaults_are_opaque_and_null_fields(client):
    meta = client.get(path_of(store(client, name="bare"))).json()
    assert meta["secret_type"] == "opaque"
    assert meta["algorithm"] is None and meta["bit_length"] is None and meta["mode"] is None
    assert meta["expiration"] is None


@pytest.mark.parametrize("secret_type", ["symmetric", "public", "private", "passphrase", "certificate", "opaque"])
def test_every_secret_type_is_accepted(client, secret_type):
    meta = client.get(path_of(store(client, secret_type=secret_type))).json()
    assert meta["secret_type"] == secret_type


# --- PUT payload ----------------------------------------------------------------------------------

def test_put_gives_a_metadata_only_secret_its_payload_once(km, client):
    ref = store(client, name="later")
    answer = client.put(path_of(ref), body=b"first", headers={"Content-Type": "text/plain"})
    assert answer.status == 204 and answer.body == b""
    assert client.get(path_of(ref) + "/payload", headers={"Accept": "text/plain"}).body == b"first"
    before = km.snapshot()
    again = client.put(path_of(ref), body=b"second", headers={"Content-Type": "text/plain"})
    assert again.status == 409
    assert again.json()["description"] == "Secret already has data, cannot modify it."
    assert km.snapshot() == before
    assert client.get(path_of(ref) + "/payload", headers={"Accept": "text/plain"}).body == b"first"


def test_put_binary_as_is_and_base64_encoded(client):
    raw = b"\x00\xffbinary\x10"
    plain = store(client)
    assert client.put(path_of(plain), body=raw, headers={"Content-Type": "application/octet-stream"}).status == 204
    assert client.get(path_of(plain) + "/payload").body == raw
    encoded = store(client)
    answer = client.put(path_of(encoded), body=base64.b64encode(raw),
                        headers={"Content-Type": "application/octet-stream", "Content-Encoding": "base64"})
    assert answer.status == 204
    assert client.get(path_of(encoded) + "/payload").body == raw
    assert client.get(path_of(encoded)).json()["content_types"] == {"default": "application/octet-stream"}


# --- delete ---------------------------------------------------------------------------------------

def test_delete_answers_204_then_the_secret_is_gone(km, client):
    ref = store(client, payload="bye", payload_content_type="text/plain")
    answer = client.delete(path_of(ref))
    assert answer.status == 204
    assert client.get(path_of(ref)).status == 404
    assert ref.rsplit("/", 1)[1] not in {r["id"] for r in km.rows("km_secrets")}


# --- projects -------------------------------------------------------------------------------------

def test_another_projects_secret_is_forbidden_as_in_barbican(km, client):
    ref = store(client, payload="mine", payload_content_type="text/plain")
    before = km.snapshot()
    for method, kwargs in (("GET", {}), ("DELETE", {}),
                           ("PUT", {"body": b"x", "headers": {"Content-Type": "text/plain"}})):
        answer = client.request(method, path_of(ref), project=OTHER_PROJECT, **kwargs)
        assert answer.status == 403, (method, answer)
        assert "attempt not allowed - please review your user/project privileges" in answer.json()["description"]
    payload = client.get(path_of(ref) + "/payload", project=OTHER_PROJECT)
    assert payload.status == 403
    assert payload.json()["description"] == ("Secret payload retrieval attempt not allowed - please review your "
                                            "user/project privileges")
    assert km.snapshot() == before


def test_list_shows_only_the_callers_project(client):
    store(client, name="isolation-probe")
    theirs = client.get("/v1/secrets?name=isolation-probe", project=OTHER_PROJECT).json()
    assert theirs == {"secrets": [], "total": 0}


def test_no_project_is_refused_by_the_no_auth_context(km, client):
    before = km.snapshot()
    answer = client.post("/v1/secrets", json={"name": "orphan"}, project=None)
    assert answer.status == 400
    assert "X-Project-Id" in answer.json()["description"]
    assert km.snapshot() == before


# --- list -----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def listed(km):
    """Twelve secrets of a project of their own, created in order."""
    project = uuid.uuid4().hex
    refs = []
    for i in range(12):
        body = {"name": f"list-{i:02d}", "algorithm": "aes" if i % 2 else "rsa", "bit_length": 128 + 128 * (i % 2),
                "mode": "cbc" if i % 3 == 0 else "gcm", "secret_type": "symmetric" if i % 2 else "private"}
        answer = km.client.post("/v1/secrets", json=body, project=project)
        assert answer.status == 201
        refs.append(answer.json()["secret_ref"])
    return project, refs


def test_list_pages_with_limit_offset_total_next_previous(km, client, listed):
    project, refs = listed
    first = client.get("/v1/secrets?limit=5", project=project).json()
    assert first["total"] == 12
    assert [s["secret_ref"] for s in first["secrets"]] == refs[:5]
    assert "previous" not in first
    assert first["next"] == f"{km.url}/v1/secrets?limit=5&offset=5"
    middle = client.get("/v1/secrets?limit=5&offset=5", project=project).json()
    assert [s["secret_ref"] for s in middle["secrets"]] == refs[5:10]
    assert middle["previous"] == f"{km.url}/v1/secrets?limit=5&offset=0"
    assert middle["next"] == f"{km.url}/v1/secrets?limit=5&offset=10"
    last = client.get("/v1/secrets?limit=5&offset=10", project=project).json()
    assert len(last["secrets"]) == 2 and "next" not in last


@pytest.mark.parametrize("version", ["1.0", "1.1"])
def test_a_listed_secret_is_its_metadata_field_for_field(client, version):
    # The list renders its rows on a path of its own (secrets._listed_view): the same fields, in the same
    # order, as GET /v1/secrets/{id}, for a secret with every optional field and for a bare one.
    project = uuid.uuid4().hex
    full = store(client, project=project, name="full", payload="s3cret", payload_content_type="text/plain",
                 algorithm="aes", bit_length=256, mode="cbc", secret_type="symmetric", expiration=LATER)
    assert client.post(path_of(full) + "/consumers", json={"service": "image", "resource_type": "image",
                                                             "resource_id": "123"}, project=project,
                       version="1.1").status == 200
    bare = store(client, project=project, name="bare")
    listed = client.get("/v1/secrets?limit=10", project=project, version=version).json()["secrets"]
    shown = [client.get(path_of(ref), project=project, version=version).json() for ref in (full, bare)]
    assert [list(s.items()) for s in listed] == [list(s.items()) for s in shown]
    assert listed[0]["content_types"] == {"default": "text/plain"} and "content_types" not in listed[1]
    if version == "1.1":
        assert listed[0]["consumers"] == [{"service": "image", "resource_type": "image", "resource_id": "123"}]


def test_list_default_limit_is_ten(client, listed):
    project, refs = listed
    page = client.get("/v1/secrets", project=project).json()
    assert len(page["secrets"]) == 10 and page["total"] == 12


def test_list_past_the_end_is_empty_with_total(client, listed):
    project, _ = listed
    assert client.get("/v1/secrets?offset=50", project=project).json() == {"secrets": [], "total": 12}


def test_list_links_keep_the_filters(km, client, listed):
    project, _ = listed
    page = client.get("/v1/secrets?limit=2&alg=aes", project=project).json()
    assert page["total"] == 6
    assert page["next"] == f"{km.url}/v1/secrets?limit=2&offset=2&alg=aes"


@pytest.mark.parametrize(("query", "names"), [
    ("name=list-03", ["list-03"]),
    ("alg=rsa&bits=128", [f"list-{i:02d}" for i in range(0, 12, 2)]),
    ("mode=cbc", ["list-00", "list-03", "list-06", "list-09"]),
    ("secret_type=symmetric&limit=100", [f"list-{i:02d}" for i in range(1, 12, 2)]),
    ("bits=not-a-number&name=list-01", ["list-01"]),  # Barbican: a bad bits is no filter
])
def test_list_filters(client, listed, query, names):
    project, _ = listed
    page = client.get(f"/v1/secrets?{query}", project=project).json()
    assert [s["name"] for s in page["secrets"]] == names
    assert page["total"] == len(names)


def test_list_sort(client, listed):
    project, _ = listed
    page = client.get("/v1/secrets?sort=name:desc&limit=3", project=project).json()
    assert [s["name"] for s in page["secrets"]] == ["list-11", "list-10", "list-09"]
    page = client.get("/v1/secrets?sort=bit_length:asc,name:desc&limit=2", project=project).json()
    assert [s["name"] for s in page["secrets"]] == ["list-10", "list-08"]


def test_list_created_range(client, listed):
    project, refs = listed
    first = client.get(path_of(refs[0]), project=project).json()
    created = first["created"]
    everything = client.get(f"/v1/secrets?created=gte:{created}&limit=100", project=project).json()
    assert everything["total"] == 12
    before = client.get(f"/v1/secrets?created=lt:{created}", project=project).json()
    assert before["total"] == 0
    later = client.get("/v1/secrets?created=gt:2000-01-01T00:00:00,lt:2999-01-01T00:00:00&limit=100",
                       project=project).json()
    assert later["total"] == 12


def test_expired_secrets_are_neither_listed_nor_found(km, client):
    project = uuid.uuid4().hex
    answer = client.post("/v1/secrets", json={"name": "short-lived", "expiration": LATER}, project=project)
    ref = answer.json()["secret_ref"]
    secret_id = ref.rsplit("/", 1)[1]
    with km.engine.begin() as connection:
        import sqlalchemy as sa
        connection.execute(sa.text("UPDATE km_secrets SET expiration = :past WHERE id = :id"),
                           {"past": datetime.datetime(2001, 1, 1), "id": secret_id})
    assert client.get("/v1/secrets", project=project).json() == {"secrets": [], "total": 0}
    gone = client.get(path_of(ref), project=project)
    assert gone.status == 404 and gone.json()["description"] == "Secret not found."


def test_acl_only_lists_the_secrets_shared_with_the_user(km, client):
    ref = store(client, name="shared-by-acl")
    secret_id = ref.rsplit("/", 1)[1]
    with km.engine.begin() as connection:
        import sqlalchemy as sa
        connection.execute(sa.text(
            "INSERT INTO km_secret_acls (id, secret_id, operation, project_access, users, created_at, updated_at) "
            "VALUES (:id, :secret, 'read', :access, :users, :now, :now)"),
            {"id": str(uuid.uuid4()), "secret": secret_id, "access": True, "users": '["bob", "carol"]',
             "now": datetime.datetime(2026, 1, 1)})
    page = client.get("/v1/secrets?acl_only=true", project=OTHER_PROJECT, user="carol").json()
    assert [s["secret_ref"] for s in page["secrets"]] == [ref]
    assert client.get("/v1/secrets?acl_only=true", project=OTHER_PROJECT, user="bo").json()["total"] == 0


# --- versions -------------------------------------------------------------------------------------

def test_versions_document_at_1_0_and_1_1(km, client):
    legacy = client.get("/", project=None)
    assert legacy.status == 300
    value = legacy.json()["versions"]["values"][0]
    assert value["id"] == "v1" and value["status"] == "stable"
    current = client.get("/", project=None, version="1.1")
    assert current.status == 300
    version = current.json()["versions"][0]
    assert (version["min_version"], version["max_version"], version["status"]) == ("1.0", "1.2", "CURRENT")
    assert version["links"][0]["href"] == km.url + "/v1/"
    assert current.headers["OpenStack-API-Version"] == "key-manager 1.1"


def test_a_version_beyond_1_2_is_406(client):
    answer = client.get("/v1/secrets", version="1.3")
    assert answer.status == 406


def test_the_v1_root_is_the_version_document_as_barbicans_v1_controller(km, client):
    legacy = client.get("/v1/")
    assert legacy.status == 200
    assert legacy.json()["version"]["id"] == "v1" and legacy.json()["version"]["status"] == "stable"
    current = client.get("/v1", version="1.1").json()["version"]
    assert (current["status"], current["min_version"], current["max_version"]) == ("CURRENT", "1.0", "1.2")
    assert current["links"][0]["href"] == km.url + "/v1/"


def test_of_two_puts_at_once_exactly_one_gives_the_payload(km, client):
    import threading

    ref = store(client, name="raced")
    answers: list[int] = []
    start = threading.Barrier(4)

    def put(i: int) -> None:
        start.wait(timeout=10)
        answers.append(client.put(path_of(ref), body=f"payload-{i}", headers={"Content-Type": "text/plain"}).status)

    threads = [threading.Thread(target=put, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert sorted(answers) == [204, 409, 409, 409]
    payload = client.get(path_of(ref) + "/payload", headers={"Accept": "text/plain"}).body
    assert payload in {f"payload-{i}".encode() for i in range(4)}
