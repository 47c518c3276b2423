"""The example compute service (examples.compute), through HTTP: servers, actions, ips, ping."""

from __future__ import annotations

import uuid

import pytest

from examples.compute import build_app

PROJECT = "6f1e2d3c4b5a69788796a5b4c3d2e1f0"


@pytest.fixture(scope="module")
def client(serve):
    return serve(build_app())


def create(client, name="web-1"):
    response = client.post("/servers", json={"server": {"name": name}})
    assert response.status == 202, response.body
    return response.json()["server"]


def fault(response, name, code):
    assert response.status == code
    body = response.json()
    assert list(body) == [name]
    assert body[name]["code"] == code
    return body[name]["message"]


def test_ping_answers_pong(client):
    response = client.get("/ping")
    assert response.status == 200
    assert response.json() == {"ping": "pong"}


def test_create_answers_202_with_location_and_the_server(client):
    response = client.post("/servers", json={"server": {"name": "web-1"}})
    assert response.status == 202
    server = response.json()["server"]
    assert uuid.UUID(server["id"])
    assert server["name"] == "web-1"
    assert server["status"] == "ACTIVE"
    assert response.headers["Location"] == f"{client.base_url}/servers/{server['id']}"
    assert server["links"] == [{"rel": "self", "href": response.headers["Location"]}]


def test_create_under_a_project_id_links_under_it(client):
    response = client.post(f"/{PROJECT}/servers", json={"server": {"name": "web-p"}})
    assert response.status == 202
    server_id = response.json()["server"]["id"]
    assert response.headers["Location"] == f"{client.base_url}/{PROJECT}/servers/{server_id}"


def test_create_without_a_name_is_400_naming_the_field(client):
    message = fault(client.post("/servers", json={"server": {}}), "badRequest", 400)
    assert "server.name" in message


def test_list_includes_a_created_server(client):
    server = create(client, "listed")
    response = client.get("/servers")
    assert response.status == 200
    listed = {s["id"]: s for s in response.json()["servers"]}
    assert listed[server["id"]]["name"] == "listed"
    assert listed[server["id"]]["links"][0]["href"] == f"{client.base_url}/servers/{server['id']}"


def test_detail_lists_servers_with_their_status(client):
    server = create(client, "detailed")
    detailed = {s["id"]: s for s in client.get("/servers/detail").json()["servers"]}
    assert detailed[server["id"]]["status"] == "ACTIVE"


def test_show_answers_the_server(client):
    server = create(client, "shown")
    response = client.get(f"/servers/{server['id']}")
    assert response.status == 200
    assert response.json()["server"]["name"] == "shown"
    assert response.json()["server"]["id"] == server["id"]


def test_update_renames_the_server(client):
    server = create(client, "old")
    response = client.put(f"/servers/{server['id']}", json={"server": {"name": "new"}})
    assert response.status == 200
    assert response.json()["server"]["name"] == "new"
    assert client.get(f"/servers/{server['id']}").json()["server"]["name"] == "new"


def test_delete_answers_204_and_the_server_is_gone(client):
    server = create(client, "doomed")
    response = client.delete(f"/servers/{server['id']}")
    assert response.status == 204
    assert response.body == b""
    assert client.get(f"/servers/{server['id']}").status == 404


def test_os_stop_answers_202_and_stops_the_server(client):
    server = create(client)
    response = client.post(f"/servers/{server['id']}/action", json={"os-stop": None})
    assert response.status == 202
    assert response.body == b""
    assert client.get(f"/servers/{server['id']}").json()["server"]["status"] == "SHUTOFF"


def test_repeated_os_stop_is_409(client):
    server = create(client)
    assert client.post(f"/servers/{server['id']}/action", json={"os-stop": None}).status == 202
    response = client.post(f"/servers/{server['id']}/action", json={"os-stop": None})
    message = fault(response, "conflictingRequest", 409)
    assert "already stopped" in message
    assert server["id"] in message


def test_os_start_answers_202_and_starts_a_stopped_server(client):
    server = create(client)
    client.post(f"/servers/{server['id']}/action", json={"os-stop": None})
    response = client.post(f"/servers/{server['id']}/action", json={"os-start": None})
    assert response.status == 202
    assert client.get(f"/servers/{server['id']}").json()["server"]["status"] == "ACTIVE"


def test_os_start_on_an_active_server_is_409(client):
    server = create(client)
    response = client.post(f"/servers/{server['id']}/action", json={"os-start": None})
    assert "already active" in fault(response, "conflictingRequest", 409)


def test_unknown_action_is_400_naming_it(client):
    server = create(client)
    response = client.post(f"/servers/{server['id']}/action", json={"os-reboot": None})
    assert "'os-reboot'" in fault(response, "badRequest", 400)


def test_ips_lists_the_servers_addresses(client):
    server = create(client)
    response = client.get(f"/servers/{server['id']}/ips")
    assert response.status == 200
    assert response.json() == {"addresses": server["addresses"]}
    assert list(server["addresses"]) == ["private"]


def test_ips_show_answers_one_network(client):
    server = create(client)
    response = client.get(f"/servers/{server['id']}/ips/private")
    assert response.status == 200
    assert response.json() == {"private": server["addresses"]["private"]}


def test_ips_show_of_an_unknown_network_is_404_naming_it(client):
    server = create(client)
    message = fault(client.get(f"/servers/{server['id']}/ips/public"), "itemNotFound", 404)
    assert "'public'" in message


def test_unknown_server_is_404_naming_it(client):
    message = fault(client.get("/servers/no-such-server"), "itemNotFound", 404)
    assert message == "Server no-such-server could not be found."


def test_ips_of_an_unknown_server_is_404(client):
    assert "no-such-server" in fault(client.get("/servers/no-such-server/ips"), "itemNotFound", 404)


def test_action_on_an_unknown_server_is_404(client):
    response = client.post("/servers/no-such-server/action", json={"os-stop": None})
    assert "no-such-server" in fault(response, "itemNotFound", 404)
