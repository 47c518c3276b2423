"""/v1/containers and their consumers through a real server, on SQLite and PostgreSQL, as Barbican 23.

The statuses and messages are real Barbican 23's for the same requests (no-auth pipeline, SQLite);
where ours says more (the spoofed-host 400), the test says so.
"""

from __future__ import annotations

import concurrent.futures
import uuid

import pytest
from conftest import OTHER_PROJECT

SCHEMA = "Provided object does not match schema 'Container'"


def path_of(ref: str) -> str:
    return "/v1/" + ref.split("/v1/", 1)[1]


def secret(client, name="s", **kw):
    answer = client.post("/v1/secrets", json={"name": name, "payload": "hello", "payload_content_type": "text/plain"},
                         **kw)
    assert answer.status == 201, answer
    return answer.json()["secret_ref"]


def create(client, body, **kw):
    answer = client.post("/v1/containers", json=body, **kw)
    assert answer.status == 201, answer
    return answer.json()["container_ref"]


def generic(client, **kw):
    members = [{"name": "a", "secret_ref": secret(client, **kw)}]
    return create(client, {"type": "generic", "name": "box", "secret_refs": members}, **kw)


# --- create --------------------------------------------------------------------------------------------

def test_create_a_generic_container_answers_201_with_its_ref(km, client):
    first, second = secret(client), secret(client)
    answer = client.post("/v1/containers", json={"type": "generic", "name": "box", "secret_refs": [
        {"name": "first", "secret_ref": first}, {"secret_ref": second}]}, user="u-7")
    assert answer.status == 201
    ref = answer.json()["container_ref"]
    assert answer.json() == {"container_ref": ref} and answer.headers["Location"] == ref
    assert ref.startswith(km.url + "/v1/containers/") and uuid.UUID(ref.rsplit("/", 1)[1])
    container = client.get(path_of(ref)).json()
    assert container == {
        "created": container["created"], "updated": container["updated"], "status": "ACTIVE", "name": "box",
        "type": "generic", "creator_id": "u-7", "container_ref": ref, "consumers": [],
        "secret_refs": [{"name": "first", "secret_ref": first}, {"name": None, "secret_ref": second}]}
    assert container["created"] == container["updated"]


def test_an_rsa_container_holds_its_key_pair(client):
    refs = {name: secret(client, name) for name in ("public_key", "private_key", "private_key_passphrase")}
    ref = create(client, {"type": "rsa", "secret_refs": [{"name": n, "secret_ref": r} for n, r in refs.items()]})
    container = client.get(path_of(ref)).json()
    assert container["type"] == "rsa" and container["name"] is None
    assert {m["name"]: m["secret_ref"] for m in container["secret_refs"]} == refs


def test_a_certificate_container_needs_only_its_certificate(client):
    refs = {name: secret(client, name) for name in ("certificate", "intermediates")}
    ref = create(client, {"type": "certificate", "name": "tls",
                          "secret_refs": [{"name": n, "secret_ref": r} for n, r in refs.items()]})
    assert {m["name"] for m in client.get(path_of(ref)).json()["secret_refs"]} == {"certificate", "intermediates"}


def test_a_container_without_secrets_is_allowed_as_barbican_allows_it(client):
    for kind in ("generic", "rsa"):
        assert client.get(path_of(create(client, {"type": kind}))).json()["secret_refs"] == []


def test_a_ref_with_a_trailing_slash_names_the_same_secret(client):
    ref = secret(client)
    container = create(client, {"type": "generic", "secret_refs": [{"name": "a", "secret_ref": ref + "/"}]})
    assert client.get(path_of(container)).json()["secret_refs"] == [{"name": "a", "secret_ref": ref}]


# --- rejected: 400 (or 404 for a secret that is not the caller's), nothing stored ----------------------------

def _refs(*names):
    return lambda client: [{"name": n, "secret_ref": secret(client, str(n))} for n in names]


@pytest.mark.parametrize(("body", "message"), [
    (lambda c: {"name": "x"}, f"{SCHEMA}: 'type' is a required property. Invalid property: 'None'"),
    (lambda c: {"type": "dsa"}, f"{SCHEMA}: 'dsa' is not one of ['generic', 'rsa', 'certificate']. "
                                "Invalid property: 'type'"),
    (lambda c: {"type": "generic", "name": 5},
     f"{SCHEMA}: 5 is not of type 'string', 'null'. Invalid property: 'name'"),
    (lambda c: {"type": "generic", "secret_refs": "x"}, f"{SCHEMA}: 'x' is not of type 'array'. "
                                                        "Invalid property: 'secret_refs'"),
    (lambda c: {"type": "generic", "secret_refs": [{"name": "a"}]},
     f"{SCHEMA}: 'secret_ref' is a required property. Invalid property: 'secret_refs'"),
    (lambda c: {"type": "generic", "secret_refs": _refs("a", "a")(c)},
     f"{SCHEMA}: Duplicate reference names are not allowed. Invalid property: 'secret_refs'"),
    (lambda c: {"type": "generic", "secret_refs": [{"secret_ref": secret(c)}, {"secret_ref": secret(c)}]},
     f"{SCHEMA}: Duplicate reference names are not allowed. Invalid property: 'secret_refs'"),
    (lambda c: {"type": "generic", "secret_refs": [{"name": n, "secret_ref": r} for n, r in
                                                   zip("ab", [secret(c)] * 2, strict=True)]},
     f"{SCHEMA}: Duplicate secret ids are not allowed. Invalid property: 'secret_refs'"),
    (lambda c: {"type": "rsa", "secret_refs": _refs("public_key")(c)},
     f"{SCHEMA}: The minimum required reference names are 'public_key' and'private_key' for RSA type. "
     "Invalid property: 'secret_refs'"),
    (lambda c: {"type": "rsa", "secret_refs": _refs("public_key", "private_key", "certificate")(c)},
     f"{SCHEMA}: only 'private_key', 'public_key' and 'private_key_passphrase' reference names are allowed for "
     "RSA type. Invalid property: 'secret_refs'"),
    (lambda c: {"type": "certificate", "secret_refs": _refs("private_key")(c)},
     f"{SCHEMA}: The minimum required reference name is 'certificate' for Certificate type. "
     "Invalid property: 'secret_refs'"),
    (lambda c: {"type": "certificate", "secret_refs": _refs("certificate", "public_key")(c)},
     f"{SCHEMA}: only 'private_key', 'certificate' , 'private_key_passphrase',  or 'intermediates' reference names "
     "are allowed for Certificate type. Invalid property: 'secret_refs'"),
], ids=["type-missing", "type-unknown", "name-int", "refs-string", "ref-without-secret_ref", "duplicate-names",
        "two-unnamed", "duplicate-secret", "rsa-without-private_key", "rsa-foreign-name", "certificate-missing",
        "certificate-foreign-name"])
def test_an_invalid_container_is_400_naming_why_and_nothing_is_stored(km, client, body, message):
    document = body(client)
    before = km.snapshot()
    answer = client.post("/v1/containers", json=document)
    assert answer.status == 400, answer
    assert answer.json() == {"code": 400, "title": "Bad Request", "description": message}
    assert km.snapshot() == before


@pytest.mark.parametrize("ref", ["garbage", "http://evil.example.com/v1/secrets/6f2b3c4d-0000-4000-8000-000000000000"])
def test_a_secret_ref_that_is_not_this_services_is_400_naming_secret_ref(km, client, ref):
    before = km.snapshot()
    answer = client.post("/v1/containers", json={"type": "generic", "secret_refs": [{"name": "a", "secret_ref": ref}]})
    assert answer.status == 400
    # Barbican's message ends at "Provided field value is not supported"; ours goes on to name the field.
    assert answer.json()["description"].startswith(
        "Provided field value is not supported: no support for value set on field 'secret_ref' on schema "
        "'Container': Secret_ref does not match the configured hostname")
    assert km.snapshot() == before


def test_a_secret_that_is_missing_or_another_projects_is_404_naming_the_reference(km, client):
    theirs = secret(client, project=OTHER_PROJECT)
    mine = secret(client)
    for ref in (theirs, f"{km.url}/v1/secrets/{uuid.uuid4()}", f"{km.url}/v1/secrets/not-an-id"):
        before = km.snapshot()
        answer = client.post("/v1/containers", json={"type": "generic", "secret_refs": [
            {"name": "mine", "secret_ref": mine}, {"name": "wanted", "secret_ref": ref}]})
        assert answer.status == 404, answer
        assert answer.json()["description"] == "Secret provided for 'wanted' doesn't exist."
        assert km.snapshot() == before


def test_a_container_body_must_be_json(client):
    assert client.post("/v1/containers", body="type=generic", headers={"Content-Type": "text/plain"}).status == 415


# --- show, delete, list; policy on another project's container ------------------------------------------

def test_a_container_id_that_is_not_a_uuid_or_unknown_is_404(client):
    invalid = client.get("/v1/containers/abc")
    assert invalid.status == 404 and invalid.json()["description"] == "Not Found. Provided container id is invalid."
    missing = client.get(f"/v1/containers/{uuid.uuid4()}")
    assert missing.status == 404 and missing.json()["description"] == "Secrets container not found."


def test_another_projects_container_is_403_as_barbicans_policy_decides(client):
    ref = generic(client)
    for roles in (None, "observer"):
        answer = client.get(path_of(ref), project=OTHER_PROJECT, roles=roles)
        assert answer.status == 403
        assert answer.json()["description"] == ("Container retrieval attempt not allowed - please review your "
                                                "user/project privileges")
    denied = client.delete(path_of(ref), project=OTHER_PROJECT)
    assert denied.status == 403 and denied.json()["description"].startswith("Container deletion attempt not allowed")
    assert client.get(path_of(ref)).status == 200


def test_a_creator_deletes_only_the_containers_it_created(client):
    # Barbican 23's legacy container:delete: the project's admin, or the creator role and the container's creator.
    ref = create(client, {"type": "generic"}, roles="creator", user="u1")
    denied = client.delete(path_of(ref), roles="creator", user="u2")
    assert denied.status == 403
    assert client.delete(path_of(ref), roles="observer", user="u1").status == 403
    assert client.delete(path_of(ref), roles="creator", user="u1").status == 204


def test_observers_and_auditors_cannot_create_containers_nor_auditors_list_them(client):
    observer = client.post("/v1/containers", json={"type": "generic"}, roles="observer")
    assert observer.status == 403
    assert observer.json()["description"] == ("Container creation attempt not allowed - please review your "
                                              "user/project privileges")
    assert client.get("/v1/containers", roles="audit").status == 403
    assert client.get("/v1/containers", roles="observer").status == 200


def test_readers_of_the_project_see_its_containers(client):
    ref = generic(client)
    for roles in ("observer", "creator", "audit"):
        assert client.get(path_of(ref), roles=roles).status == 200


def test_delete_answers_204_and_takes_members_and_consumers_but_not_the_secrets(km, client):
    ref = generic(client)
    member = client.get(path_of(ref)).json()["secret_refs"][0]["secret_ref"]
    assert client.post(path_of(ref) + "/consumers", json={"name": "lb", "URL": "http://lb/1"}).status == 200
    container_id = ref.rsplit("/", 1)[1]
    answer = client.delete(path_of(ref))
    assert answer.status == 204 and answer.body == b""
    assert client.get(path_of(ref)).json()["description"] == "Secrets container not found."
    assert client.delete(path_of(ref)).status == 404
    for table in ("km_container_secrets", "km_container_consumers"):
        assert [r for r in km.rows(table) if r["container_id"] == container_id] == []
    assert client.get(path_of(member)).status == 200


def test_list_pages_with_total_next_previous_and_filters_by_name_and_type(km, client):
    project = f"list-{uuid.uuid4().hex[:8]}"
    refs = [create(client, {"type": "generic", "name": name}, project=project) for name in ("web-a", "web-b", "db")]
    create(client, {"type": "rsa", "name": "web-pair"}, project=project)
    first = client.get("/v1/containers?limit=2", project=project).json()
    assert [c["container_ref"] for c in first["containers"]] == refs[:2]
    assert first["total"] == 4 and first["next"] == f"{km.url}/v1/containers?limit=2&offset=2"
    assert "previous" not in first
    second = client.get("/v1/containers?limit=2&offset=2", project=project).json()
    assert second["previous"] == f"{km.url}/v1/containers?limit=2&offset=0" and "next" not in second
    assert [c["name"] for c in client.get("/v1/containers?name=db", project=project).json()["containers"]] == ["db"]
    like = client.get("/v1/containers?name=web%25&type=generic", project=project).json()
    assert [c["name"] for c in like["containers"]] == ["web-a", "web-b"] and like["total"] == 2
    assert client.get("/v1/containers?name=none", project=project).json() == {"containers": [], "total": 0}
    assert client.get("/v1/containers", project=f"empty-{uuid.uuid4().hex[:8]}").json() == {"containers": [],
                                                                                         "total": 0}


def test_list_shows_members_and_consumers_of_every_container(client):
    project = f"list-{uuid.uuid4().hex[:8]}"
    refs = [generic(client, project=project) for _ in range(2)]
    client.post(path_of(refs[1]) + "/consumers", json={"name": "lb", "URL": "http://lb/2"}, project=project)
    listed = client.get("/v1/containers", project=project).json()["containers"]
    assert [len(c["secret_refs"]) for c in listed] == [1, 1]
    assert [c["consumers"] for c in listed] == [[], [{"name": "lb", "URL": "http://lb/2"}]]


# --- consumers ----------------------------------------------------------------------------------------

def test_registering_a_consumer_answers_the_container_and_is_idempotent(km, client):
    ref = generic(client)
    first = client.post(path_of(ref) + "/consumers", json={"name": "lb", "URL": "http://lb/1"})
    assert first.status == 200
    container_id = ref.rsplit("/", 1)[1]
    assert first.headers["Location"] == f"{km.url}/v1/consumers/{container_id}/consumers"  # Barbican's href
    assert first.json()["container_ref"] == ref
    assert first.json()["consumers"] == [{"name": "lb", "URL": "http://lb/1"}]
    again = client.post(path_of(ref) + "/consumers", json={"name": "lb", "URL": "http://lb/1"})
    assert again.status == 200 and again.json()["consumers"] == [{"name": "lb", "URL": "http://lb/1"}]
    assert len([r for r in km.rows("km_container_consumers") if r["container_id"] == container_id]) == 1
    assert again.json()["updated"] > again.json()["created"]


def test_the_same_consumer_registered_at_once_is_registered_once(km, client):
    ref = generic(client)
    with concurrent.futures.ThreadPoolExecutor(4) as pool:
        answers = list(pool.map(lambda _: client.post(path_of(ref) + "/consumers",
                                                      json={"name": "lb", "URL": "http://lb/"}), range(4)))
    assert [a.status for a in answers] == [200] * 4
    assert client.get(path_of(ref)).json()["consumers"] == [{"name": "lb", "URL": "http://lb/"}]


def test_consumers_list_by_name_with_paging(km, client):
    ref = generic(client)
    for name in ("zeta", "alpha", "mid"):
        client.post(path_of(ref) + "/consumers", json={"name": name, "URL": f"http://{name}/"})
    listed = client.get(path_of(ref) + "/consumers").json()
    assert [c["name"] for c in listed["consumers"]] == ["alpha", "mid", "zeta"] and listed["total"] == 3
    assert set(listed["consumers"][0]) == {"created", "updated", "status", "name", "URL"}
    page = client.get(path_of(ref) + "/consumers?limit=1&offset=1").json()
    container_id = ref.rsplit("/", 1)[1]
    assert [c["name"] for c in page["consumers"]] == ["mid"]
    assert page["next"] == f"{km.url}/v1/containers/{container_id}/consumers?limit=1&offset=2"
    assert page["previous"] == f"{km.url}/v1/containers/{container_id}/consumers?limit=1&offset=0"


def test_unregistering_a_consumer_answers_the_container_without_it(client):
    ref = generic(client)
    for name in ("a", "b"):
        client.post(path_of(ref) + "/consumers", json={"name": name, "URL": "http://x/"})
    answer = client.delete(path_of(ref) + "/consumers", json={"name": "a", "URL": "http://x/"})
    assert answer.status == 200 and answer.json()["consumers"] == [{"name": "b", "URL": "http://x/"}]
    missing = client.delete(path_of(ref) + "/consumers", json={"name": "a", "URL": "http://x/"})
    assert missing.status == 404 and missing.json()["description"] == "Consumer not found."


@pytest.mark.parametrize(("body", "message"), [
    ({"name": "x" * 37, "URL": "u"}, "'" + "x" * 37 + "' is too long. Invalid property: 'name'"),
    ({"name": "n"}, "'URL' is a required property. Invalid property: 'None'"),
    ({"name": "", "URL": "u"}, "'' should be non-empty. Invalid property: 'name'"),
    ({"name": "n", "URL": 5}, "5 is not of type 'string'. Invalid property: 'URL'"),
])
def test_an_invalid_consumer_is_400_naming_the_field(km, client, body, message):
    ref = generic(client)
    before = km.snapshot()
    answer = client.post(path_of(ref) + "/consumers", json=body)
    assert answer.status == 400
    assert answer.json()["description"] == f"Provided object does not match schema 'Consumer': {message}"
    assert km.snapshot() == before


def test_consumers_of_another_projects_container_are_403(client):
    ref = generic(client)
    for method, body in (("post", {"name": "lb", "URL": "u"}), ("get", None)):
        kw = {"json": body} if body else {}
        answer = getattr(client, method)(path_of(ref) + "/consumers", project=OTHER_PROJECT, **kw)
        assert answer.status == 403, answer
        assert "attempt not allowed - please review your user/project privileges" in answer.json()["description"]


def test_consumers_of_a_missing_container_are_404(client):
    answer = client.post(f"/v1/containers/{uuid.uuid4()}/consumers", json={"name": "lb", "URL": "u"})
    assert answer.status == 404 and answer.json()["description"] == "Secrets container not found."


def test_one_consumer_is_shown_by_its_id(km, client):
    ref = generic(client)
    client.post(path_of(ref) + "/consumers", json={"name": "lb", "URL": "http://lb/"})
    consumer_id = [r["id"] for r in km.rows("km_container_consumers") if r["container_id"] == ref.rsplit("/", 1)[1]][0]
    shown = client.get(f"{path_of(ref)}/consumers/{consumer_id}").json()
    assert (shown["name"], shown["URL"], shown["status"]) == ("lb", "http://lb/", "ACTIVE")
    missing = client.get(f"{path_of(ref)}/consumers/{uuid.uuid4()}")
    assert missing.status == 404 and missing.json()["description"] == "Consumer not found."
    invalid = client.get(f"{path_of(ref)}/consumers/abc")
    assert invalid.status == 404 and invalid.json()["description"] == "Not Found. Provided consumer id is invalid."


# --- secrets added to and taken from a generic container -----------------------------------------------

def test_a_secret_is_added_to_a_generic_container_once_per_name(client):
    ref = create(client, {"type": "generic"})
    member = secret(client)
    added = client.post(path_of(ref) + "/secrets", json={"name": "a", "secret_ref": member})
    assert added.status == 201 and added.json() == {"container_ref": ref}
    twice = client.post(path_of(ref) + "/secrets", json={"name": "a", "secret_ref": member})
    assert twice.status == 409 and twice.json()["description"].startswith("Conflict. A secret with that name and ID")
    assert client.post(path_of(ref) + "/secrets", json={"name": "b", "secret_ref": member}).status == 201
    assert {m["name"] for m in client.get(path_of(ref)).json()["secret_refs"]} == {"a", "b"}
    removed = client.delete(path_of(ref) + "/secrets", json={"name": "a", "secret_ref": member})
    assert removed.status == 204
    gone = client.delete(path_of(ref) + "/secrets", json={"name": "a", "secret_ref": member})
    assert gone.status == 404 and gone.json()["description"] == "Secret provided is not in the container"
    assert [m["name"] for m in client.get(path_of(ref)).json()["secret_refs"]] == ["b"]


def test_only_generic_containers_take_secrets_and_only_the_projects(km, client):
    rsa = create(client, {"type": "rsa"})
    refused = client.post(path_of(rsa) + "/secrets", json={"name": "a", "secret_ref": secret(client)})
    assert refused.status == 400 and refused.json()["description"] == "Only 'generic' containers can be modified."
    box = create(client, {"type": "generic"})
    theirs = client.post(path_of(box) + "/secrets",
                         json={"name": "a", "secret_ref": secret(client, project=OTHER_PROJECT)})
    assert theirs.status == 404 and theirs.json()["description"] == "Secret provided doesn't exist."
