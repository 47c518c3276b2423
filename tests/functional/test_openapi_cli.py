"""``cravat run SPEC`` and ``cravat openapi APP``, run as real processes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.functional.test_cli import REPO, free_port, get, run_cravat, serving

SPECS = REPO / "cravat" / "openapi" / "tests" / "specs"
QTIP = REPO / "examples" / "qtip" / "swagger.yaml"


def test_run_serves_the_qtip_example_on_the_default_server():
    port = free_port()
    with serving(port, str(QTIP), "--strict-validation", app="", path="/v1.0/swagger.json", command="run") as proc:
        status, body = get(port, "/v1.0/plans/full")
        assert status == 200 and json.loads(body)["QPIs"] == ["compute", "storage", "network"]
        status, body = get(port, "/v1.0/qpis/nope")
        assert status == 404 and json.loads(body)["detail"] == "QPI 'nope' not found."
        status, body = get(port, "/v1.0/metrics?limit=1&extra=1")
        assert status == 400 and "'extra' is not in the spec" in json.loads(body)["detail"]
        assert proc.poll() is None


def test_run_serves_the_swagger_2_petstore_with_stub_handlers():
    port = free_port()
    with serving(port, str(SPECS / "petstore-2.0.yaml"), "--stub", app="", path="/v2/swagger.json", command="run"):
        status, body = get(port, "/v2/pet/1")
        assert status == 501 and "'getPetById' is not implemented" in json.loads(body)["detail"]
        status, body = get(port, "/v2/store/order/11")  # maximum: 10, checked before the stub answers
        assert status == 400 and json.loads(body)["errors"][0]["rule"] == "maximum"
        status, body = get(port, "/v2/ui/")
        assert status == 200 and b"swagger-ui-bundle.js" in body


def test_run_serves_the_openapi_3_petstore_with_stub_handlers_on_another_base_path():
    port = free_port()
    with serving(port, str(SPECS / "petstore-3.0.yaml"), "--stub", "--base-path", "/pets-api", app="",
                 path="/pets-api/openapi.json", command="run"):
        status, body = get(port, "/pets-api/pets/3")
        assert status == 501
        status, body = get(port, "/pets-api/pets?limit=101")
        assert status == 400 and "greater than the maximum of 100" in json.loads(body)["detail"]
        status, body = get(port, "/pets-api/openapi.json")
        assert json.loads(body)["servers"] == [{"url": "/pets-api"}]


def test_run_without_stub_refuses_a_spec_whose_functions_do_not_resolve_naming_each():
    result = run_cravat("run", str(SPECS / "petstore-3.0.yaml"), "--bind", f"127.0.0.1:{free_port()}")
    assert result.returncode == 2
    assert "petstore-3.0.yaml:12:5: operationId 'listPets' does not resolve" in result.stderr
    assert "operationId 'showPetById' does not resolve" in result.stderr


def test_run_of_an_invalid_spec_exits_2_listing_every_finding(tmp_path: Path):
    spec = tmp_path / "bad.yaml"
    spec.write_text("openapi: 3.0.3\ninfo: {title: t}\npaths:\n  /a:\n    get:\n      responses: {}\n")
    result = run_cravat("run", str(spec), "--bind", f"127.0.0.1:{free_port()}")
    assert result.returncode == 2
    assert f"{spec}:2:1: $.info: \"version\" is a required property" in result.stderr
    assert f"{spec}:6:7: $.paths['/a'].get.responses: {{}} has less than 1 property" in result.stderr


def test_openapi_writes_the_generated_document_of_an_app():
    result = run_cravat("openapi", "examples.compute:app", "--version", "2.5")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["openapi"] == "3.1.0" and document["info"]["version"] == "2.5"
    assert "/servers/{id}/action#os-start" in document["paths"]


def test_openapi_writes_one_document_per_microversion(tmp_path: Path):
    result = run_cravat("openapi", "examples.compute:app", "--all-versions", "--output", str(tmp_path),
                        "--samples", "examples/compute_samples")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"openapi-2.{n}.json" for n in range(1, 11))
    document = json.loads((tmp_path / "openapi-2.5.json").read_text())
    assert "examples" in json.dumps(document["paths"]["/servers"]["post"])


def test_openapi_of_a_version_outside_the_range_exits_2_naming_it():
    result = run_cravat("openapi", "examples.compute:app", "--version", "3.0")
    assert result.returncode == 2 and "version 3.0 is outside the API's 2.1-2.10" in result.stderr


def test_run_imports_handler_modules_from_beside_the_spec_as_connexions_run_does(tmp_path: Path):
    (tmp_path / "petshop.py").write_text("def list_pets(limit=2):\n    return [{'n': i} for i in range(limit)]\n")
    (tmp_path / "api.yaml").write_text(
        "openapi: 3.0.3\ninfo: {title: shop, version: '1'}\npaths:\n  /pets:\n    get:\n"
        "      operationId: petshop.list_pets\n      parameters:\n"
        "        - {name: limit, in: query, schema: {type: integer}}\n"
        "      responses: {'200': {description: ok}}\n")
    port = free_port()
    with serving(port, str(tmp_path / "api.yaml"), app="", path="/openapi.json", command="run"):
        status, body = get(port, "/pets?limit=3")
        assert status == 200 and json.loads(body) == [{"n": 0}, {"n": 1}, {"n": 2}]
