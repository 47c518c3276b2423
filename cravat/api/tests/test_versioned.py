"""Versioned operations and validation, declared and dispatched (in-process)."""

import logging

import pytest

import cravat
from cravat import Variant
from cravat.testing import Client

MICRO = cravat.Microversions("compute", "2.1", "2.90", legacy_header="X-OpenStack-Nova-API-Version")
NAME_ONLY = {"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"],
             "additionalProperties": False}
WITH_IMAGE = {"type": "object", "properties": {"name": {"type": "string"}, "image": {"type": "string"}},
              "required": ["name", "image"], "additionalProperties": False}
PAGING = {"type": "object", "properties": {"limit": {"type": "integer", "minimum": 1}},
          "additionalProperties": False}


class Servers:
    @cravat.versioned(
        Variant("2.1", "2.39", body=NAME_ONLY, status=202),
        Variant("2.40", body=WITH_IMAGE, status=201, handler="create_with_image"),
    )
    def create(self, req, body):
        return {"made": body["name"], "version": str(req.version)}

    def create_with_image(self, req, body):
        return {"made": body["name"], "image": body["image"], "version": str(req.version)}

    @cravat.validate(query=PAGING)
    def index(self, req, query):
        return {"query": query, "new": req.version >= "2.40"}

    @cravat.versioned(Variant("2.50"))
    def show(self, req, id):
        return {"id": id}


def client(**settings):
    settings.setdefault("microversions", MICRO)
    api = cravat.API(**settings)
    api.resource("/servers", Servers())
    return Client(api)


def at(version):
    return {"OpenStack-API-Version": f"compute {version}"}


def test_the_implementation_is_chosen_by_version_with_its_own_status_and_schema():
    old = client().post("/servers", json={"name": "a"}, headers=at("2.39"))
    new = client().post("/servers", json={"name": "a", "image": "cirros"}, headers=at("2.40"))
    assert (old.status_code, old.json) == (202, {"made": "a", "version": "2.39"})
    assert (new.status_code, new.json) == (201, {"made": "a", "image": "cirros", "version": "2.40"})


def test_each_range_validates_with_its_own_schema():
    response = client().post("/servers", json={"name": "a"}, headers=at("2.40"))
    assert response.status_code == 400
    assert "'image': the field is required but missing" in response.json["badRequest"]["message"]


def test_no_header_gets_the_minimum():
    assert client().post("/servers", json={"name": "a"}).json["version"] == "2.1"


def test_an_operation_outside_every_range_is_404_saying_where_it_is():
    response = client().get("/servers/1", headers=at("2.49"))
    assert response.status_code == 404
    assert response.json["itemNotFound"]["message"] == \
        "servers:show is not available in version 2.49; it is in 2.50-latest."
    assert client().get("/servers/1", headers=at("2.50")).json == {"id": "1"}


def test_the_unavailable_status_can_be_406():
    micro = cravat.Microversions("compute", "2.1", "2.90", unavailable_status=406)
    assert client(microversions=micro).get("/servers/1").status_code == 406


def test_handlers_compare_the_request_version_with_strings():
    assert client().get("/servers", headers=at("2.40")).json["new"] is True
    assert client().get("/servers", headers=at("2.9")).json["new"] is False


def test_every_answer_carries_the_version_headers_faults_included():
    for response in (client().get("/servers", headers=at("2.7")),
                     client().get("/nowhere", headers=at("2.7")),
                     client().patch("/servers", headers=at("2.7")),
                     client().request("OPTIONS", "/servers", headers=at("2.7"))):
        assert response.headers["OpenStack-API-Version"] == "compute 2.7"
        assert response.headers["X-OpenStack-Nova-API-Version"] == "2.7"
        assert response.headers["Vary"] == "OpenStack-API-Version, X-OpenStack-Nova-API-Version"


def test_a_refused_version_is_answered_in_the_default_version():
    response = client().get("/servers", headers=at("3.0"))
    assert response.status_code == 406
    assert response.headers["OpenStack-API-Version"] == "compute 2.1"
    assert response.json["notAcceptable"]["code"] == 406


def test_query_values_are_coerced_and_validated():
    assert client().get("/servers?limit=5").json["query"] == {"limit": 5}
    response = client().get("/servers?limit=five")
    assert response.status_code == 400
    assert response.json["badRequest"]["message"] == \
        "Invalid input for query field 'limit': 'five' is not of type 'integer'."


def test_an_unknown_query_parameter_is_refused_when_the_schema_is_closed():
    response = client().get("/servers?colour=red")
    assert response.status_code == 400
    assert "'colour': the field is not allowed" in response.json["badRequest"]["message"]


def test_an_unversioned_api_has_no_version_headers_and_no_request_version():
    api = cravat.API()

    class Plain:
        def index(self, req):
            return {"version": req.version}

    api.resource("/things", Plain())
    response = Client(api).get("/things")
    assert response.json == {"version": None}
    assert "OpenStack-API-Version" not in response.headers


# --- start-up errors ---------------------------------------------------------

def declare(method, *, microversions=MICRO, **options):
    class Controller:
        pass

    Controller.create = method
    api = cravat.API(microversions=microversions, **options)
    api.resource("/things", Controller())
    return api


def test_overlapping_ranges_are_a_start_up_error_naming_the_operation():
    @cravat.versioned(Variant("2.1", "2.10"), Variant("2.5"))
    def create(self, req, body): ...

    with pytest.raises(cravat.DeclarationError,
                       match="things:create .* version ranges 2.1-2.10 and 2.5-latest overlap"):
        declare(create)


def test_a_gap_between_ranges_is_a_start_up_error():
    @cravat.versioned(Variant("2.1", "2.10"), Variant("2.12"))
    def create(self, req, body): ...

    with pytest.raises(cravat.DeclarationError, match="2.1-2.10 and 2.12-latest leave a gap"):
        declare(create)


def test_a_range_outside_the_api_is_a_start_up_error():
    @cravat.versioned(Variant("2.1", "3.5"))
    def create(self, req, body): ...

    with pytest.raises(cravat.DeclarationError, match="version range 2.1-3.5 is outside the API's 2.1-2.90"):
        declare(create)


def test_versions_on_an_api_without_microversions_are_a_start_up_error():
    @cravat.versioned(Variant("2.1"))
    def create(self, req, body): ...

    with pytest.raises(cravat.DeclarationError, match="the API has no microversions"):
        declare(create, microversions=None)


def test_a_version_handler_that_is_not_a_method_is_a_start_up_error():
    @cravat.versioned(Variant("2.1", handler="nope"))
    def create(self, req, body): ...

    with pytest.raises(cravat.DeclarationError, match="version handler 'nope' is not a method"):
        declare(create)


def test_a_schema_leaving_additional_properties_open_is_a_start_up_error_in_strict_mode():
    @cravat.validate(body={"type": "object", "properties": {"meta": {"type": "object"}},
                           "additionalProperties": False})
    def create(self, req, body): ...

    with pytest.raises(cravat.DeclarationError, match="leaves additionalProperties undeclared at /properties/meta"):
        declare(create)


def test_lenient_mode_warns_and_accepts_unknown_properties(caplog):
    @cravat.validate(body={"type": "object", "properties": {"name": {"type": "string"}}})
    def create(self, req, body):
        return body

    with caplog.at_level(logging.WARNING, logger="cravat"):
        api = declare(create, strict_validation=False)
    assert "leaves additionalProperties undeclared at /" in caplog.text
    assert Client(api).post("/things", json={"name": "a", "extra": 1}).status_code == 201


def test_an_invalid_schema_is_a_start_up_error():
    @cravat.validate(body={"type": "objekt", "additionalProperties": False})
    def create(self, req, body): ...

    with pytest.raises(cravat.DeclarationError, match="things:create .*the schema is invalid"):
        declare(create)


# --- response validation -----------------------------------------------------

RESPONSE = {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]}


def responder_api(mode):
    class Thing:
        @cravat.validate(response=RESPONSE)
        def on_get(self, req):
            return {"id": 7}

    api = cravat.API(response_validation=mode)
    api.route("/thing", Thing())
    return Client(api)


def test_response_validation_error_mode_is_a_500_with_the_details_only_in_the_log(caplog):
    with caplog.at_level(logging.ERROR, logger="cravat"):
        response = responder_api("error").get("/thing")
    assert response.status_code == 500
    message = response.json["computeFault"]["message"]
    assert "thing:get does not match its schema" in message
    assert "'id'" not in message
    assert "breaks its schema: Invalid input for response field 'id': 7 is not of type 'string'" in caplog.text


def test_response_validation_warn_mode_logs_and_answers(caplog):
    with caplog.at_level(logging.WARNING, logger="cravat"):
        response = responder_api("warn").get("/thing")
    assert response.json == {"id": 7}
    assert "breaks its schema" in caplog.text


def test_response_validation_ignore_mode_does_nothing(caplog):
    with caplog.at_level(logging.WARNING, logger="cravat"):
        assert responder_api("ignore").get("/thing").json == {"id": 7}
    assert "breaks its schema" not in caplog.text
