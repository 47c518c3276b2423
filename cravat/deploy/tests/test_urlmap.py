"""The URL map: key syntax, precedence, path rewriting, verbs and faults (in process, no socket)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from cravat.deploy.urlmap import MapKey, URLMap, URLMapError, parse_key
from cravat.testing import Client


def echo(tag: str) -> Any:
    """An app answering which app it is and what the map left in the environ."""

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        body = {"app": tag, "script_name": environ.get("SCRIPT_NAME"), "path_info": environ.get("PATH_INFO"),
                "routing_args": environ.get("wsgiorg.routing_args")}
        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(body).encode()]

    return app


def client(*entries: str, **kw: Any) -> Client:
    """A client for a map whose every key's app is named after the key."""
    return Client(URLMap([(key, echo(key)) for key in entries], **kw))


def app_for(c: Client, path: str, **kw: Any) -> str:
    response = c.get(path, **kw)
    assert response.status_code == 200, response.text
    return response.json["app"]


# --- keys --------------------------------------------------------------------------------------


def test_a_prefix_key_drops_trailing_and_repeated_slashes():
    assert parse_key("//v1//servers/").path == "/v1/servers"


def test_the_root_key_is_the_empty_prefix():
    assert parse_key("/").path == ""


def test_a_key_reads_host_port_path_and_methods_in_any_order():
    key = parse_key("methods GET,POST /v1 port 8080 domain API.Example.com")
    assert key == MapKey("methods GET,POST /v1 port 8080 domain API.Example.com", "api.example.com", 8080,
                         "/v1", ("GET", "POST"))


def test_a_method_list_may_have_spaces_after_its_commas():
    assert parse_key("/v1 methods GET, POST, DELETE").methods == ("GET", "POST", "DELETE")


def test_a_domain_without_a_path_means_the_root_of_that_host():
    assert parse_key("domain example.com").path == ""


def test_a_wildcard_and_a_pattern_are_host_forms():
    assert parse_key("domain *.example.com /").host == "*.example.com"
    assert parse_key("domain ~[a-z]+\\.example\\.com /").host == "~[a-z]+\\.example\\.com"


@pytest.mark.parametrize(("key", "message"), [
    ("v1", "'v1' is not a path"),
    ("/v1 /v2", "more than one path"),
    ("~^/v(?P<version>[0-9]+", "bad path pattern"),
    ("~^/v1/", "ends with '/'"),
    ("domain ~(unclosed /", "bad host pattern"),
    ("/v1 methods get", "'get' in 'methods get' is not an HTTP method"),
    ("/v1 methods GET,GET", "names a method twice"),
    ("/v1 port http", "port 'http' is not a number"),
    ("/v1 port 70000", "port '70000' is not a number"),
    ("/v1 domain", "'domain' must be followed by a value"),
    ("domain a.com domain b.com /", "'domain' is given twice"),
    ("domain exa/mple.com /", "is not a host name"),
    ("methods GET", "has no path"),
    ("/v1/servers mount /v2", "mount '/v2' is not a prefix of the path '/v1/servers'"),
    ("/v1/servers mount v1", "mount 'v1' is not a path prefix"),
    ("~/v1/servers mount /v1", "'mount' needs a '/prefix' path"),
])
def test_a_bad_key_is_an_error_naming_the_key_and_the_fault(key, message):
    with pytest.raises(URLMapError) as caught:
        parse_key(key)
    assert repr(key) in str(caught.value)
    assert message in str(caught.value)


# --- prefixes and path rewriting ---------------------------------------------------------------


def test_a_prefix_matches_itself_and_below_at_a_slash_boundary_only():
    c = client("/", "/v1")
    assert app_for(c, "/v1") == "/v1"
    assert app_for(c, "/v1/secrets") == "/v1"
    assert app_for(c, "/v10") == "/"


def test_the_matched_prefix_moves_from_path_info_to_script_name():
    body = client("/v1").get("/v1/secrets/7").json
    assert (body["script_name"], body["path_info"]) == ("/v1", "/secrets/7")


def test_the_prefix_is_appended_to_an_existing_script_name():
    body = client("/v1").get("/v1/secrets", environ={"SCRIPT_NAME": "/key-manager"}).json
    assert (body["script_name"], body["path_info"]) == ("/key-manager/v1", "/secrets")


def test_a_trailing_slash_is_left_in_path_info():
    body = client("/v1").get("/v1/").json
    assert (body["script_name"], body["path_info"]) == ("/v1", "/")


def test_the_exact_prefix_leaves_an_empty_path_info():
    body = client("/v1").get("/v1").json
    assert (body["script_name"], body["path_info"]) == ("/v1", "")


def test_repeated_slashes_in_the_request_path_are_collapsed_as_paste_does():
    body = client("/v1/secrets").get("//v1//secrets//7", environ={"PATH_INFO": "//v1//secrets//7"}).json
    assert (body["script_name"], body["path_info"]) == ("/v1/secrets", "/7")


def test_the_longest_prefix_wins_whatever_the_order_written():
    c = client("/v1/secrets", "/", "/v1")
    assert app_for(c, "/v1/secrets/7") == "/v1/secrets"
    assert app_for(c, "/v1/orders") == "/v1"
    assert app_for(c, "/other") == "/"


def test_the_root_takes_every_path_nothing_longer_matches():
    body = client("/").get("/anything/at/all").json
    assert (body["script_name"], body["path_info"]) == ("", "/anything/at/all")


def test_a_mount_moves_only_its_part_of_the_path_to_script_name():
    body = client("/v2.1/servers mount /v2.1").get("/v2.1/servers/7").json
    assert (body["script_name"], body["path_info"]) == ("/v2.1", "/servers/7")


def test_a_mount_at_the_root_leaves_the_whole_path_in_path_info():
    body = client("/servers mount /").get("/servers/7").json
    assert (body["script_name"], body["path_info"]) == ("", "/servers/7")


def test_a_mounted_entry_still_ranks_by_the_length_of_its_whole_path():
    c = client("/v2.1", "/v2.1/servers mount /v2.1")
    assert app_for(c, "/v2.1/servers/7") == "/v2.1/servers mount /v2.1"
    assert app_for(c, "/v2.1/flavors") == "/v2.1"


# --- patterns --------------------------------------------------------------------------------


def test_a_pattern_moves_what_it_matched_to_script_name():
    body = client("~^/v(?P<version>[0-9]+)").get("/v2/secrets").json
    assert (body["script_name"], body["path_info"]) == ("/v2", "/secrets")


def test_a_patterns_named_groups_become_routing_args():
    body = client("~/v(?P<version>[0-9]+)/(?P<project_id>[0-9a-f]{4})").get("/v2/ab12/secrets").json
    assert body["routing_args"] == [[], {"version": "2", "project_id": "ab12"}]


def test_routing_args_from_an_outer_map_are_kept_and_extended():
    c = client("~/(?P<project_id>[a-z0-9]+)")
    body = c.get("/p1/x", environ={"wsgiorg.routing_args": ((), {"version": "2"})}).json
    assert body["routing_args"] == [[], {"version": "2", "project_id": "p1"}]


def test_a_pattern_without_named_groups_sets_no_routing_args():
    assert client("~/v[0-9]+").get("/v2/x").json["routing_args"] is None


def test_a_pattern_matches_whole_segments_only():
    c = client("/", "~/v[0-9]")
    assert app_for(c, "/v1/secrets") == "~/v[0-9]"
    assert app_for(c, "/v1x/secrets") == "/"


def test_a_pattern_does_not_end_before_a_trailing_newline():
    c = client("/", "~/v1")
    assert app_for(c, "/x", environ={"PATH_INFO": "/v1\n"}) == "/"


def test_a_pattern_backtracks_to_a_segment_boundary():
    body = client("~/[a-z/]+").get("/abc/def1").json
    assert (body["script_name"], body["path_info"]) == ("/abc", "/def1")


def test_a_longer_pattern_match_beats_a_shorter_prefix():
    c = client("/v2", "~/v2/(?P<project_id>[0-9a-f]{4})/servers")
    assert app_for(c, "/v2/ab12/servers/1") == "~/v2/(?P<project_id>[0-9a-f]{4})/servers"
    assert app_for(c, "/v2/flavors") == "/v2"


def test_a_longer_prefix_beats_a_shorter_pattern_match():
    c = client("~/v(?P<version>[0-9]+)", "/v2/servers")
    assert app_for(c, "/v2/servers/1") == "/v2/servers"
    assert app_for(c, "/v2/flavors") == "~/v(?P<version>[0-9]+)"


def test_a_prefix_beats_a_pattern_matching_the_same_length():
    assert app_for(client("~/v[0-9]", "/v2"), "/v2/x") == "/v2"


def test_the_earlier_pattern_wins_between_patterns_of_equal_match_length():
    assert app_for(client("~/v[0-9]", "~/v[2-3]"), "/v2/x") == "~/v[0-9]"
    assert app_for(client("~/v[2-3]", "~/v[0-9]"), "/v2/x") == "~/v[2-3]"


def test_a_pattern_group_value_is_text_decoded_from_utf8():
    path = "/caf\u00e9".encode().decode("latin-1")  # as a WSGI server hands it over
    body = client("~/(?P<name>[^/]+)").get("/x", environ={"PATH_INFO": path}).json
    assert body["routing_args"][1] == {"name": "caf\u00e9"}


# --- hosts ------------------------------------------------------------------------------------


def test_an_exact_host_beats_any_host_even_with_a_shorter_path():
    c = client("/v1/secrets", "domain api.example.com /")
    assert app_for(c, "/v1/secrets", headers={"Host": "api.example.com"}) == "domain api.example.com /"
    assert app_for(c, "/v1/secrets", headers={"Host": "other.example.com"}) == "/v1/secrets"


def test_host_matching_ignores_case_and_the_port():
    c = client("/", "domain api.example.com /")
    assert app_for(c, "/", headers={"Host": "API.Example.COM:8443"}) == "domain api.example.com /"


def test_a_host_without_a_path_match_falls_to_less_specific_hosts():
    c = client("/v2", "domain api.example.com /v1")
    assert app_for(c, "/v2/x", headers={"Host": "api.example.com"}) == "/v2"


def test_a_wildcard_host_matches_subdomains_at_any_depth_but_not_the_domain_itself():
    c = client("/", "domain *.example.com /")
    assert app_for(c, "/", headers={"Host": "a.example.com"}) == "domain *.example.com /"
    assert app_for(c, "/", headers={"Host": "a.b.example.com"}) == "domain *.example.com /"
    assert app_for(c, "/", headers={"Host": "example.com"}) == "/"


def test_an_exact_host_beats_a_wildcard_and_a_longer_wildcard_beats_a_shorter():
    c = client("domain *.example.com", "domain *.eu.example.com", "domain api.eu.example.com")
    assert app_for(c, "/", headers={"Host": "api.eu.example.com"}) == "domain api.eu.example.com"
    assert app_for(c, "/", headers={"Host": "db.eu.example.com"}) == "domain *.eu.example.com"
    assert app_for(c, "/", headers={"Host": "db.us.example.com"}) == "domain *.example.com"


def test_a_host_patterns_named_groups_become_routing_args():
    body = client("domain ~(?P<region>[a-z]+)\\.cloud\\.test /v1").get(
        "/v1/x", headers={"Host": "eu.cloud.test"}).json
    assert body["routing_args"] == [[], {"region": "eu"}]


def test_a_host_pattern_must_match_the_whole_host_name():
    c = client("/", "domain ~[a-z]+\\.cloud\\.test")
    assert app_for(c, "/", headers={"Host": "eu.cloud.test.evil.com"}) == "/"


def test_a_port_restricts_a_key_to_requests_made_to_that_port():
    c = client("domain api.example.com", "domain api.example.com port 8443")
    assert app_for(c, "/", headers={"Host": "api.example.com:8443"}) == "domain api.example.com port 8443"
    assert app_for(c, "/", headers={"Host": "api.example.com:8080"}) == "domain api.example.com"


def test_without_a_port_in_the_host_header_the_schemes_default_is_the_port():
    c = client("/", "port 443 /")
    assert app_for(c, "/", headers={"Host": "api.example.com"}) == "/"
    assert app_for(c, "/", headers={"Host": "api.example.com"}, environ={"wsgi.url_scheme": "https"}) == "port 443 /"


def test_without_a_host_header_the_server_name_and_port_are_used():
    urlmap = URLMap([("/", echo("any")), ("domain internal port 9311", echo("internal"))])
    environ = {"REQUEST_METHOD": "GET", "PATH_INFO": "/", "SCRIPT_NAME": "", "SERVER_NAME": "internal",
               "SERVER_PORT": "9311", "wsgi.url_scheme": "http"}
    body = b"".join(urlmap(environ, lambda status, headers: None))
    assert json.loads(body)["app"] == "internal"


def test_an_ipv6_host_header_is_split_at_the_port_colon():
    c = client("/", "port 8080 /")
    assert app_for(c, "/", headers={"Host": "[::1]:8080"}) == "port 8080 /"


# --- verbs -------------------------------------------------------------------------------------


def test_a_verb_the_location_accepts_reaches_its_app():
    c = client("/v1/secrets methods GET,POST")
    assert c.post("/v1/secrets").json["app"] == "/v1/secrets methods GET,POST"


def test_a_verb_the_location_refuses_is_a_405_naming_the_allowed_verbs():
    response = client("/v1/secrets methods GET,POST").delete("/v1/secrets/7")
    assert response.status_code == 405
    assert response.headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    assert response.json["badMethod"]["code"] == 405


def test_head_is_allowed_where_get_is():
    assert client("/v1 methods GET").request("HEAD", "/v1").status_code == 200


def test_options_at_a_restricted_location_answers_allow():
    response = client("/v1 methods GET").request("OPTIONS", "/v1")
    assert (response.status_code, response.headers["Allow"], response.body) == (200, "GET, HEAD, OPTIONS", b"")


def test_entries_at_one_location_split_it_by_verb_and_an_unrestricted_one_takes_the_rest():
    c = client("/v1/secrets methods GET", "/v1/secrets")
    assert c.get("/v1/secrets").json["app"] == "/v1/secrets methods GET"
    assert c.delete("/v1/secrets/7").json["app"] == "/v1/secrets"


def test_a_refused_verb_does_not_fall_through_to_a_less_specific_location():
    c = client("/v1", "/v1/secrets methods GET")
    assert c.delete("/v1/secrets/7").status_code == 405


# --- faults and load-time errors ---------------------------------------------------------------


def test_no_match_is_a_json_404_that_does_not_list_the_mounts():
    response = client("/v1", "/internal-admin").get("/v2/secrets")
    assert response.status_code == 404
    assert response.json == {"itemNotFound": {"code": 404, "message": "No API is mounted at /v2/secrets."}}
    assert b"internal-admin" not in response.body


def test_the_404_carries_the_pipelines_request_id_when_there_is_one():
    response = client("/v1").get("/v2", environ={"openstack.request_id": "req-from-filter"})
    assert response.headers["x-openstack-request-id"] == "req-from-filter"


def test_the_404_carries_a_fresh_request_id_otherwise():
    assert client("/v1").get("/v2").headers["x-openstack-request-id"].startswith("req-")


def test_faults_take_the_maps_error_style():
    response = client("/v1", error_style="problem").get("/v2")
    assert response.content_type == "application/problem+json"
    assert response.json["status"] == 404


def test_a_404_to_head_has_no_body():
    response = client("/v1").request("HEAD", "/v2")
    assert (response.status_code, response.body) == (404, b"")


def test_a_not_found_app_answers_instead_of_the_404():
    c = Client(URLMap([("/v1", echo("v1"))], not_found_app=echo("fallback")))
    assert app_for(c, "/v2") == "fallback"


def test_two_keys_for_one_location_and_verb_are_an_error_naming_both():
    with pytest.raises(URLMapError, match="'/v1' and '/v1/' name the same location"):
        URLMap([("/v1", echo("a")), ("/v1/", echo("b"))])


def test_overlapping_verb_lists_at_one_location_are_an_error():
    with pytest.raises(URLMapError, match="'/v1 methods GET,POST' and '/v1 methods POST'"):
        URLMap([("/v1 methods GET,POST", echo("a")), ("/v1 methods POST", echo("b"))])


def test_the_same_path_on_different_hosts_is_no_conflict():
    c = client("/v1", "domain a.example.com /v1")
    assert app_for(c, "/v1", headers={"Host": "a.example.com"}) == "domain a.example.com /v1"


def test_a_group_name_in_both_host_and_path_patterns_is_an_error():
    with pytest.raises(URLMapError, match="share a group name"):
        URLMap([("domain ~(?P<x>[a-z]+)\\.test ~/(?P<x>[0-9]+)", echo("a"))])


def test_an_unknown_error_style_is_an_error():
    with pytest.raises(URLMapError, match="error_style 'html'"):
        URLMap([("/", echo("a"))], error_style="html")
