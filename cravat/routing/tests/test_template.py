import pytest

from cravat.routing.template import TemplateError, parse_template


def test_literal_and_parameter_segments_are_told_apart():
    t = parse_template("/servers/{server_id}/ips")
    assert [(s.text, s.param) for s in t.segments] == [("servers", None), ("{server_id}", "server_id"), ("ips", None)]
    assert t.param_names == ("server_id",)
    assert not t.is_static


def test_a_parameter_pattern_may_contain_braces():
    t = parse_template("/keys/{id:[0-9]{4}}")
    assert t.segments[1].param == "id"
    assert t.segments[1].pattern == "[0-9]{4}"


def test_trailing_slash_is_dropped():
    assert parse_template("/servers/").segments == parse_template("/servers").segments


def test_root_has_no_segments():
    assert parse_template("/").segments == ()
    assert parse_template("/").is_static


def test_parameters_with_the_same_pattern_share_a_key_whatever_their_names():
    assert parse_template("/a/{id}").segments[1].key == parse_template("/a/{server_id}").segments[1].key
    assert parse_template("/a/{id:[0-9]+}").segments[1].key != parse_template("/a/{id}").segments[1].key


@pytest.mark.parametrize(("template", "complaint"), [
    ("servers", "must start with '/'"),
    ("/servers//ips", "empty segment"),
    ("/servers/{id", "unclosed"),
    ("/servers/id}", "unmatched"),
    ("/servers/{a}{b}", "stand side by side"),
    ("/servers/{1id}", "not a valid parameter name"),
    ("/servers/{id:[0-9}", "not a valid regex"),
    ("/servers/{id}/ips/{id}", "names parameter 'id' twice"),
    ("/servers/{id:a/b}", "may not match '/'"),
])
def test_a_bad_template_is_refused_naming_the_template_and_the_fault(template, complaint):
    with pytest.raises(TemplateError) as info:
        parse_template(template)
    assert complaint in str(info.value)
    assert repr(template) in str(info.value)


@pytest.mark.parametrize(("base", "tail"), [
    ("/servers", "{id}"), ("/servers/{id}", "action"), ("/", "ping"), ("/{project_id:[0-9a-f-]+}/servers", "{id:int}"),
    ("/files", "{name}.{ext}"), ("/servers/", "/detail/"),
])
def test_extending_a_template_is_parsing_the_joined_text(base, tail):
    from cravat.routing.template import extend_template

    joined = base.rstrip("/") + "/" + tail.strip("/")
    assert extend_template(parse_template(base), tail) == parse_template(joined)


def test_extending_a_template_refuses_a_parameter_named_twice():
    from cravat.routing.template import extend_template

    with pytest.raises(TemplateError, match="names parameter 'id' twice"):
        extend_template(parse_template("/servers/{id}"), "{id}")
