"""/v1/secrets/{id}/metadata through a real server, on SQLite and PostgreSQL: Barbican 23's secret metadata."""

from __future__ import annotations

import uuid

from conftest import OTHER_PROJECT


def new_secret(client, **kw):
    answer = client.post("/v1/secrets", json={"name": "m", "payload": "p", "payload_content_type": "text/plain"}, **kw)
    assert answer.status == 201, answer
    return "/v1/secrets/" + answer.json()["secret_ref"].rsplit("/", 1)[1]


def description(answer):
    body = answer.json()
    assert set(body) == {"code", "title", "description"}, body
    assert body["code"] == answer.status
    return body["description"]


def test_a_new_secret_has_no_metadata(client):
    answer = client.get(new_secret(client) + "/metadata")
    assert answer.status == 200
    assert answer.json() == {"metadata": {}}


def test_put_replaces_all_metadata_with_keys_lower_cased_and_strings_stripped(km, client):
    path = new_secret(client)
    first = client.put(path + "/metadata", json={"metadata": {"Old": "x"}})
    assert first.status == 201
    assert first.json() == {"metadata_ref": km.url + path + "/metadata"}
    assert client.put(path + "/metadata", json={"metadata": {"Color": " blue ", "size_1-a": "9"}}).status == 201
    assert client.get(path + "/metadata").json() == {"metadata": {"color": "blue", "size_1-a": "9"}}
    assert client.put(path + "/metadata", json={"metadata": {}}).status == 201
    assert client.get(path + "/metadata").json() == {"metadata": {}}


def test_post_adds_one_key_with_its_location_and_a_second_post_of_it_is_409(km, client):
    path = new_secret(client)
    added = client.post(path + "/metadata", json={"key": "Owner", "value": "ops"})
    assert added.status == 201
    assert added.json() == {"key": "owner", "value": "ops"}
    assert added.headers["Location"] == km.url + path + "/metadata/owner"
    again = client.post(path + "/metadata", json={"key": "owner", "value": "other"})
    assert again.status == 409
    assert description(again) == "Conflict. Key in request is already in the secret metadata"
    assert client.get(path + "/metadata/owner").json() == {"key": "owner", "value": "ops"}


def test_one_key_is_read_updated_and_deleted(client):
    path = new_secret(client)
    client.put(path + "/metadata", json={"metadata": {"a": "1", "b": "2"}})
    assert client.get(path + "/metadata/a").json() == {"key": "a", "value": "1"}
    updated = client.put(path + "/metadata/a", json={"key": "a", "value": "one"})
    assert updated.status == 200
    assert updated.json() == {"key": "a", "value": "one"}
    assert client.delete(path + "/metadata/a").status == 204
    missing = client.get(path + "/metadata/a")
    assert missing.status == 404
    assert description(missing) == "Secret metadata not found."
    assert client.delete(path + "/metadata/a").status == 204  # as Barbican: deleting nothing succeeds
    assert client.get(path + "/metadata").json() == {"metadata": {"b": "2"}}


def test_put_of_a_key_that_is_not_there_is_404_and_of_another_key_409(km, client):
    path = new_secret(client)
    client.put(path + "/metadata", json={"metadata": {"a": "1"}})
    before = km.snapshot()
    absent = client.put(path + "/metadata/zz", json={"key": "zz", "value": "1"})
    assert absent.status == 404
    assert description(absent) == "Secret metadata not found."
    other = client.put(path + "/metadata/a", json={"key": "b", "value": "1"})
    assert other.status == 409
    assert description(other) == "Key in request data does not match key in the request url."
    assert km.snapshot() == before


def test_bad_metadata_is_400_naming_what_is_wrong_and_stores_nothing(km, client):
    path = new_secret(client)
    client.put(path + "/metadata", json={"metadata": {"kept": "yes"}})
    before = km.snapshot()
    cases = [
        (path + "/metadata", "PUT", {"metadata": {"not safe": "x"}}, "Invalid Key. Key must be URL safe."),
        (path + "/metadata", "PUT", {"metadata": {"k": 1}}, "Invalid Metadata. Keys and Values must be Strings."),
        (path + "/metadata", "PUT", {"meta": {}},
         "Provided object does not match schema 'SecretMetadata': 'metadata' is a required property. "
         "Invalid property: 'metadata'"),
        (path + "/metadata", "PUT", {"metadata": {"k": "v" * 256}}, "Invalid Metadata: the key and value of 'k' "
                                                                   "must be at most 255 characters."),
        (path + "/metadata", "POST", {"key": "a/b", "value": "x"}, "Invalid Key. Key must be URL safe."),
        (path + "/metadata", "POST", {"value": "x"},
         "Provided object does not match schema 'SecretMetadatum': 'key' is a required property. "
         "Invalid property: 'key'"),
        (path + "/metadata", "POST", {"key": "k", "value": 7},
         "Provided object does not match schema 'SecretMetadatum': 7 is not of type 'string'. "
         "Invalid property: 'value'"),
        (path + "/metadata", "POST", {"key": "k", "value": "x", "extra": "y"},
         "Provided object does not match schema 'SecretMetadatum': Additional properties are not allowed "
         "('extra' was unexpected). Invalid property: 'None'"),
    ]
    for url, method, body, message in cases:
        answer = client.request(method, url, json=body)
        assert answer.status == 400, (body, answer)
        assert description(answer) == message
    long_key = client.post(path + "/metadata", json={"key": "k" * 256, "value": "x"})
    assert long_key.status == 400
    assert "is too long. Invalid property: 'key'" in description(long_key)
    assert km.snapshot() == before


def test_unknown_and_invalid_secret_ids_are_404(client):
    unknown = client.get(f"/v1/secrets/{uuid.uuid4()}/metadata")
    assert unknown.status == 404
    assert description(unknown) == "Secret not found."
    invalid = client.put("/v1/secrets/not-a-uuid/metadata", json={"metadata": {}})
    assert invalid.status == 404
    assert description(invalid) == "Not Found. Provided secret id is invalid."


def test_another_projects_secret_is_403_with_barbicans_message_and_nothing_changes(km, client):
    path = new_secret(client)
    client.put(path + "/metadata", json={"metadata": {"a": "1"}})
    before = km.snapshot()
    read = client.get(path + "/metadata", project=OTHER_PROJECT)
    assert read.status == 403
    assert description(read) == ("Secret metadata retrieval attempt not allowed - please review your "
                                 "user/project privileges")
    for method, url, body in (("PUT", "/metadata", {"metadata": {}}), ("POST", "/metadata", {"key": "b", "value": "2"}),
                              ("PUT", "/metadata/a", {"key": "a", "value": "9"}), ("DELETE", "/metadata/a", None)):
        kwargs = {"json": body} if body is not None else {}
        answer = client.request(method, path + url, project=OTHER_PROJECT, **kwargs)
        assert answer.status == 403, (method, url, answer)
    assert km.snapshot() == before


def test_audit_may_read_metadata_but_only_admins_and_creators_change_it(client):
    path = new_secret(client, user="u1")
    assert client.get(path + "/metadata", roles="audit", user="u2").status == 200
    denied = client.put(path + "/metadata", json={"metadata": {"a": "1"}}, roles="audit", user="u2")
    assert denied.status == 403
    assert description(denied) == ("Secret metadata creation attempt not allowed - please review your "
                                   "user/project privileges")
    assert client.post(path + "/metadata", json={"key": "a", "value": "1"}, roles="observer").status == 403
    assert client.post(path + "/metadata", json={"key": "a", "value": "1"}, roles="creator", user="u1").status == 201


def test_metadata_goes_with_its_secret(km, client):
    path = new_secret(client)
    client.put(path + "/metadata", json={"metadata": {"a": "1"}})
    secret_id = path.rsplit("/", 1)[1]
    assert [r["key"] for r in km.rows("km_secret_metadata") if r["secret_id"] == secret_id] == ["a"]
    assert client.delete(path).status == 204
    assert [r for r in km.rows("km_secret_metadata") if r["secret_id"] == secret_id] == []
    assert client.get(path + "/metadata").status == 404


def test_the_body_is_read_after_the_policy_check_as_barbicans_decorators_order_it(km, client):
    path = new_secret(client)
    before = km.snapshot()
    wrong_type = client.put(path + "/metadata", body='{"metadata": {}}', headers={"Content-Type": "text/plain"})
    assert wrong_type.status == 415
    assert description(wrong_type) == "Unexpected content type. Expected content types are: ['application/json']"
    malformed = client.post(path + "/metadata", body="{", headers={"Content-Type": "application/json"})
    assert malformed.status == 400
    assert description(malformed) == "Malformed JSON"
    # Another project learns nothing from its body: the policy refuses first.
    assert client.put(path + "/metadata", body="{", headers={"Content-Type": "text/plain"},
                      project=OTHER_PROJECT).status == 403
    deep = client.put(path + "/metadata", body='{"metadata": ' + "[" * 5000 + "]" * 5000 + "}",
                      headers={"Content-Type": "application/json"})
    assert deep.status == 400
    assert description(deep) == "Malformed JSON"
    nested = client.put(path + "/metadata", json={"metadata": {"k": [[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]}})
    assert nested.status == 400
    assert description(nested) == "Malformed JSON: nested deeper than 16 levels"
    too_big = client.put(path + "/metadata", json={"metadata": {"k": "v" * 30000}})
    assert too_big.status == 413
    assert km.snapshot() == before


def _at_once(count, call):
    import threading

    answers = []
    start = threading.Barrier(count)

    def run():
        start.wait(timeout=10)
        answers.append(call())

    threads = [threading.Thread(target=run) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return answers


def test_four_posts_of_one_key_at_once_store_it_once_and_the_others_are_409(km, client):
    path = new_secret(client)
    answers = _at_once(4, lambda: client.post(path + "/metadata", json={"key": "k", "value": "v"}))
    assert sorted(a.status for a in answers) == [201, 409, 409, 409], answers
    assert all(description(a) == "Conflict. Key in request is already in the secret metadata"
               for a in answers if a.status == 409)
    secret_id = path.rsplit("/", 1)[1]
    assert [r["key"] for r in km.rows("km_secret_metadata") if r["secret_id"] == secret_id] == ["k"]


def test_four_puts_of_all_metadata_at_once_leave_one_of_them_whole(km, client):
    path = new_secret(client)
    answers = _at_once(4, lambda: client.put(path + "/metadata", json={"metadata": {"a": "1", "b": "2"}}))
    assert {a.status for a in answers} <= {201, 409}, answers
    assert 201 in {a.status for a in answers}
    assert client.get(path + "/metadata").json() == {"metadata": {"a": "1", "b": "2"}}
