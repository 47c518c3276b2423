"""The defects a review of the first kernel found, each reproduced through the public surface.

Each test failed on the code before the operation kernel was reshaped.
"""

import pytest

import cravat
from cravat.testing import Client
from examples import compute

MICRO = cravat.Microversions("compute", "2.1", "2.10")


def test_a_query_integer_past_pythons_digit_limit_is_a_400_not_a_500():
    response = Client(compute.build_app()).get("/servers?limit=" + "9" * 4301)
    assert response.status_code == 400
    assert "Invalid input for query field 'limit'" in response.json["badRequest"]["message"]


def test_a_number_query_parameter_past_the_digit_limit_is_a_400():
    class Numbers:
        @cravat.validate(query={"type": "object", "properties": {"ratio": {"type": "number"}},
                                "additionalProperties": False})
        def index(self, req, query):
            return query

    api = cravat.API()
    api.resource("/numbers", Numbers())
    response = Client(api).get("/numbers?ratio=" + "1" * 5000)
    assert response.status_code == 400


@pytest.mark.parametrize("responder", [cravat.VersionList([compute.VERSION]), cravat.VersionDetail(compute.VERSION)])
def test_a_version_document_answers_whatever_version_is_asked(responder):
    api = cravat.API(microversions=MICRO)
    api.route("/", responder)
    for header in ("compute 9.9", "compute 2.x", "compute 2.1, compute 2.2"):
        response = Client(api).get("/", headers={"OpenStack-API-Version": header})
        assert response.status_code in (200, 300), (header, response.body)


def test_the_example_versions_app_answers_an_out_of_range_version():
    response = Client(compute.build_versions_app()).get("/", headers={"OpenStack-API-Version": "compute 9.9"})
    assert response.status_code == 200
    assert response.json["versions"][0]["id"] == "v2.1"


def test_a_route_refused_under_an_optional_project_id_leaves_nothing_routed():
    class Y:
        def on_get(self, req, x):
            return {"x": x}

    api = cravat.API(project_id="optional")
    # Its project id form, /{project_id:[0-9a-f-]+}/{x:[a-z]+}/y, is ambiguous with it at segment 1.
    with pytest.raises(cravat.RouteConflict, match="ambiguous routes"):
        api.route("/{x:[a-z]+}/y", Y())
    assert api.operation_names == []
    assert Client(api).get("/abc/y").status_code == 404


def test_an_action_table_is_one_table_for_every_project_id_form():
    class Servers:
        @cravat.action("os-start", status=202)
        def start(self, req, id, body):
            return None

    api = cravat.API(project_id="optional")
    api.resource("/servers", Servers())
    short = api.router.match("/servers/1/action")[0].endpoints["POST"]
    long = api.router.match("/abc/servers/1/action")[0].endpoints["POST"]
    assert short is long
    assert Client(api).post("/abc/servers/1/action", json={"os-start": None}).status_code == 202


def test_choosing_an_implementation_by_version_changes_nothing_on_it():
    class Servers:
        @cravat.versioned(cravat.Variant("2.1", "2.4"), cravat.Variant("2.5", handler="show_new"))
        def show(self, req, id):
            return {"old": id}

        def show_new(self, req, id):
            return {"new": id}

    api = cravat.API(microversions=MICRO)
    api.resource("/servers", Servers())
    client = Client(api)
    before = [dict(_fields(impl)) for impl in api.implementations("servers:show")]
    for minor in range(1, 11):
        assert client.get("/servers/1", headers={"OpenStack-API-Version": f"compute 2.{minor}"}).status_code == 200
    assert [dict(_fields(impl)) for impl in api.implementations("servers:show")] == before


def _fields(impl):
    return ((name, getattr(impl, name)) for name in impl.__slots__)


def test_the_router_answer_cannot_be_changed_by_one_caller_for_the_next():
    api = cravat.API()

    class Ping:
        def on_get(self, req):
            return {}

    api.route("/ping", Ping())
    _, values = api.router.match("/ping")
    with pytest.raises(AttributeError):
        values.append("x")


def test_the_negotiators_headers_cannot_be_changed_by_one_answer_for_the_next():
    negotiator = cravat.versions.Negotiator(MICRO)
    headers = negotiator.headers(cravat.APIVersion(2, 3))
    with pytest.raises(AttributeError):
        headers.append(("X-Leak", "1"))
    assert negotiator.headers(cravat.APIVersion(2, 3)) == headers


def test_a_version_hashes_as_the_string_it_equals():
    v = cravat.APIVersion(2, 1)
    assert v == "2.1" and "2.1" in {v} and v in {"2.1"}
    assert {v: "x"}["2.1"] == "x"
    assert v != (2, 1) and v != "latest" and v != "2.01"


def test_comparing_the_request_version_with_latest_in_a_handler_is_no_500():
    class Version:
        def on_get(self, req):
            return {"latest": req.version == "latest", "equal": req.version == "2.5"}

    api = cravat.API(microversions=MICRO)
    api.route("/v", Version())
    response = Client(api).get("/v", headers={"OpenStack-API-Version": "compute 2.5"})
    assert (response.status_code, response.json) == (200, {"latest": False, "equal": True})


def test_two_apis_keep_their_own_formats():
    schema = {"type": "object", "properties": {"flavor": {"type": "string", "format": "flavor"}},
              "additionalProperties": False}

    class Servers:
        @cravat.validate(body=schema)
        def create(self, req, body):
            return body

    strict = cravat.API(formats={"flavor": r"^m1\.[a-z]+\Z"})
    strict.resource("/servers", Servers())
    lenient = cravat.API()
    lenient.resource("/servers", Servers())
    assert Client(strict).post("/servers", json={"flavor": "big"}).status_code == 400
    assert Client(lenient).post("/servers", json={"flavor": "big"}).status_code == 201


@pytest.mark.parametrize("length", ["1_0", " 10 ", "\u0661\u0660", "+10", "0x0a", "10.0"])
def test_a_content_length_other_than_ascii_digits_is_400_naming_the_header(length):
    response = _echo().post("/echo", body=b'{"a": 12345}', content_type="application/json",
                            environ={"CONTENT_LENGTH": length})
    assert response.status_code == 400
    assert "Content-Length" in response.json["badRequest"]["message"]


@pytest.mark.parametrize("coding", ["gzip, chunked", "chunked, gzip", "gzip", "identity"])
def test_a_transfer_coding_other_than_chunked_is_501_naming_the_header(coding):
    response = _echo().post("/echo", body=b"{}", content_type="application/json",
                            headers={"Transfer-Encoding": coding}, environ={"wsgi.input_terminated": True})
    assert response.status_code == 501
    assert "Transfer-Encoding" in response.json["notImplemented"]["message"]


def _echo():
    class Echo:
        def on_post(self, req, body=None):
            return {"got": body}

    api = cravat.API()
    api.route("/echo", Echo())
    return Client(api)


def test_declaring_after_the_api_has_served_is_an_error():
    class Ping:
        def on_get(self, req):
            return {}

    api = cravat.API()
    api.route("/ping", Ping())
    assert Client(api).get("/ping").status_code == 200
    with pytest.raises(cravat.DeclarationError, match="the API is compiled"):
        api.route("/pong", Ping())
    assert Client(api).get("/pong").status_code == 404
