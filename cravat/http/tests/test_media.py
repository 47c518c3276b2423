import pytest

from cravat.http.errors import BadRequest, NotAcceptable
from cravat.http.media import choose, negotiate, parse_accept

OFFERS = ("text/plain", "application/octet-stream")


def test_no_header_or_any_takes_the_first_offer():
    assert negotiate(None, OFFERS, "x") == "text/plain"
    assert negotiate("*/*", OFFERS, "x") == "text/plain"


def test_an_exact_match_wins():
    assert choose("application/octet-stream", OFFERS) == "application/octet-stream"


def test_quality_decides_and_ties_go_to_the_offer_order():
    assert choose("text/plain;q=0.5, application/octet-stream", OFFERS) == "application/octet-stream"
    assert choose("text/plain, application/octet-stream", OFFERS) == "text/plain"


def test_a_specific_range_beats_a_wildcard_for_the_same_offer():
    assert choose("text/*;q=0.9, text/plain;q=0, */*;q=0.1", OFFERS) == "application/octet-stream"


def test_quality_zero_refuses_an_offer():
    assert choose("text/plain;q=0", ("text/plain",)) is None


def test_parameters_other_than_q_are_ignored_and_case_does_not_matter():
    assert choose("Text/Plain; charset=utf-8", OFFERS) == "text/plain"


def test_none_fitting_is_a_406_naming_the_offers():
    with pytest.raises(NotAcceptable) as info:
        negotiate("image/png", OFFERS, "secrets:payload")
    assert "secrets:payload answers text/plain, application/octet-stream" in info.value.message


@pytest.mark.parametrize("header", ["text", "*/plain", "text/plain;q=2", "text/plain;q=abc", "text/plain;q=0.0001"])
def test_a_malformed_accept_is_400(header):
    with pytest.raises(BadRequest, match="Accept"):
        parse_accept(header)
