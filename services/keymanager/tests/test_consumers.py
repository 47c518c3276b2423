"""/v1/secrets/{id}/consumers through a real server, on SQLite and PostgreSQL: Barbican 23's secret consumers."""

from __future__ import annotations

import uuid

from conftest import OTHER_PROJECT

NOVA = {"service": "nova", "resource_type": "server", "resource_id": "5b7d3f7e-0000-4000-8000-000000000001"}
THIRD_PROJECT = "3c3c3c3c3c3c4c3c8c3c3c3c3c3c3c3c"


def new_secret(client, **kw):
    answer = client.post("/v1/secrets", json={"name": "c", "payload": "p", "payload_content_type": "text/plain"}, **kw)
    assert answer.status == 201, answer
    return "/v1/secrets/" + answer.json()["secret_ref"].rsplit("/", 1)[1]


def description(answer):
    body = answer.json()
    assert set(body) == {"code", "title", "description"}, body
    return body["description"]


def consumer_rows(km, path):
    return [r for r in km.rows("km_secret_consumers") if r["secret_id"] == path.rsplit("/", 1)[1]]


def test_post_registers_a_consumer_and_answers_the_secret(km, client):
    path = new_secret(client)
    answer = client.post(path + "/consumers", json=NOVA)
    assert answer.status == 200
    body = answer.json()
    assert body["secret_ref"] == km.url + path
    assert body["consumers"] == [NOVA]
    assert body["name"] == "c" and body["status"] == "ACTIVE" and body["content_types"] == {"default": "text/plain"}
    assert answer.headers["Location"] == f"{km.url}/v1/consumers/{path.rsplit('/', 1)[1]}/consumers"
    assert client.get(path, version="1.1").json()["consumers"] == [NOVA]
    assert "consumers" not in client.get(path, version="1.0").json()


def test_registering_again_is_once(km, client):
    path = new_secret(client)
    assert client.post(path + "/consumers", json=NOVA).status == 200
    assert client.post(path + "/consumers", json=NOVA).status == 200
    assert len(consumer_rows(km, path)) == 1
    assert client.get(path + "/consumers").json()["total"] == 1


def test_the_list_is_paged_oldest_first_with_total_and_links(km, client):
    path = new_secret(client)
    for n in range(5):
        assert client.post(path + "/consumers", json={**NOVA, "resource_id": f"r{n}"}).status == 200
    page = client.get(path + "/consumers?limit=2&offset=2").json()
    assert [c["resource_id"] for c in page["consumers"]] == ["r2", "r3"]
    assert page["total"] == 5
    base = f"{km.url}{path}/consumers"
    assert page["previous"] == f"{base}?limit=2&offset=0"
    assert page["next"] == f"{base}?limit=2&offset=4"
    assert set(page["consumers"][0]) == {"created", "updated", "status", "service", "resource_type", "resource_id"}
    last = client.get(path + "/consumers?limit=2&offset=4").json()
    assert [c["resource_id"] for c in last["consumers"]] == ["r4"] and "next" not in last
    assert client.get(new_secret(client) + "/consumers").json() == {"consumers": [], "total": 0}
    default = client.get(path + "/consumers?limit=nope&offset=-3").json()  # Barbican's clean_paging_values
    assert len(default["consumers"]) == 5 and "previous" not in default


def test_delete_removes_it_and_answers_the_secret_and_again_is_404(km, client):
    path = new_secret(client)
    client.post(path + "/consumers", json=NOVA)
    removed = client.delete(path + "/consumers", json=NOVA)
    assert removed.status == 200
    assert removed.json()["consumers"] == []
    assert consumer_rows(km, path) == []
    again = client.delete(path + "/consumers", json=NOVA)
    assert again.status == 404
    assert description(again) == "Consumer not found."


def test_bad_consumers_are_400_naming_the_field_and_store_nothing(km, client):
    path = new_secret(client)
    before = km.snapshot()
    missing = client.post(path + "/consumers", json={"service": "nova", "resource_type": "server"})
    assert missing.status == 400
    assert description(missing) == ("Provided object does not match schema 'Secret Consumer': 'resource_id' is a "
                                    "required property. Invalid property: 'None'")
    empty = client.post(path + "/consumers", json={**NOVA, "service": ""})
    assert empty.status == 400
    assert "Invalid property: 'service'" in description(empty)
    too_long = client.post(path + "/consumers", json={**NOVA, "resource_id": "x" * 37})
    assert too_long.status == 400
    assert "is too long. Invalid property: 'resource_id'" in description(too_long)
    assert km.snapshot() == before


def test_another_projects_secret_is_403(km, client):
    path = new_secret(client)
    before = km.snapshot()
    answer = client.post(path + "/consumers", json=NOVA, project=OTHER_PROJECT)
    assert answer.status == 403
    assert description(answer) == ("SecretConsumer creation attempt not allowed - please review your "
                                   "user/project privileges")
    assert client.get(path + "/consumers", project=OTHER_PROJECT).status == 403
    assert km.snapshot() == before
    assert client.get(f"/v1/secrets/{uuid.uuid4()}/consumers").status == 404


def test_only_the_consumers_project_or_the_secrets_may_delete_it(km, client):
    path = new_secret(client, user="owner")
    acl = client.put(path + "/acl", json={"read": {"users": ["u-other", "u-third"]}})
    assert acl.status == 200
    # A user of another project on the secret's read ACL may register a consumer ...
    assert client.post(path + "/consumers", json=NOVA, project=OTHER_PROJECT, user="u-other").status == 200
    assert consumer_rows(km, path)[0]["project_id"] == OTHER_PROJECT
    # ... which a third project's user on the ACL may not delete ...
    third = client.delete(path + "/consumers", json=NOVA, project=THIRD_PROJECT, user="u-third")
    assert third.status == 403
    assert description(third) == "Not Allowed. Sorry, only the creator of a consumer can delete it."
    assert len(consumer_rows(km, path)) == 1
    # ... and its own project, or the secret's, may.
    assert client.delete(path + "/consumers", json=NOVA, project=OTHER_PROJECT, user="u-other").status == 200
    client.post(path + "/consumers", json=NOVA, project=OTHER_PROJECT, user="u-other")
    assert client.delete(path + "/consumers", json=NOVA).status == 200


def test_one_consumer_is_shown_by_its_id(km, client):
    path = new_secret(client)
    client.post(path + "/consumers", json=NOVA)
    consumer_id = consumer_rows(km, path)[0]["id"]
    shown = client.get(f"{path}/consumers/{consumer_id}")
    assert shown.status == 200
    assert {k: shown.json()[k] for k in NOVA} == NOVA
    assert client.get(f"{new_secret(client)}/consumers/{consumer_id}").status == 404  # another secret's
    invalid = client.get(f"{path}/consumers/nope")
    assert invalid.status == 404
    assert description(invalid) == "Not Found. Provided consumer id is invalid."


def test_a_secret_with_consumers_is_not_deleted_from_1_2_unless_forced(km, client):
    path = new_secret(client)
    client.post(path + "/consumers", json=NOVA)
    refused = client.delete(path, version="1.2")
    assert refused.status == 400
    assert "Secret cannot be deleted as it has consumers." in description(refused)
    assert client.delete(path + "?force=maybe", version="1.2").status == 400
    assert client.get(path).status == 200
    assert client.delete(path + "?force=true", version="1.2").status == 204
    assert consumer_rows(km, path) == []
    older = new_secret(client)
    client.post(older + "/consumers", json=NOVA)
    assert client.delete(older, version="1.1").status == 204


def test_four_registrations_of_one_consumer_at_once_are_one_consumer_and_no_fault(km, client):
    import threading

    path = new_secret(client)
    answers = []
    start = threading.Barrier(4)

    def register():
        start.wait(timeout=10)
        answers.append(client.post(path + "/consumers", json=NOVA).status)

    threads = [threading.Thread(target=register) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert answers == [200] * 4
    assert len(consumer_rows(km, path)) == 1
