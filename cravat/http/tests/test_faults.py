import json

import pytest

from cravat.http.errors import HTTPError, MethodNotAllowed, NotFound
from cravat.http.faults import FaultRenderer


def render(style, error):
    status, headers, body = FaultRenderer(style).render(error, "req-1")
    return status, dict(headers), json.loads(body)


def test_nova_style_names_the_fault():
    status, headers, body = render("nova", NotFound("Server 7 could not be found."))
    assert status == "404 Not Found"
    assert body == {"itemNotFound": {"code": 404, "message": "Server 7 could not be found."}}
    assert headers["Content-Type"] == "application/json"


def test_nova_style_uses_compute_fault_for_unnamed_statuses():
    assert render("nova", HTTPError("boom", status=500))[2] == {"computeFault": {"code": 500, "message": "boom"}}


def test_barbican_style_has_code_title_and_description():
    body = render("barbican", NotFound("No secret 7."))[2]
    assert body == {"code": 404, "title": "Not Found", "description": "No secret 7."}


def test_problem_style_is_rfc9457_with_the_request_id():
    status, headers, body = render("problem", NotFound("No secret 7."))
    assert headers["Content-Type"] == "application/problem+json"
    assert body == {"type": "about:blank", "title": "Not Found", "status": 404, "detail": "No secret 7.",
                    "request_id": "req-1"}


@pytest.mark.parametrize("style", ["nova", "barbican", "problem"])
def test_every_style_carries_the_request_id_and_the_error_headers(style):
    _, headers, _ = render(style, MethodNotAllowed("no", allow="GET, OPTIONS"))
    assert headers["x-openstack-request-id"] == "req-1"
    assert headers["Allow"] == "GET, OPTIONS"


def test_content_length_matches_the_body():
    _, headers, body = FaultRenderer("nova").render(NotFound("ü"), "req-1")
    assert int(dict(headers)["Content-Length"]) == len(body)


def test_an_unknown_style_is_refused_at_construction():
    with pytest.raises(ValueError, match="unknown error style 'xml'"):
        FaultRenderer("xml")


def test_an_unknown_status_still_has_a_title():
    assert HTTPError("x", status=599).title == "Error"


@pytest.mark.parametrize("style", ["nova", "barbican", "problem"])
def test_messages_with_quotes_braces_and_non_ascii_survive_the_precompiled_body(style):
    message = 'Server "7" has {braces}, a \\ backslash, ü and a\nnewline.'
    _, _, body = FaultRenderer(style).render(NotFound(message), 'req-"1"')
    decoded = json.loads(body)
    text = {"nova": lambda d: d["itemNotFound"]["message"], "barbican": lambda d: d["description"],
            "problem": lambda d: d["detail"]}[style](decoded)
    assert text == message
    if style == "problem":
        assert decoded["request_id"] == 'req-"1"'


def test_each_status_gets_its_own_body_from_one_renderer():
    renderer = FaultRenderer("nova")
    assert json.loads(renderer.render(NotFound("a"), "r")[2]) == {"itemNotFound": {"code": 404, "message": "a"}}
    assert json.loads(renderer.render(HTTPError("b", status=409), "r")[2]) == \
        {"conflictingRequest": {"code": 409, "message": "b"}}
    assert json.loads(renderer.render(NotFound("c"), "r")[2]) == {"itemNotFound": {"code": 404, "message": "c"}}
