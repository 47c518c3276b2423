"""``@cravat.produces("*/*")``: an operation that negotiates its own answer sees every Accept, unparsed."""

from __future__ import annotations

import cravat
from cravat import Result
from cravat.testing import Client


class Payloads:
    @cravat.produces("*/*")
    def show(self, req, id):
        accept = req.environ.get("HTTP_ACCEPT")
        if accept == "application/x-unknown":
            raise cravat.errors.NotAcceptable(f"no {accept} here")
        return Result(f"{id}:{accept}".encode(), content_type=accept or "application/octet-stream")

    def index(self, req):
        return {"payloads": []}


def client() -> Client:
    api = cravat.API(error_style="barbican")
    api.resource("/payloads", Payloads())
    return Client(api)


def test_any_accept_reaches_the_handler_as_sent():
    answer = client().get("/payloads/7", headers={"Accept": "text/plain;charset=utf-8"})
    assert answer.status_code == 200
    assert answer.body == b"7:text/plain;charset=utf-8"
    assert answer.headers["Content-Type"] == "text/plain;charset=utf-8"


def test_an_accept_cravat_would_not_parse_is_the_handlers_to_judge():
    answer = client().get("/payloads/7", headers={"Accept": "not a media range"})
    assert answer.status_code == 200 and answer.body == b"7:not a media range"


def test_the_handler_answers_406_itself():
    answer = client().get("/payloads/7", headers={"Accept": "application/x-unknown"})
    assert answer.status_code == 406
    assert answer.json["description"] == "no application/x-unknown here"


def test_other_operations_still_negotiate():
    answer = client().get("/payloads", headers={"Accept": "text/plain"})
    assert answer.status_code == 406
