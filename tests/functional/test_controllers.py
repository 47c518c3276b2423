"""Resource controllers, through HTTP: standard methods, custom routes, actions, sub-resources, project ids."""

from __future__ import annotations

import pytest

import cravat

PROJECT = "6f1e2d3c4b5a69788796a5b4c3d2e1f0"


class Widgets:
    """Every standard method with its default status, plus custom routes and actions."""

    def index(self, req):
        return {"widgets": [], "method": "index"}

    def create(self, req, body):
        return {"widget": body["widget"], "method": "create"}

    def show(self, req, id):
        return {"widget": {"id": id}, "method": "show"}

    def update(self, req, id, body):
        return {"widget": {"id": id, **body["widget"]}, "method": "update"}

    def delete(self, req, id):
        return None

    @cravat.collection_action("GET", "detail")
    def detail(self, req):
        return {"widgets": [], "method": "detail"}

    @cravat.collection_action("POST", "purge", status=202)
    def purge(self, req):
        return {"method": "purge"}

    @cravat.member_action("POST", "reboot", status=202)
    def reboot(self, req, id):
        return {"method": "reboot", "id": id}

    @cravat.action("os-start", status=202)
    def start(self, req, id, body):
        return None

    @cravat.action("rename")
    def rename(self, req, id, body):
        return {"method": "rename", "id": id, "name": body["rename"]["name"]}


class Gadgets:
    """Standard methods with their statuses changed by @cravat.response."""

    @cravat.response(202)
    def create(self, req, body):
        return {"gadget": "queued"}

    @cravat.response(203)
    def show(self, req, id):
        return {"gadget": {"id": id}}

    @cravat.response(202, headers={"Retry-After": "5"})
    def delete(self, req, id):
        return None


class Reports:
    """Only a member method: the collection path is no route."""

    def show(self, req, id):
        return {"report": id}


class Logs:
    """Only a collection method: the member path is no route."""

    def index(self, req):
        return {"logs": []}


class Parts:
    """A sub-resource of widgets."""

    def index(self, req, widget_id):
        return {"widget_id": widget_id, "parts": []}

    def show(self, req, widget_id, id):
        return {"widget_id": widget_id, "id": id}


class ProjectServers:
    def index(self, req):
        return {"project_id": req.path_params.get("project_id")}

    def show(self, req, id):
        return {"project_id": req.path_params.get("project_id"), "id": id}


@pytest.fixture(scope="module")
def client(serve):
    api = cravat.API(error_style="nova")
    api.resource("/widgets", Widgets())
    api.resource("/gadgets", Gadgets())
    api.resource("/reports", Reports())
    api.resource("/logs", Logs())
    api.resource("/widgets/{widget_id}/parts", Parts(), name="parts")
    return serve(api)


@pytest.fixture(scope="module")
def optional_project(serve):
    api = cravat.API(error_style="nova", project_id="optional")
    api.resource("/servers", ProjectServers())
    return serve(api)


@pytest.fixture(scope="module")
def required_project(serve):
    api = cravat.API(error_style="nova", project_id="required")
    api.resource("/servers", ProjectServers())
    return serve(api)


def bad_request_message(response):
    assert response.status == 400
    body = response.json()
    assert list(body) == ["badRequest"]
    assert body["badRequest"]["code"] == 400
    return body["badRequest"]["message"]


# Standard methods and their statuses


def test_index_answers_200(client):
    response = client.get("/widgets")
    assert response.status == 200
    assert response.json() == {"widgets": [], "method": "index"}


def test_create_answers_201_with_the_decoded_body(client):
    response = client.post("/widgets", json={"widget": {"name": "w"}})
    assert response.status == 201
    assert response.json() == {"widget": {"name": "w"}, "method": "create"}


def test_show_answers_200_with_the_id(client):
    response = client.get("/widgets/w1")
    assert response.status == 200
    assert response.json() == {"widget": {"id": "w1"}, "method": "show"}


def test_update_answers_200(client):
    response = client.put("/widgets/w1", json={"widget": {"name": "new"}})
    assert response.status == 200
    assert response.json() == {"widget": {"id": "w1", "name": "new"}, "method": "update"}


def test_delete_answers_204_without_a_body(client):
    response = client.delete("/widgets/w1")
    assert response.status == 204
    assert response.body == b""
    assert response.content_type is None


def test_response_decorator_overrides_create_status(client):
    response = client.post("/gadgets", json={})
    assert response.status == 202
    assert response.json() == {"gadget": "queued"}


def test_response_decorator_overrides_show_status(client):
    assert client.get("/gadgets/g1").status == 203


def test_response_decorator_overrides_delete_status_and_adds_its_headers(client):
    response = client.delete("/gadgets/g1")
    assert response.status == 202
    assert response.headers["Retry-After"] == "5"
    assert response.headers["Content-Length"] == "0"


def test_undefined_index_leaves_the_collection_path_unrouted(client):
    assert client.get("/reports").status == 404


def test_undefined_show_leaves_the_member_path_unrouted(client):
    assert client.get("/logs/1").status == 404


def test_undefined_create_is_405_on_an_existing_collection(client):
    response = client.post("/logs", json={})
    assert response.status == 405
    assert response.headers["Allow"] == "GET, HEAD, OPTIONS"


def test_undefined_update_is_405_on_an_existing_member(client):
    response = client.put("/gadgets/g1", json={})
    assert response.status == 405
    assert response.headers["Allow"] == "GET, HEAD, DELETE, OPTIONS"


# Custom routes


def test_collection_action_is_routed_with_its_verb(client):
    response = client.get("/widgets/detail")
    assert response.status == 200
    assert response.json() == {"widgets": [], "method": "detail"}


def test_collection_action_declared_status_is_used(client):
    response = client.post("/widgets/purge")
    assert response.status == 202
    assert response.json() == {"method": "purge"}


def test_collection_action_path_answers_only_its_verb(client):
    # The literal route /widgets/purge wins over /widgets/{id} for every verb.
    response = client.get("/widgets/purge")
    assert response.status == 405
    assert response.headers["Allow"] == "POST, OPTIONS"


def test_member_action_is_routed_with_its_verb_and_the_id(client):
    response = client.post("/widgets/w7/reboot")
    assert response.status == 202
    assert response.json() == {"method": "reboot", "id": "w7"}


def test_member_action_with_another_verb_is_405(client):
    response = client.get("/widgets/w7/reboot")
    assert response.status == 405
    assert response.headers["Allow"] == "POST, OPTIONS"


# POST {member}/action


def test_action_body_key_picks_the_action_and_its_status(client):
    response = client.post("/widgets/w1/action", json={"os-start": None})
    assert response.status == 202
    assert response.body == b""


def test_action_receives_id_and_body(client):
    response = client.post("/widgets/w1/action", json={"rename": {"name": "neo"}})
    assert response.status == 200
    assert response.json() == {"method": "rename", "id": "w1", "name": "neo"}


def test_action_body_with_no_key_is_400_naming_the_count(client):
    message = bad_request_message(client.post("/widgets/w1/action", json={}))
    assert "exactly one key" in message
    assert "got 0" in message


def test_action_body_with_two_keys_is_400_naming_the_count_and_keys(client):
    message = bad_request_message(client.post("/widgets/w1/action", json={"os-start": None, "rename": {}}))
    assert "got 2" in message
    assert "os-start" in message and "rename" in message


def test_action_body_that_is_not_an_object_is_400_naming_its_type(client):
    message = bad_request_message(client.post("/widgets/w1/action", json=["os-start"]))
    assert "JSON object" in message
    assert "list" in message


def test_unknown_action_is_400_naming_it_and_the_known_ones(client):
    message = bad_request_message(client.post("/widgets/w1/action", json={"os-fly": None}))
    assert "'os-fly'" in message
    assert "os-start" in message and "rename" in message


def test_action_without_a_body_is_400(client):
    message = bad_request_message(client.post("/widgets/w1/action"))
    assert "body" in message


def test_action_endpoint_answers_only_post(client):
    response = client.get("/widgets/w1/action")
    # /widgets/{id}/action is its own route; GET there is not allowed
    assert response.status == 405
    assert response.headers["Allow"] == "POST, OPTIONS"


# Sub-resources


def test_sub_resource_member_receives_both_parameters(client):
    response = client.get("/widgets/w1/parts/p2")
    assert response.status == 200
    assert response.json() == {"widget_id": "w1", "id": "p2"}


def test_sub_resource_collection_receives_the_parent_id(client):
    assert client.get("/widgets/w1/parts").json() == {"widget_id": "w1", "parts": []}


# Project id prefixes


def test_optional_project_id_serves_the_unprefixed_path(optional_project):
    response = optional_project.get("/servers")
    assert response.status == 200
    assert response.json() == {"project_id": None}


def test_optional_project_id_serves_the_prefixed_path_and_exposes_the_id(optional_project):
    response = optional_project.get(f"/{PROJECT}/servers")
    assert response.status == 200
    assert response.json() == {"project_id": PROJECT}


def test_optional_project_id_prefix_works_on_members(optional_project):
    assert optional_project.get(f"/{PROJECT}/servers/s1").json() == {"project_id": PROJECT, "id": "s1"}


def test_project_id_not_matching_its_pattern_is_404(optional_project):
    response = optional_project.get("/not-a-project/servers")
    assert response.status == 404
    assert "'not-a-project'" in response.json()["itemNotFound"]["message"]


def test_required_project_id_serves_the_prefixed_path(required_project):
    response = required_project.get(f"/{PROJECT}/servers")
    assert response.status == 200
    assert response.json() == {"project_id": PROJECT}


def test_required_project_id_does_not_serve_the_unprefixed_path(required_project):
    assert required_project.get("/servers").status == 404
