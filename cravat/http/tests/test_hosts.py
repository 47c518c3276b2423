"""Host syntax (RFC 9110 section 7.2), allowed hosts, trusted proxies and RFC 7239 Forwarded."""

from __future__ import annotations

import pytest

from cravat.http.hosts import AllowedHosts, TrustedProxies, check_scheme, forwarded_elements, parse_host


@pytest.mark.parametrize(("value", "expected"), [
    ("api.example.com", ("api.example.com", None)),
    ("API.Example.com:8774", ("api.example.com", 8774)),
    ("127.0.0.1:9311", ("127.0.0.1", 9311)),
    ("[::1]:9311", ("[::1]", 9311)),
    ("[2001:db8::1]", ("[2001:db8::1]", None)),
    ("a:", ("a", None)),  # an empty port is allowed by the grammar
    ("xn--bcher-kva.example", ("xn--bcher-kva.example", None)),
])
def test_a_host_and_port_are_parsed(value, expected):
    assert parse_host(value) == expected


@pytest.mark.parametrize(("value", "why"), [
    ("x/y", "'/' cannot appear"), ("x y", "' ' cannot appear"), ("a@b", "'@' cannot appear"),
    ("a:b", "port 'b' is not a number"), ("a:99999", "above 65535"), ("[::1", "no ']'"),
    ("[zz]", "not an IP literal"), ("", "empty"), (":80", "the host is empty"), ("a?b", "'?' cannot appear"),
])
def test_a_value_that_is_not_a_host_says_why(value, why):
    with pytest.raises(ValueError, match=why.replace("?", r"\?").replace("[", r"\[")):
        parse_host(value)


def test_allowed_hosts_match_exactly_or_by_wildcard_subdomain():
    allowed = AllowedHosts.of(["api.example.com", "*.internal"])
    assert allowed.allows("api.example.com") and allowed.allows("kms.internal") and allowed.allows("a.b.internal")
    assert not allowed.allows("internal") and not allowed.allows("evil.example.com")


def test_no_allowed_hosts_allows_every_valid_host():
    assert AllowedHosts.of([]).allows("anything.example")


def test_a_bad_allowed_host_is_an_error_at_start_up():
    with pytest.raises(ValueError):
        AllowedHosts.of(["x/y"])


def test_trusted_proxies_are_addresses_or_networks():
    proxies = TrustedProxies.of(["10.0.0.0/8", "::1"])
    assert proxies.trusts("10.1.2.3") and proxies.trusts("::1")
    assert not proxies.trusts("192.0.2.1") and not proxies.trusts("") and not proxies.trusts("not-an-ip")


def test_no_trusted_proxy_trusts_no_one():
    assert not TrustedProxies.of([]).trusts("127.0.0.1")


def test_a_bad_trusted_proxy_is_an_error_naming_it():
    with pytest.raises(ValueError, match="'10.0.0.300'"):
        TrustedProxies.of(["10.0.0.300"])


def test_only_http_and_https_are_link_schemes():
    assert check_scheme(" HTTPS ", "X-Forwarded-Proto") == "https"
    with pytest.raises(ValueError, match="X-Forwarded-Proto 'javascript' is not http or https"):
        check_scheme("javascript", "X-Forwarded-Proto")


def test_forwarded_elements_are_parsed_with_quotes_and_several_hops():
    assert forwarded_elements('for=192.0.2.60;proto=https;host="a.example:443", for="[2001:db8::1]"') == [
        {"for": "192.0.2.60", "proto": "https", "host": "a.example:443"}, {"for": "[2001:db8::1]"}]


@pytest.mark.parametrize("value", ["proto", 'host="unterminated', "bad name=x"])
def test_a_malformed_forwarded_header_is_an_error(value):
    with pytest.raises(ValueError):
        forwarded_elements(value)
