"""/v1/secrets/{id}/acl and /v1/containers/{id}/acl through a real server, on SQLite and PostgreSQL.

What Barbican 23's ACL controllers store, and what the ACLs do to the get rules for other users of the
same project and for users of other projects.
"""

from __future__ import annotations

import uuid

from conftest import OTHER_PROJECT

DEFAULT = {"read": {"project-access": True}}


def new_secret(client, **kw):
    answer = client.post("/v1/secrets", json={"name": "a", "payload": "p", "payload_content_type": "text/plain"}, **kw)
    assert answer.status == 201, answer
    return "/v1/secrets/" + answer.json()["secret_ref"].rsplit("/", 1)[1]


def new_container(client, **kw):
    answer = client.post("/v1/containers", json={"type": "generic", "name": "box"}, **kw)
    assert answer.status == 201, answer
    return "/v1/containers/" + answer.json()["container_ref"].rsplit("/", 1)[1]


def description(answer):
    body = answer.json()
    assert set(body) == {"code", "title", "description"}, body
    return body["description"]


def patch(client, path, body, **kw):
    return client.request("PATCH", path, json=body, **kw)


def test_without_acls_the_answer_is_barbicans_implicit_default(client):
    for path in (new_secret(client), new_container(client)):
        answer = client.get(path + "/acl")
        assert answer.status == 200
        assert answer.json() == DEFAULT


def test_put_stores_the_read_acl_and_answers_its_ref(km, client):
    path = new_secret(client)
    answer = client.put(path + "/acl", json={"read": {"users": ["u1", "u2", "u1"], "project-access": False}})
    assert answer.status == 200
    assert answer.json() == {"acl_ref": km.url + path + "/acl"}
    read = client.get(path + "/acl").json()["read"]
    assert read["project-access"] is False
    assert read["users"] == ["u1", "u2"]
    assert read["created"] and read["updated"]


def test_put_defaults_project_access_to_true_and_users_to_none_and_removes_what_it_omits(client):
    path = new_secret(client)
    client.put(path + "/acl", json={"read": {"users": ["u1"], "project-access": False}})
    client.put(path + "/acl", json={"read": {"users": ["u3"]}})
    read = client.get(path + "/acl").json()["read"]
    assert (read["project-access"], read["users"]) == (True, ["u3"])
    client.put(path + "/acl", json={"read": {"project-access": False}})
    read = client.get(path + "/acl").json()["read"]
    assert (read["project-access"], read["users"]) == (False, [])
    assert client.put(path + "/acl", json={}).status == 200  # no operation: every ACL goes
    assert client.get(path + "/acl").json() == DEFAULT


def test_patch_changes_only_what_the_body_names(km, client):
    path = new_secret(client)
    client.put(path + "/acl", json={"read": {"users": ["u1"], "project-access": False}})
    patched = patch(client, path + "/acl", {"read": {"project-access": True}})
    assert patched.json() == {"acl_ref": km.url + path + "/acl"}
    read = client.get(path + "/acl").json()["read"]
    assert (read["project-access"], read["users"]) == (True, ["u1"])
    patch(client, path + "/acl", {"read": {"users": ["u2"]}})
    read = client.get(path + "/acl").json()["read"]
    assert (read["project-access"], read["users"]) == (True, ["u2"])
    fresh = new_secret(client)
    patch(client, fresh + "/acl", {"read": {"users": ["u9"]}})
    read = client.get(fresh + "/acl").json()["read"]
    assert (read["project-access"], read["users"]) == (True, ["u9"])


def test_delete_removes_them(km, client):
    path = new_secret(client)
    client.put(path + "/acl", json={"read": {"users": ["u1"]}})
    removed = client.delete(path + "/acl")
    assert (removed.status, removed.body, removed.content_type) == (200, b"null", "application/json")
    assert client.get(path + "/acl").json() == DEFAULT
    assert [r for r in km.rows("km_secret_acls") if r["secret_id"] == path.rsplit("/", 1)[1]] == []
    assert client.delete(path + "/acl").status == 200  # none defined: passes, as in Barbican


def test_bad_acls_are_400_naming_the_problem_and_change_nothing(km, client):
    path = new_secret(client)
    client.put(path + "/acl", json={"read": {"users": ["keep"]}})
    before = km.snapshot()
    cases = [
        ({"write": {"users": []}}, "Provided object does not match schema 'ACL': Additional properties are not "
                                   "allowed ('write' was unexpected). Invalid property: 'None'"),
        ({"read": {"users": "u1"}}, "Provided object does not match schema 'ACL': 'u1' is not of type 'array'. "
                                    "Invalid property: 'read'"),
        ({"read": {"project-access": "no"}}, "Provided object does not match schema 'ACL': 'no' is not of type "
                                             "'boolean'. Invalid property: 'read'"),
        ({"read": {"user": ["u1"]}}, "Provided object does not match schema 'ACL': Additional properties are not "
                                     "allowed ('user' was unexpected). Invalid property: 'read'"),
        ({"read": {"users": ["u1", 5]}}, "Provided object does not match schema 'ACL': 5 is not of type 'string'. "
                                         "Invalid property: 'read'"),
        ({"read": {"users": ["u1", "x" * 256]}}, "Provided object does not match schema 'ACL': 'xxxxxxxxxxxxxxxxxxxx"
                                                 "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx'... is too long. Invalid "
                                                 "property: 'read'"),
    ]
    for body, message in cases:
        answer = client.put(path + "/acl", json=body)
        assert answer.status == 400, (body, answer)
        assert description(answer) == message
        assert patch(client, path + "/acl", body).status == 400
    assert km.snapshot() == before


def test_another_project_can_neither_read_nor_change_acls(km, client):
    path = new_secret(client)
    before = km.snapshot()
    read = client.get(path + "/acl", project=OTHER_PROJECT)
    assert read.status == 403
    assert description(read) == ("SecretACL(s) retrieval attempt not allowed - please review your "
                                 "user/project privileges")
    assert client.put(path + "/acl", json={"read": {"users": ["me"]}}, project=OTHER_PROJECT).status == 403
    assert client.delete(path + "/acl", project=OTHER_PROJECT).status == 403
    assert km.snapshot() == before
    assert client.get(f"/v1/secrets/{uuid.uuid4()}/acl").status == 404
    assert client.get(f"/v1/containers/{uuid.uuid4()}/acl").status == 404


def test_a_user_on_the_read_acl_reads_the_secret_from_another_project(client):
    path = new_secret(client, user="owner")
    assert client.get(path, project=OTHER_PROJECT, user="friend").status == 403
    client.put(path + "/acl", json={"read": {"users": ["friend"]}})
    assert client.get(path, project=OTHER_PROJECT, user="friend", roles="observer").status == 200
    payload = client.get(path + "/payload", project=OTHER_PROJECT, user="friend", headers={"Accept": "text/plain"})
    assert (payload.status, payload.body) == (200, b"p")
    assert client.get(path, project=OTHER_PROJECT, user="stranger").status == 403
    # Reading is all the ACL gives: the friend may not delete it.
    assert client.delete(path, project=OTHER_PROJECT, user="friend").status == 403


def test_project_access_false_keeps_the_secret_to_its_creator_and_the_projects_admins(client):
    path = new_secret(client, user="owner", roles="creator")
    assert client.get(path, user="colleague", roles="observer").status == 200
    client.put(path + "/acl", json={"read": {"project-access": False, "users": ["reader"]}})
    denied = client.get(path, user="colleague", roles="observer")
    assert denied.status == 403
    assert description(denied) == "Secret retrieval attempt not allowed - please review your user/project privileges"
    assert client.get(path, user="colleague", roles="creator").status == 403
    assert client.get(path, user="owner", roles="creator").status == 200
    assert client.get(path, user="boss", roles="admin").status == 200
    assert client.get(path, user="reader", roles="observer").status == 200
    client.delete(path + "/acl")
    assert client.get(path, user="colleague", roles="observer").status == 200


def test_container_acls_are_stored_and_let_a_listed_user_read_the_container(km, client):
    path = new_container(client, user="owner")
    assert client.get(path, project=OTHER_PROJECT, user="friend").status == 403
    answer = client.put(path + "/acl", json={"read": {"users": ["friend"], "project-access": False}})
    assert answer.status == 200
    assert answer.json() == {"acl_ref": km.url + path + "/acl"}
    assert client.get(path + "/acl").json()["read"]["users"] == ["friend"]
    assert client.get(path, project=OTHER_PROJECT, user="friend", roles="observer").status == 200
    assert client.get(path, user="colleague", roles="observer").status == 403
    patch(client, path + "/acl", {"read": {"project-access": True}})
    assert client.get(path, user="colleague", roles="observer").status == 200
    assert client.delete(path + "/acl").status == 200
    assert client.get(path + "/acl").json() == DEFAULT
    assert client.get(path, project=OTHER_PROJECT, user="friend").status == 403


def test_acls_go_with_their_secret(km, client):
    path = new_secret(client)
    client.put(path + "/acl", json={"read": {"users": ["u1"]}})
    secret_id = path.rsplit("/", 1)[1]
    assert len([r for r in km.rows("km_secret_acls") if r["secret_id"] == secret_id]) == 1
    assert client.delete(path).status == 204
    assert [r for r in km.rows("km_secret_acls") if r["secret_id"] == secret_id] == []


def test_four_first_acls_at_once_leave_one_acl_and_no_fault(km, client):
    import threading

    path = new_secret(client)
    answers = []
    start = threading.Barrier(4)

    def put():
        start.wait(timeout=10)
        answers.append(client.put(path + "/acl", json={"read": {"users": ["u1"], "project-access": False}}))

    threads = [threading.Thread(target=put) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert {a.status for a in answers} <= {200, 409}, answers
    assert 200 in {a.status for a in answers}
    assert len([r for r in km.rows("km_secret_acls") if r["secret_id"] == path.rsplit("/", 1)[1]]) == 1
    assert client.get(path + "/acl").json()["read"]["users"] == ["u1"]
