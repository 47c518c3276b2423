"""Argument binding: every handler argument by name, from the path, query, headers, body or a resource."""

import contextlib
import functools
import uuid

import pytest

import cravat
from cravat.testing import Client


def serve(template, handler, *, method="get", **api_settings):
    """An API with one responder at ``template`` whose ``on_<method>`` is ``handler`` itself."""
    responder = type("R", (), {f"on_{method}": staticmethod(handler)})
    api = cravat.API(**api_settings)
    api.route(template, responder())
    return api


def test_a_handler_naming_every_path_parameter_gets_them_all():
    api = serve("/servers/{server_id}/ips/{id}", lambda req, server_id, id: {"s": server_id, "i": id})
    assert Client(api).get("/servers/a/ips/b").json == {"s": "a", "i": "b"}
    assert api.implementation("ips:get").binding.path == ("server_id", "id")


def test_a_handler_may_leave_out_path_parameters():
    api = serve("/{project_id}/servers/{id}", lambda req, id: {"id": id, "all": req.path_params})
    assert Client(api).get("/p/servers/7").json == {"id": "7", "all": {"project_id": "p", "id": "7"}}


def test_a_handler_with_var_keywords_gets_every_path_parameter():
    api = serve("/{project_id}/servers/{id}", lambda req, **params: params)
    assert Client(api).get("/p/servers/7").json == {"project_id": "p", "id": "7"}


def test_keyword_only_parameters_bind_like_any_other():
    api = serve("/servers/{id}", lambda req, *, id, body=None: {"id": id, "body": body}, method="post")
    assert Client(api).post("/servers/3", json={"a": 1}).json == {"id": "3", "body": {"a": 1}}


def test_the_body_is_required_unless_it_has_a_default():
    required = serve("/x", lambda req, body: body, method="post")
    optional = serve("/x", lambda req, body=None: {"body": body}, method="post")
    assert Client(required).post("/x").status_code == 400
    assert "x:post needs a request body" in Client(required).post("/x").json["badRequest"]["message"]
    assert Client(optional).post("/x").json == {"body": None}


def test_an_argument_nothing_provides_is_a_start_up_error_naming_it_and_what_is_available():
    api = serve("/servers/{id}", lambda req, id, colour: None)
    with pytest.raises(cravat.DeclarationError) as info:
        api.compile()
    message = str(info.value)
    assert "the handler takes 'colour', which nothing provides" in message
    assert "available: body, id, query" in message
    assert "test_binding.py" in message


def test_a_handler_must_take_the_request():
    with pytest.raises(cravat.DeclarationError, match="must take the request as its first argument"):
        serve("/ping", lambda: None)


def test_a_bound_method_does_not_count_self():
    class Servers:
        def show(self, req, id, body=None):
            return {"id": id}

    api = cravat.API()
    api.resource("/servers", Servers())
    assert Client(api).get("/servers/1").json == {"id": "1"}


def test_wrapped_handlers_are_read_through_their_wrapper():
    def show(req, id, body):
        return {"id": id, "body": body}

    @functools.wraps(show)
    def wrapper(*args, **kwargs):
        return show(*args, **kwargs)

    api = serve("/s/{id}", wrapper, method="post")
    assert Client(api).post("/s/1").status_code == 400  # body is required, as show() says
    assert Client(api).post("/s/1", json={"a": 1}).json == {"id": "1", "body": {"a": 1}}


def test_callable_objects_and_partials_are_bound_by_their_signature():
    class Handler:
        def __call__(self, req, id):
            return {"id": id}

    assert Client(serve("/s/{id}", Handler())).get("/s/1").json == {"id": "1"}
    partial = functools.partial(lambda prefix, req, id, colour=None: {"p": prefix, "id": id}, "p")
    assert Client(serve("/s/{id}", partial)).get("/s/2").json == {"p": "p", "id": "2"}


def test_query_schema_properties_bind_by_name_coerced():
    query = {"type": "object", "properties": {"limit": {"type": "integer"}, "marker": {"type": "string"}},
             "additionalProperties": False}

    class Servers:
        @cravat.validate(query=query)
        def index(self, req, limit=20, marker=None):
            return {"limit": limit, "marker": marker}

    api = cravat.API()
    api.resource("/servers", Servers())
    client = Client(api)
    assert client.get("/servers?limit=5&marker=abc").json == {"limit": 5, "marker": "abc"}
    assert client.get("/servers").json == {"limit": 20, "marker": None}
    assert client.get("/servers?limit=many").status_code == 400


def test_headers_and_query_parameters_bind_when_declared():
    class Secrets:
        @cravat.bind(token=cravat.Header("X-Auth-Token"), limit=cravat.Query(int, default=10),
                     project=cravat.Header("X-Project-Id", required=True))
        def index(self, req, project, token=None, limit=10):
            return {"token": token, "limit": limit, "project": project}

    api = cravat.API()
    api.resource("/secrets", Secrets())
    client = Client(api)
    response = client.get("/secrets?limit=3", headers={"X-Auth-Token": "t", "X-Project-Id": "p"})
    assert response.json == {"token": "t", "limit": 3, "project": "p"}
    assert client.get("/secrets", headers={"X-Project-Id": "p"}).json == {"token": None, "limit": 10, "project": "p"}
    missing = client.get("/secrets")
    assert (missing.status_code, missing.json["badRequest"]["message"]) == (
        400, "The header X-Project-Id is required.")
    bad = client.get("/secrets?limit=ten", headers={"X-Project-Id": "p"})
    assert bad.status_code == 400
    assert "query parameter 'limit' 'ten' is not valid" in bad.json["badRequest"]["message"]


def test_binding_a_name_the_handler_does_not_take_is_an_error():
    class Secrets:
        @cravat.bind(token=cravat.Header("X-Auth-Token"))
        def index(self, req):
            return {}

    api = cravat.API()
    api.resource("/secrets", Secrets())
    with pytest.raises(cravat.DeclarationError, match="bind\\(\\) names 'token', which the handler does not take"):
        api.compile()


def test_a_resource_is_opened_around_the_call_and_closed_before_the_answer():
    events = []

    @contextlib.contextmanager
    def session(req):
        events.append("open")
        try:
            yield {"request": req.request_id}
        except Exception:
            events.append("rollback")
            raise
        else:
            events.append("commit")

    class Things:
        def index(self, req, session):
            events.append("call")
            return {"same": session["request"] == req.request_id}

        def show(self, req, id, session):
            raise cravat.errors.NotFound(f"No thing {id}.")

    api = cravat.API()
    api.add_resource("session", session)
    api.resource("/things", Things())
    client = Client(api)
    assert client.get("/things").json == {"same": True}
    assert events == ["open", "call", "commit"]
    events.clear()
    assert client.get("/things/1").status_code == 404
    assert events == ["open", "rollback"]


def test_a_failure_closing_a_resource_is_the_answer_not_a_success():
    @contextlib.contextmanager
    def session(req):
        yield None
        raise cravat.errors.ServiceUnavailable("The database went away during the commit.")

    class Things:
        def create(self, req, body, session):
            return body

    api = cravat.API()
    api.add_resource("session", session)
    api.resource("/things", Things())
    response = Client(api).post("/things", json={"a": 1})
    assert response.status_code == 503


def test_only_handlers_that_ask_for_a_resource_open_it():
    opened = []

    @contextlib.contextmanager
    def session(req):
        opened.append(1)
        yield None

    class Things:
        def index(self, req):
            return []

    api = cravat.API()
    api.add_resource("session", session)
    api.resource("/things", Things())
    Client(api).get("/things")
    assert opened == []
    assert [s.name for s in api.implementation("things:index").steps] == ["negotiate media type", "call"]


def test_a_resource_name_is_registered_once():
    api = cravat.API()
    api.add_resource("session", contextlib.nullcontext)
    with pytest.raises(cravat.DeclarationError, match="'session' is registered already"):
        api.add_resource("session", contextlib.nullcontext)
    with pytest.raises(cravat.DeclarationError, match="'body' cannot name a handler argument"):
        api.add_resource("body", contextlib.nullcontext)


def test_typed_path_parameters_arrive_as_their_type_and_build_urls():
    class Servers:
        def show(self, req, id):
            return {"id": id, "type": type(id).__name__, "self": req.url_for("servers:show", id=id)}

    class Keys:
        def show(self, req, id):
            return {"type": type(id).__name__, "hex": id.hex}

    api = cravat.API()
    api.resource("/servers", Servers(), member="{id:int}")
    api.resource("/keys", Keys(), member="{id:uuid}")
    client = Client(api)
    assert client.get("/servers/42").json == {"id": 42, "type": "int", "self": "http://127.0.0.1/servers/42"}
    assert client.get("/servers/forty").status_code == 404
    key = uuid.uuid4()
    assert client.get(f"/keys/{key}").json == {"type": "UUID", "hex": key.hex}
    assert "does not match {id:uuid}" in client.get("/keys/nope").json["itemNotFound"]["message"]


def test_partial_segments_bind_each_parameter():
    api = serve("/files/{name}.{ext}", lambda req, name, ext: {"name": name, "ext": ext})
    assert Client(api).get("/files/report.tar").json == {"name": "report", "ext": "tar"}


def test_a_path_argument_missing_from_the_project_id_free_form_needs_a_default():
    class Servers:
        def index(self, req, project_id):
            return {"project": project_id}

    api = cravat.API(project_id="optional")
    api.resource("/servers", Servers())
    with pytest.raises(cravat.DeclarationError, match="the handler takes 'project_id', which /servers does not have"):
        api.compile()


def test_a_project_id_argument_with_a_default_is_filled_where_the_path_has_it():
    class Servers:
        def index(self, req, project_id=None):
            return {"project": project_id}

    api = cravat.API(project_id="optional")
    api.resource("/servers", Servers())
    client = Client(api)
    assert client.get("/servers").json == {"project": None}
    assert client.get("/abc/servers").json == {"project": "abc"}


# --- a prepared signature (OperationDecl.signature): handlers of another calling convention ----------


def _adapted_api(signature, adapter):
    from types import MappingProxyType

    from cravat.api.declarations import OperationDecl, Where
    from cravat.api.declare import Declaration
    from cravat.routing.template import parse_template

    api = cravat.API()
    template = parse_template("/pets/{pet_id}")
    decl = OperationDecl(name="pets:add", method="POST", template=template, handler=adapter,
                         facts=Declaration(), owner=None, source="tests.adapter", where=Where("t.py", 1),
                         mounts=api.mounts(template),
                         signature=cravat.api.Signature(MappingProxyType(signature), False))
    api.add_declarations([decl])
    return api


def test_a_prepared_signature_binds_by_its_names_not_the_handlers():
    def adapter(req, **arguments):  # takes anything; the signature says what it is given
        return {"got": sorted(arguments), "body": arguments.get("body")}

    api = _adapted_api({"body": False}, adapter)
    assert Client(api).post("/pets/1", json={"a": 1}).json == {"got": ["body"], "body": {"a": 1}}
    assert Client(api).post("/pets/1").status_code == 400  # the prepared body has no default: required
    assert api.implementation("pets:add").binding.takes_body


def test_a_prepared_signature_naming_what_nothing_provides_is_a_start_up_error():
    api = _adapted_api({"colour": False}, lambda req, **arguments: None)
    with pytest.raises(cravat.DeclarationError, match="the handler takes 'colour', which nothing provides"):
        api.compile()
