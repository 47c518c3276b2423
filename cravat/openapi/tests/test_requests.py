"""Requests against a spec: parameters by style and type, bodies per media type, every violation in one 400."""

import json

import pytest

from cravat.openapi import App, RelativeResolver
from cravat.openapi.tests import handlers
from cravat.openapi.tests.conftest import SPECS, openapi
from cravat.testing import Client

H = "cravat.openapi.tests.handlers"
OK = {"200": {"description": "ok"}}


def client(write, paths, version="3.0.3", **add_api):
    app = App()
    app.add_api(write(openapi(paths, version)), **add_api)
    return Client(app)


def echo(*parameters, method="get", body=None, responses=OK):
    op = {"operationId": f"{H}.echo", "parameters": list(parameters), "responses": responses}
    if body is not None:
        op["requestBody"] = body
    return {method: op}


def query(name, schema, **more):
    return {"name": name, "in": "query", "schema": schema, **more}


def problem(response):
    assert response.status_code == 400, response.body
    assert response.content_type == "application/problem+json"
    return json.loads(response.body)


# --- parameters ----------------------------------------------------------------------------------


def test_query_parameters_arrive_with_the_specs_types(write):
    c = client(write, {"/x": echo(query("n", {"type": "integer"}), query("f", {"type": "number"}),
                                  query("b", {"type": "boolean"}), query("s", {"type": "string"}))})
    assert c.get("/x?n=3&f=1.5&b=true&s=3").json == {"n": 3, "f": 1.5, "b": True, "s": "3"}


def test_array_styles_form_exploded_and_not_space_and_pipe_delimited(write):
    c = client(write, {"/x": echo(
        query("a", {"type": "array", "items": {"type": "integer"}}),
        query("b", {"type": "array", "items": {"type": "integer"}}, explode=False),
        query("c", {"type": "array", "items": {"type": "string"}}, style="spaceDelimited", explode=False),
        query("d", {"type": "array", "items": {"type": "integer"}}, style="pipeDelimited", explode=False))})
    assert c.get("/x?a=1&a=2&b=3,4&c=x%20y&d=5|6").json == {"a": [1, 2], "b": [3, 4], "c": ["x", "y"], "d": [5, 6]}


def test_deep_object_and_exploded_form_objects(write):
    obj = {"type": "object", "properties": {"lo": {"type": "integer"}, "hi": {"type": "integer"}}}
    c = client(write, {"/x": echo(query("range", obj, style="deepObject", explode=True)),
                       "/y": {"get": {**echo(query("range", obj))["get"], "operationId": f"{H}.echo_again"}}})
    assert c.get("/x?range[lo]=1&range[hi]=9").json == {"range": {"lo": 1, "hi": 9}}
    assert c.get("/y?lo=2&hi=3").json == {"range": {"lo": 2, "hi": 3}}


def test_path_header_and_cookie_parameters(write):
    c = client(write, {"/pets/{id}": echo(
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
        {"name": "X-Rate", "in": "header", "schema": {"type": "integer"}},
        {"name": "session", "in": "cookie", "schema": {"type": "string"}},
        {"name": "ids", "in": "header", "schema": {"type": "array", "items": {"type": "integer"}}})})
    got = c.get("/pets/7", headers={"X-Rate": "5", "Cookie": "session=abc", "ids": "1,2"}).json
    assert got == {"id": 7, "XRate": 5, "session": "abc", "ids": [1, 2]}


def test_pythonic_params_bind_snake_case_names(write):
    paths = {"/pets/{petId}": {"get": {"operationId": f"{H}.takes_pet_id", "parameters": [
        {"name": "petId", "in": "path", "required": True, "schema": {"type": "integer"}},
        query("limit", {"type": "integer", "default": 5})], "responses": OK}}}
    c = client(write, paths, pythonic_params=True)
    assert c.get("/pets/3").json == {"pet_id": 3, "limit": 5}  # the spec's default, not the function's


def test_defaults_fill_in_absent_parameters(write):
    c = client(write, {"/x": echo(query("limit", {"type": "integer", "default": 20}),
                                  query("sort", {"type": "string", "enum": ["asc", "desc"], "default": "asc"}))})
    assert c.get("/x").json == {"limit": 20, "sort": "asc"}
    assert c.get("/x?limit=3").json == {"limit": 3, "sort": "asc"}


def test_a_bad_request_lists_every_violation_of_every_part_with_pointer_value_and_rule(write):
    body = {"required": True, "content": {"application/json": {"schema": {
        "type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "age": {"minimum": 0}}}}}}
    c = client(write, {"/pets/{id}": echo(
        {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}},
        query("limit", {"type": "integer", "maximum": 10}),
        query("q", {"type": "string"}, required=True),
        {"name": "X-Rate", "in": "header", "schema": {"type": "integer"}},
        method="post", body=body)})
    got = problem(c.post("/pets/x?limit=99", json={"age": -1}, headers={"X-Rate": "fast"}))
    listed = {(e["in"], e["pointer"], e["rule"]) for e in got["errors"]}
    assert listed == {("path", "/id", "type"), ("query", "/limit", "maximum"), ("query", "/q", "required"),
                      ("header", "/X-Rate", "type"), ("body", "/name", "required"), ("body", "/age", "minimum")}
    assert {e["value"] for e in got["errors"] if e["pointer"] in ("/id", "/limit")} == {"x", 99}
    assert "path parameter 'id'" in got["detail"] and "query field 'limit'" in got["detail"]
    assert got["title"] == "Bad Request" and got["status"] == 400


def test_strict_validation_refuses_unknown_query_parameters(write):
    paths = {"/x": echo(query("a", {"type": "string"}))}
    assert client(write, paths).get("/x?a=1&b=2").status_code == 200
    got = problem(client(write, paths, strict_validation=True).get("/x?a=1&b=2"))
    assert got["errors"][0]["pointer"] == "/b"
    assert "the query parameter 'b' is not in the spec" in got["detail"]


# --- bodies ---------------------------------------------------------------------------------------


def test_a_json_body_binds_as_body_with_its_defaults(write):
    schema = {"type": "object", "properties": {"name": {"type": "string"}, "tags": {"type": "array", "default": []},
                                               "owner": {"type": "object", "properties": {
                                                   "kind": {"type": "string", "default": "person"}}}}}
    c = client(write, {"/x": echo(method="post", body={"content": {"application/json": {"schema": schema}}})})
    assert c.post("/x", json={"name": "rex", "owner": {}}).json == \
        {"body": {"name": "rex", "tags": [], "owner": {"kind": "person"}}}


def test_a_required_body_that_is_missing_is_a_400(write):
    c = client(write, {"/x": echo(method="post", body={"required": True, "content": {
        "application/json": {"schema": {"type": "object"}}}})})
    assert c.post("/x").status_code == 400


def test_a_body_of_a_media_type_the_spec_does_not_list_is_a_415(write):
    c = client(write, {"/x": echo(method="post", body={"content": {"application/json": {"schema": {}}}})})
    assert c.post("/x", body=b"a=1", content_type="application/x-www-form-urlencoded").status_code == 415


def test_an_openapi_3_form_body_binds_as_a_dict_with_its_types(write):
    schema = {"type": "object", "properties": {"n": {"type": "integer"}, "tags": {"type": "array", "items": {
        "type": "string"}}}, "required": ["n"]}
    c = client(write, {"/x": echo(method="post", body={"content": {
        "application/x-www-form-urlencoded": {"schema": schema}}})}, strict_validation=True)
    form = "application/x-www-form-urlencoded"
    assert c.post("/x", body=b"n=3&tags=a&tags=b", content_type=form).json == {"body": {"n": 3, "tags": ["a", "b"]}}
    got = problem(c.post("/x", body=b"n=x&other=1", content_type=form))
    assert {(e["pointer"], e["rule"]) for e in got["errors"]} == {("/n", "type"), ("/other", "additionalProperties")}


def test_swagger_2_form_fields_and_files_bind_as_arguments():
    app = App()
    app.add_api(SPECS / "petstore-2.0.yaml", resolver=RelativeResolver(handlers.__name__ + ".Petstore2"))
    c = Client(app)
    got = c.post("/v2/pet/4", body=b"name=rex&status=sold", content_type="application/x-www-form-urlencoded").json
    assert got == {"petId": 4, "name": "rex", "status": "sold"}
    boundary = "XyZ"
    multipart = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"additionalMetadata\"\r\n\r\nhello\r\n"
                 f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"dog.png\"\r\n"
                 f"Content-Type: image/png\r\n\r\nPNGDATA\r\n--{boundary}--\r\n").encode()
    got = c.post("/v2/pet/4/uploadImage", body=multipart, content_type=f"multipart/form-data; boundary={boundary}").json
    assert got == {"petId": 4, "additionalMetadata": "hello", "file": "dog.png"}


def test_a_collection_format_multi_array_of_enums(write):
    app = App()
    app.add_api(SPECS / "petstore-2.0.yaml", resolver=RelativeResolver(handlers.__name__ + ".Petstore2"))
    c = Client(app)
    assert c.get("/v2/pet/findByStatus?status=sold&status=pending").json == {"status": ["sold", "pending"]}
    got = problem(c.get("/v2/pet/findByStatus?status=sold&status=lost"))
    assert got["errors"][0]["pointer"] == "/status/1" and got["errors"][0]["value"] == "lost"


# --- answers --------------------------------------------------------------------------------------


def test_handlers_answer_a_body_a_status_pair_or_a_triple_with_headers():
    app = App()
    app.add_api(SPECS / "petstore-3.0.yaml", resolver=RelativeResolver(handlers))
    c = Client(app)
    handlers.PETS.clear()
    created = c.post("/v1/pets", json={"id": 1, "name": "rex"})
    assert created.status_code == 201 and created.headers["Location"] == "/pets/1" and created.body == b""
    assert c.get("/v1/pets/1").json == {"id": 1, "name": "rex"}
    assert c.get("/v1/pets?limit=5").json == [{"id": 1, "name": "rex"}]
    missing = c.get("/v1/pets/9")
    assert missing.status_code == 404 and missing.json["detail"] == "Pet 9 not found."


def test_response_validation_turns_an_answer_that_breaks_the_spec_into_a_500(write, caplog):
    paths = {"/x": {"get": {"operationId": f"{H}.wrong_answer", "responses": {"200": {"description": "ok", "content": {
        "application/json": {"schema": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}}}}}
    assert client(write, paths).get("/x").status_code == 200
    response = client(write, paths, validate_responses=True).get("/x")
    assert response.status_code == 500 and "does not conform to the spec" in response.json["detail"]
    assert "response field 'id'" in caplog.text


def test_an_async_handler_runs_to_completion(write):
    paths = {"/x": {"get": {"operationId": f"{H}.async_pets", "parameters": [query("limit", {"type": "integer"})],
                            "responses": OK}}}
    assert client(write, paths).get("/x?limit=4").json == {"limit": 4}


def test_a_domain_exception_maps_to_a_status(write):
    paths = {"/x/{name}": {"get": {"operationId": f"{H}.lookup_fails", "parameters": [
        {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": OK}}}
    app = App()
    app.add_api(write(openapi(paths)))
    app.map_error(LookupError, 404)
    response = Client(app).get("/x/y")
    assert response.status_code == 404 and response.json["detail"] == "no 'y' here"


# --- OpenAPI 3.1 ---------------------------------------------------------------------------------


def test_openapi_3_1_schemas_use_json_schema_2020_12(write):
    schema = {"type": "object", "properties": {"point": {"type": "array", "prefixItems": [
        {"type": "number"}, {"type": "number"}], "items": False}, "note": {"type": ["string", "null"]}},
        "dependentRequired": {"note": ["point"]}}
    c = client(write, {"/x": echo(method="post", body={"content": {"application/json": {"schema": schema}}})},
               version="3.1.0")
    assert c.post("/x", json={"point": [1, 2], "note": None}).status_code == 200
    got = problem(c.post("/x", json={"point": [1, "a", 3], "note": "n"}))
    assert {(e["pointer"], e["rule"]) for e in got["errors"]} >= {("/point/1", "type")}
    assert problem(c.post("/x", json={"note": "n"}))["errors"][0]["rule"] == "dependentRequired"


def test_openapi_3_0_nullable_is_a_null_type(write):
    schema = {"type": "object", "properties": {"tag": {"type": "string", "nullable": True}}}
    c = client(write, {"/x": echo(method="post", body={"content": {"application/json": {"schema": schema}}})})
    assert c.post("/x", json={"tag": None}).status_code == 200
    assert c.post("/x", json={"tag": 3}).status_code == 400


def test_a_recursive_schema_validates_at_any_depth(write):
    tree = {"type": "object", "properties": {"value": {"type": "integer"}, "children": {
        "type": "array", "items": {"$ref": "#/components/schemas/Tree"}}}}
    document = openapi({"/x": echo(method="post", body={"content": {"application/json": {"schema": {
        "$ref": "#/components/schemas/Tree"}}}})}, components={"schemas": {"Tree": tree}})
    app = App()
    app.add_api(write(document))
    c = Client(app)
    assert c.post("/x", json={"value": 1, "children": [{"value": 2, "children": [{"value": 3}]}]}).status_code == 200
    got = problem(c.post("/x", json={"value": 1, "children": [{"children": [{"value": "deep"}]}]}))
    assert got["errors"][0]["pointer"] == "/children/0/children/0/value"


@pytest.mark.parametrize("path", ["/v1/openapi.json", "/v1/ui/", "/v1/ui/swagger-ui-bundle.js"])
def test_the_spec_and_the_docs_page_are_served_beside_the_api(path):
    app = App()
    app.add_api(SPECS / "petstore-3.0.yaml", stub=True)
    assert Client(app).get(path).status_code == 200


def test_handlers_written_for_connexion_return_its_no_content_and_problems(write):
    pytest.importorskip("connexion")  # the bench extra installs it; ./dev test has it
    paths = {"/x/{name}": {"get": {"operationId": f"{H}.connexion_style", "parameters": [
        {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": OK}}}
    c = client(write, paths)
    assert c.get("/x/rex").json == {"name": "rex"}
    none = c.get("/x/none")
    assert none.status_code == 204 and none.body == b""
    gone = c.get("/x/gone")
    assert gone.status_code == 410 and gone.headers["X-Why"] == "retired"
    assert gone.content_type == "application/problem+json" and gone.json["detail"] == "gone is gone"


def test_a_multipart_part_without_a_name_is_a_400_not_a_500():
    app = App()
    app.add_api(SPECS / "petstore-2.0.yaml", resolver=RelativeResolver(handlers.__name__ + ".Petstore2"))
    body = b"--b\r\nFalse--b--\r\n"
    response = Client(app).post("/v2/pet/1/uploadImage", body=body, content_type="multipart/form-data; boundary=b")
    assert response.status_code == 400 and "a form part has no name" in response.json["detail"]


def test_a_body_of_a_media_type_json_schema_cannot_check_is_handed_over_as_bytes():
    app = App()
    app.add_api(SPECS / "petstore-2.0.yaml", resolver=RelativeResolver(handlers.__name__ + ".Petstore2"))
    response = Client(app).post("/v2/pet", body=b"<Pet><name>rex</name></Pet>", content_type="application/xml")
    assert response.status_code == 200 and response.json == {"body": "<Pet><name>rex</name></Pet>"}
