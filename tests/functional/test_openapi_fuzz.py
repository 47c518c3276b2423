"""Contract fuzzing: schemathesis drives each example through its document, over a real HTTP server.

The QTIP catalog is fuzzed through the Swagger 2.0 spec it serves, the
compute example through the OpenAPI 3.1 document cravat generates from it.
Each gets at least 1,000 generated requests, valid ones and ones that break
the document, spread over its operations; no answer may be a 5xx, and every
answer must conform to the document: a documented status, its media type,
its schema. Hypothesis runs without its example database and with a fixed
seed, so a run is repeatable and leaves nothing behind.
"""

from __future__ import annotations

from typing import Any

import hypothesis
import hypothesis.errors
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis import checks as schemathesis_checks
from schemathesis.generation.modes import GenerationMode

from cravat.openapi import App, RelativeResolver, add_docs
from cravat.openapi.tests import handlers
from cravat.openapi.tests.conftest import SPECS
from examples import compute
from examples.qtip.api import get_app

#: At least this many generated requests per example, over all its operations.
CASES = 1000
#: Cases per operation and mode (valid, invalid) in each round; rounds go on until ``CASES`` were sent.
PER_OPERATION = {"qtip": 140, "compute": 50}
CHECKS = ("not_a_server_error", "status_code_conformance", "content_type_conformance",
          "response_schema_conformance")


def fuzz(base_url: str, document: dict[str, Any], per_operation: int, checks_named: tuple[str, ...] = CHECKS,
         cases: int = CASES) -> int:
    """Run rounds of cases until ``cases`` were sent (six rounds at most), failing on the first answer
    that breaks a check; how many requests were sent."""
    schema = schemathesis.openapi.from_dict(document)
    checks = [getattr(schemathesis_checks, name) for name in checks_named]
    operations = [result.ok() for result in schema.get_all_operations()]
    session = requests.Session()
    sent = 0
    for round_ in range(6):
        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

                @hypothesis.seed(20261201 + round_)
                @settings(max_examples=per_operation, deadline=None, database=None,
                          phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
                @hypothesis.given(operation.as_strategy(generation_mode=mode))
                def run(case: Any) -> None:
                    nonlocal sent
                    response = case.call(base_url=base_url, session=session, timeout=5)
                    sent += 1
                    case.validate_response(response, checks=checks)  # raises, naming the check and the request

                try:
                    run()
                except hypothesis.errors.Unsatisfiable:
                    assert mode is GenerationMode.NEGATIVE  # nothing to break in an operation without inputs
        if sent >= cases:
            break
    print(f"schemathesis: {sent} requests to {base_url} in {round_ + 1} rounds")
    return sent


def test_the_qtip_example_conforms_to_its_spec_under_fuzzing(serve):
    client = serve(get_app())
    document = client.get("/v1.0/swagger.json").json()
    assert fuzz(client.base_url.rstrip("/") + "/v1.0", document, PER_OPERATION["qtip"]) >= CASES


def test_the_compute_example_conforms_to_its_generated_document_under_fuzzing(serve):
    api = compute.build_app()
    add_docs(api, ui=False)
    client = serve(api)
    document = client.get("/openapi.json").json()
    assert fuzz(client.base_url.rstrip("/"), document, PER_OPERATION["compute"]) >= CASES


def test_the_petstores_bodies_forms_and_uploads_never_make_a_server_error(serve):
    """Both petstores with echoing handlers: JSON, XML, form and multipart bodies, valid and not, never a 5xx.

    (The handlers echo their arguments, so answers are not the spec's; only server errors are checked.)
    """
    app = App()
    app.add_api(SPECS / "petstore-2.0.yaml", resolver=RelativeResolver(handlers.__name__ + ".Petstore2"),
                strict_validation=True)
    app.add_api(SPECS / "petstore-3.0.yaml", resolver=RelativeResolver(handlers))
    client = serve(app)
    sent = 0
    for spec_path, base in (("/v2/swagger.json", "/v2"), ("/v1/openapi.json", "/v1")):
        document = client.get(spec_path).json()
        sent += fuzz(client.base_url.rstrip("/") + base, document, 30, ("not_a_server_error",), cases=1)
    assert sent >= 500
