"""The router, through HTTP: path parameters, patterns, precedence, trailing slashes, 404s."""

from __future__ import annotations

import pytest

import cravat


class Servers:
    def index(self, req):
        return {"route": "index"}

    def show(self, req, id):
        return {"route": "show", "id": id}

    @cravat.collection_action("GET", "detail")
    def detail(self, req):
        return {"route": "detail"}


class Console:
    def on_get(self, req, server_id):
        return {"server_id": server_id}


class ProjectVolumes:
    def on_get(self, req, project_id):
        return {"project_id": project_id}


class Flavor:
    def on_get(self, req, flavor_id):
        return {"flavor_id": flavor_id}


class Item:
    def on_get(self, req, name):
        return {"name": name}


@pytest.fixture(scope="module")
def client(serve):
    api = cravat.API(error_style="nova")
    api.resource("/servers", Servers())
    api.route("/servers/{server_id}/console", Console(), name="console")
    api.route("/{project_id:[0-9a-f-]+}/volumes", ProjectVolumes(), name="volumes")
    api.route("/flavors/{flavor_id:[0-9]+}", Flavor(), name="flavor")
    api.route("/items/{name}", Item(), name="item")
    return serve(api)


def not_found_message(response):
    assert response.status == 404
    assert response.content_type == "application/json"
    body = response.json()
    assert list(body) == ["itemNotFound"]
    assert body["itemNotFound"]["code"] == 404
    return body["itemNotFound"]["message"]


def test_path_parameter_is_passed_to_the_handler_by_name(client):
    response = client.get("/servers/7f3a/console")
    assert response.status == 200
    assert response.json() == {"server_id": "7f3a"}


def test_member_path_passes_its_id(client):
    assert client.get("/servers/42").json() == {"route": "show", "id": "42"}


def test_segment_matching_its_pattern_is_passed(client):
    response = client.get("/0a1b-2c3d/volumes")
    assert response.status == 200
    assert response.json() == {"project_id": "0a1b-2c3d"}


def test_segment_breaking_its_pattern_is_a_404_naming_segment_and_pattern(client):
    message = not_found_message(client.get("/flavors/large"))
    assert "'large'" in message
    assert "{flavor_id:[0-9]+}" in message


def test_root_segment_breaking_its_pattern_is_a_404_naming_segment_and_pattern(client):
    message = not_found_message(client.get("/NOT_A_PROJECT/volumes"))
    assert "'NOT_A_PROJECT'" in message
    assert "{project_id:[0-9a-f-]+}" in message


def test_literal_segment_beats_a_parameter(client):
    assert client.get("/servers/detail").json() == {"route": "detail"}


def test_parameter_still_matches_other_values_beside_a_literal(client):
    assert client.get("/servers/details").json() == {"route": "show", "id": "details"}


def test_trailing_slash_is_not_significant_on_a_static_path(client):
    assert client.get("/servers/").json() == client.get("/servers").json() == {"route": "index"}


def test_trailing_slash_is_not_significant_on_a_parameter_path(client):
    assert client.get("/servers/42/").json() == {"route": "show", "id": "42"}


def test_percent_encoded_utf8_in_a_path_parameter_arrives_decoded(client):
    response = client.get("/items/caf%C3%A9")
    assert response.status == 200
    assert response.json() == {"name": "café"}


def test_percent_encoded_space_in_a_path_parameter_arrives_decoded(client):
    assert client.get("/items/two%20words").json() == {"name": "two words"}


def test_path_matching_no_route_is_a_404_naming_the_path(client):
    message = not_found_message(client.get("/servers/42/nonexistent"))
    assert "/servers/42/nonexistent" in message


def test_404_does_not_blame_a_pattern_beside_a_literal_that_matched(client):
    # "servers" matched its literal; the root {project_id} pattern is not why /servers/42/nonexistent missed.
    message = not_found_message(client.get("/servers/42/nonexistent"))
    assert "'servers' does not match" not in message


def test_unknown_top_level_path_is_a_404(client):
    response = client.get("/images")
    assert response.status == 404
    assert "/images" in response.json()["itemNotFound"]["message"]


def test_empty_segment_does_not_fill_a_parameter(client):
    assert client.get("/items//").status == 404


def test_query_string_does_not_take_part_in_routing(client):
    assert client.get("/servers/42?fields=name&limit=1").json() == {"route": "show", "id": "42"}


def test_path_that_is_not_utf8_is_400(client):
    response = client.get("/items/%FF")
    assert response.status == 400
    assert "UTF-8" in response.json()["badRequest"]["message"]
