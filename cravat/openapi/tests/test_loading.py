"""Loading a spec: bad specs are load-time errors naming the file, the line and column, and the JSON path."""

import re

import pytest

from cravat.openapi import App, SpecError, load_spec
from cravat.openapi.tests.conftest import SPECS, openapi

H = "cravat.openapi.tests.handlers"


def ok_response():
    return {"200": {"description": "ok"}}


def test_every_finding_of_the_validator_is_reported_with_its_json_path_line_and_column(write):
    path = write("""\
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /pets:
    get:
      operationId: cravat.openapi.tests.handlers.listPets
      responses: {}
  /pets/{id}:
    get:
      operationId: cravat.openapi.tests.handlers.showPetById
      parameters:
        - {name: id, in: path, schema: {type: string}}
      responses:
        "200": {description: ok}
""")
    with pytest.raises(SpecError) as info:
        App().add_api(path)
    text = str(info.value)
    assert "2 problems" in text
    assert f"{path}:7:7: $.paths['/pets'].get.responses: {{}} has less than 1 property" in text
    assert f"{path}:12:11: $.paths['/pets/{{id}}'].get.parameters[0]" in text


def test_an_unknown_ref_names_where_it_is_written(write):
    path = write(openapi({"/pets": {"get": {"operationId": f"{H}.listPets", "responses": {
        "200": {"description": "ok", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Nope"}}}}
    }}}}))
    with pytest.raises(SpecError) as info:
        App().add_api(path)
    assert "$ref '#/components/schemas/Nope' points nowhere: '/components/schemas/Nope' is not in the document" \
        in str(info.value)
    assert re.search(rf"{re.escape(path)}:15:17: \$ref", str(info.value))


def test_refs_to_a_relative_file_resolve_and_validate(write):
    write({"Limit": {"type": "integer", "maximum": 5}}, name="common.yaml")
    path = write(openapi({"/pets": {"get": {"operationId": f"{H}.listPets", "parameters": [
        {"name": "limit", "in": "query", "schema": {"$ref": "common.yaml#/Limit"}}], "responses": ok_response()}}}))
    app = App()
    app.add_api(path)
    from cravat.testing import Client
    assert Client(app).get("/pets?limit=9").status_code == 400
    assert Client(app).get("/pets?limit=2").status_code == 200


def test_a_ref_to_a_missing_file_is_an_error_naming_it(write):
    path = write(openapi({"/pets": {"get": {"operationId": f"{H}.listPets", "parameters": [
        {"$ref": "missing.yaml#/Limit"}], "responses": ok_response()}}}))
    with pytest.raises(SpecError, match="missing.yaml#/Limit' points nowhere: the file it names cannot be read"):
        App().add_api(path)


def test_a_path_parameter_missing_from_the_template_is_an_error(write):
    path = write(openapi({"/pets": {"get": {"operationId": f"{H}.echo", "parameters": [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": ok_response()}}}))
    with pytest.raises(SpecError) as info:
        App().add_api(path)
    assert f"{path}:7:5: $.paths['/pets'].get: Path parameter 'id' for 'get' operation in '/pets' was not resolved" \
        in str(info.value)


def test_a_template_parameter_that_is_not_declared_is_an_error(write):
    path = write(openapi({"/pets/{id}": {"get": {"operationId": f"{H}.echo", "responses": ok_response()}}}))
    with pytest.raises(SpecError) as info:
        App().add_api(path)
    assert "path parameter 'id' of the template /pets/{id} is not declared" in str(info.value) or \
        "Path parameter 'id'" in str(info.value)


def test_a_duplicate_operation_id_is_an_error_naming_both(write):
    path = write(openapi({"/a": {"get": {"operationId": f"{H}.echo", "responses": ok_response()}},
                          "/b": {"get": {"operationId": f"{H}.echo", "responses": ok_response()}}}))
    with pytest.raises(SpecError) as info:
        App().add_api(path)
    assert f"{H}.echo" in str(info.value) and "/a" in str(info.value) and "/b" in str(info.value)


def test_an_operation_id_that_does_not_resolve_is_an_error_naming_it_and_its_line(write):
    path = write(openapi({"/a": {"get": {"operationId": f"{H}.no_such_function", "responses": ok_response()}},
                          "/b": {"get": {"operationId": "no_such_package.mod.fn", "responses": ok_response()}}}))
    with pytest.raises(SpecError) as info:
        App().add_api(path)
    text = str(info.value)
    assert f"{path}:7:5: operationId '{H}.no_such_function' does not resolve" in text
    assert "operationId 'no_such_package.mod.fn' does not resolve" in text


def test_with_stub_an_operation_that_does_not_resolve_answers_501(write):
    from cravat.testing import Client
    path = write(openapi({"/a": {"get": {"operationId": "nowhere.fn", "responses": ok_response()}}}))
    app = App()
    app.add_api(path, stub=True)
    response = Client(app).get("/a")
    assert response.status_code == 501 and "'nowhere.fn' is not implemented" in response.json["detail"]


def test_a_function_that_cannot_take_a_path_parameter_is_an_error(write):
    path = write(openapi({"/pets/{id}": {"get": {"operationId": f"{H}.listPets", "parameters": [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}], "responses": ok_response()}}}))
    with pytest.raises(SpecError, match="the handler does not take path parameter 'id'"):
        App().add_api(path)


def test_a_function_requiring_an_argument_the_spec_does_not_declare_is_an_error(write):
    path = write(openapi({"/x": {"get": {"operationId": f"{H}.needs_more", "responses": ok_response()}}}))
    with pytest.raises(SpecError, match="the handler requires 'colour', which the spec does not declare"):
        App().add_api(path)


def test_yaml_that_does_not_parse_names_the_line():
    import tempfile
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as f:
        f.write("openapi: 3.0.3\ninfo: [unclosed\n")
    with pytest.raises(SpecError, match=r":3:1: is not YAML"):
        load_spec(f.name)


def test_a_document_that_is_no_openapi_says_what_it_has(write):
    with pytest.raises(SpecError, match="not a Swagger 2.0, OpenAPI 3.0 or 3.1 document: it has openapi: '4.0'"):
        load_spec(write({"openapi": "4.0", "paths": {}}))


def test_a_missing_file_is_an_error_naming_it():
    with pytest.raises(SpecError, match="nope.yaml: cannot be read"):
        load_spec("nope.yaml")


def test_two_specs_on_one_base_path_are_an_error():
    app = App()
    app.add_api(SPECS / "petstore-3.0.yaml", stub=True)
    with pytest.raises(SpecError, match="base path '/v1' already serves"):
        app.add_api(SPECS / "petstore-3.0.yaml", stub=True)


def test_several_specs_serve_side_by_side_on_their_base_paths():
    from cravat.testing import Client
    app = App()
    app.add_api(SPECS / "petstore-3.0.yaml", stub=True)
    app.add_api(SPECS / "petstore-2.0.yaml", stub=True)
    app.add_api(SPECS / "petstore-3.0.yaml", base_path="/v3", stub=True)
    client = Client(app)
    assert client.get("/v1/pets/1").status_code == 501
    assert client.get("/v3/pets/1").status_code == 501
    assert client.get("/v2/pet/1").status_code == 501
    assert client.get("/v2/pet/x").status_code == 400


def test_the_spec_version_and_places_are_read():
    spec = load_spec(SPECS / "petstore-2.0.yaml")
    assert spec.version == "2.0"
    assert spec.at(("paths", "/pet", "post")).endswith("petstore-2.0.yaml:53:5")


def test_a_spec_that_passed_the_validator_is_not_checked_again_until_a_file_changes(write, monkeypatch):
    from cravat.openapi import checks

    calls = []
    real = checks.validator_findings
    monkeypatch.setattr(checks, "validator_findings", lambda spec: calls.append(spec.path) or real(spec))
    write({"Limit": {"type": "integer"}}, name="common.yaml")
    document = openapi({"/pets": {"get": {"operationId": f"{H}.listPets", "parameters": [
        {"name": "limit", "in": "query", "schema": {"$ref": "common.yaml#/Limit"}}], "responses": ok_response()}}})
    path = write(document)
    App().add_api(path)
    App().add_api(path)
    assert len(calls) == 1
    write({"Limit": {"type": "integer", "maximum": 3}}, name="common.yaml")  # a file it refers to changed
    App().add_api(path)
    assert len(calls) == 2
