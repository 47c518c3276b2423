import pytest

from cravat.routing.template import parse_template
from cravat.routing.urls import URLBuilder


def builder(*templates, name="servers:show"):
    urls = URLBuilder()
    for t in templates:
        urls.add(name, parse_template(t))
    return urls


def test_parameters_are_filled_and_quoted():
    urls = builder("/servers/{id}")
    assert urls.path_for("servers:show", {"id": "a b/c"}, {}) == "/servers/a%20b%2Fc"


def test_missing_parameters_come_from_the_request():
    urls = builder("/servers/{server_id}/ips/{id}", name="ips:show")
    assert urls.path_for("ips:show", {"id": "net"}, {"server_id": "s1"}) == "/servers/s1/ips/net"


def test_the_variant_with_most_fillable_parameters_wins():
    urls = builder("/servers/{id}", "/{project_id:[0-9a-f]+}/servers/{id}")
    assert urls.path_for("servers:show", {"id": "1"}, {"project_id": "abc"}) == "/abc/servers/1"
    assert urls.path_for("servers:show", {"id": "1"}, {}) == "/servers/1"


def test_an_unknown_name_is_a_lookup_error_naming_it():
    with pytest.raises(LookupError, match="no operation is named 'nope'"):
        builder("/servers/{id}").path_for("nope", {}, {})


def test_an_unknown_parameter_is_named():
    with pytest.raises(LookupError, match="'colour' is not a parameter of /servers/{id}"):
        builder("/servers/{id}").path_for("servers:show", {"id": 1, "colour": "red"}, {})


def test_a_missing_parameter_is_named():
    with pytest.raises(LookupError, match="needs a value for parameter .id."):
        builder("/servers/{id}").path_for("servers:show", {}, {})


def test_a_value_breaking_the_pattern_is_refused():
    with pytest.raises(ValueError, match=r"'abc' does not match {id:\[0-9\]\+} in /servers/{id:\[0-9\]\+}"):
        builder("/servers/{id:[0-9]+}").path_for("servers:show", {"id": "abc"}, {})
