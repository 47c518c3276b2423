import pytest

from cravat.routing.router import RouteConflict, Router, allowed_methods
from cravat.routing.template import parse_template


def make_router(*routes):
    router = Router()
    for method, template, name in routes:
        router.add(parse_template(template), method, name)
    return router


def test_a_static_path_matches_with_no_values():
    router = make_router(("GET", "/ping", "ping"))
    route, values = router.match("/ping")
    assert route.endpoints == {"GET": "ping"}
    assert values == ()


def test_parameters_are_captured_in_path_order():
    router = make_router(("GET", "/servers/{server_id}/ips/{id}", "ip"))
    route, values = router.match("/servers/s1/ips/private")
    assert route.endpoints["GET"] == "ip"
    assert values == ("s1", "private")


def test_a_literal_beats_a_parameter_at_the_same_segment():
    router = make_router(("GET", "/servers/{id}", "show"), ("GET", "/servers/detail", "detail"))
    assert router.match("/servers/detail")[0].endpoints["GET"] == "detail"
    assert router.match("/servers/other")[0].endpoints["GET"] == "show"


def test_a_dead_end_literal_branch_falls_back_to_the_parameter():
    router = make_router(("GET", "/a/b/c", "literal"), ("GET", "/a/{x}/d", "param"))
    route, values = router.match("/a/b/d")
    assert route.endpoints["GET"] == "param"
    assert values == ("b",)


def test_a_parameter_pattern_must_match_the_whole_segment():
    router = make_router(("GET", "/{project_id:[0-9a-f-]+}/servers", "servers"))
    assert router.match("/abc-123/servers")[1] == ("abc-123",)
    assert router.match("/abcx/servers") == (None, ())


def test_a_parameter_never_matches_an_empty_segment():
    router = make_router(("GET", "/servers/{id}", "show"))
    assert router.match("/servers//")[0] is None
    assert router.match("/servers/")[0] is None


def test_trailing_slash_is_not_significant():
    router = make_router(("GET", "/servers", "index"), ("GET", "/servers/{id}", "show"))
    assert router.match("/servers/")[0].endpoints["GET"] == "index"
    assert router.match("/servers/7/")[1] == ("7",)


def test_the_root_route_matches_slash():
    router = make_router(("GET", "/", "root"))
    assert router.match("/")[0].endpoints["GET"] == "root"


def test_templates_differing_only_in_parameter_names_share_a_route():
    router = make_router(("GET", "/servers/{id}", "show"), ("PUT", "/servers/{server_id}", "update"))
    route, _ = router.match("/servers/1")
    assert route.endpoints == {"GET": "show", "PUT": "update"}


def test_the_same_method_at_the_same_route_is_a_conflict_naming_both():
    router = make_router(("GET", "/servers/{id}", "show"))
    with pytest.raises(RouteConflict) as info:
        router.add(parse_template("/servers/{server_id}"), "GET", "other")
    assert "duplicate route GET /servers/{id}" in str(info.value)
    assert "show" in str(info.value) and "other" in str(info.value)


def test_different_patterns_at_the_same_segment_are_ambiguous():
    router = make_router(("GET", "/things/{id:[0-9]+}", "by_id"))
    with pytest.raises(RouteConflict) as info:
        router.add(parse_template("/things/{name}/x"), "GET", "by_name")
    message = str(info.value)
    assert "ambiguous routes /things/{id:[0-9]+} and /things/{name}/x" in message
    assert "segment 2" in message


def test_allow_lists_head_with_get_and_always_options():
    router = make_router(("PUT", "/s/{id}", "u"), ("GET", "/s/{id}", "g"), ("DELETE", "/s/{id}", "d"))
    assert router.match("/s/1")[0].allow == "GET, HEAD, PUT, DELETE, OPTIONS"


def test_allow_without_get_has_no_head():
    assert allowed_methods({"POST": 1}) == ["POST", "OPTIONS"]


def test_allow_puts_unknown_methods_last_in_order():
    assert allowed_methods({"GET": 1, "REPORT": 2, "COPY": 3}) == ["GET", "HEAD", "OPTIONS", "COPY", "REPORT"]


def test_a_miss_is_explained_by_the_refusing_pattern():
    router = make_router(("GET", "/servers/{id:[0-9]+}", "show"))
    message = router.explain_miss("/servers/abc")
    assert "segment 2 'abc' does not match {id:[0-9]+}" in message


def test_a_miss_with_no_pattern_involved_says_nothing_matches():
    router = make_router(("GET", "/servers", "index"))
    assert router.explain_miss("/flavors") == "No resource matches the path /flavors."


def test_lookup_finds_the_right_route_among_thousands():
    router = Router()
    for i in range(1000):
        router.add(parse_template(f"/v1/r{i}"), "GET", f"index{i}")
        router.add(parse_template(f"/v1/r{i}/{{id}}"), "GET", f"show{i}")
    route, values = router.match("/v1/r777/abc")
    assert route.endpoints["GET"] == "show777"
    assert values == ("abc",)
    assert router.match("/v1/r1000/abc")[0] is None


def test_a_literal_that_matched_is_not_blamed_on_a_pattern_beside_it():
    router = make_router(("GET", "/{project_id:[0-9a-f]+}/servers", "p"), ("GET", "/servers/{id}", "show"))
    assert router.explain_miss("/servers/42/nonexistent") == "No resource matches the path /servers/42/nonexistent."


def test_a_refused_segment_beside_literals_says_it_is_not_a_known_name_either():
    router = make_router(("GET", "/{project_id:[0-9a-f]+}/servers", "p"), ("GET", "/servers", "index"))
    assert "segment 1 'serverz' is not a known name there and does not match {project_id:[0-9a-f]+}" in \
        router.explain_miss("/serverz")


def test_what_match_returns_cannot_be_changed_by_the_caller():
    router = make_router(("GET", "/ping", "ping"), ("GET", "/servers/{id}", "show"))
    _, static_values = router.match("/ping")
    _, values = router.match("/servers/1")
    assert isinstance(static_values, tuple) and isinstance(values, tuple)
    with pytest.raises(AttributeError):
        static_values.append("leak")  # type: ignore[attr-defined]
    assert router.match("/ping")[1] == ()


def test_typed_parameters_arrive_converted():
    import uuid

    router = make_router(("GET", "/servers/{id:int}", "by_int"), ("GET", "/keys/{key:uuid}", "by_uuid"))
    assert router.match("/servers/42")[1] == (42,)
    assert router.match("/keys/70a599e0-31e7-49b7-b260-868f441e862b")[1] == \
        (uuid.UUID("70a599e0-31e7-49b7-b260-868f441e862b"),)
    assert router.match("/servers/4x")[0] is None
    assert router.match("/keys/nope")[0] is None


def test_an_int_parameter_refuses_more_digits_than_an_id_has():
    router = make_router(("GET", "/servers/{id:int}", "by_int"))
    assert router.match("/servers/" + "9" * 18)[1] == (int("9" * 18),)
    assert router.match("/servers/" + "9" * 4301)[0] is None


def test_a_partial_segment_splits_at_its_literal_text():
    router = make_router(("GET", "/files/{name}.{ext}", "file"), ("GET", "/v{major:int}/x", "versioned"))
    assert router.match("/files/report.tar")[1] == ("report", "tar")
    assert router.match("/v2/x")[1] == (2,)
    assert router.match("/files/report")[0] is None


def test_a_pattern_with_groups_still_gives_one_value():
    router = make_router(("GET", "/things/{id:(ab|cd)[0-9]}", "thing"))
    assert router.match("/things/ab1")[1] == ("ab1",)
