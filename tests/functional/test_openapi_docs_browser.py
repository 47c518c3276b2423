"""The docs page in a real browser: Debian's chromium, headless, renders Swagger UI and lists the operations.

Swagger UI is served by the app itself from the ``docs`` extra (no CDN),
so the page works with the network off; chromium runs with its
background networking off and a fresh profile, and fails this test loudly
when it is not installed (``./dev test`` installs it).
"""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import pytest

from cravat.openapi import App, add_docs
from cravat.openapi.tests.conftest import SPECS
from examples import compute
from examples.qtip.api import get_app

CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run",
                  "--disable-component-update", "--disable-sync", "--disable-quic"]


def rendered(url: str, tmp_path) -> str:
    """The page's DOM once its scripts ran (chromium's virtual time lets them finish; bounded by a timeout)."""
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    assert chromium, "chromium is not installed: ./dev test installs Debian's chromium (apt-get install chromium)"
    result = subprocess.run([chromium, *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}",
                             "--virtual-time-budget=15000", "--dump-dom", url],
                            capture_output=True, text=True, timeout=90)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout


def operations_listed(dom: str) -> set[tuple[str, str]]:
    """``(METHOD, path)`` of each operation block Swagger UI rendered."""
    found = set()
    for block in re.findall(r'<div class="opblock opblock-(\w+).*?data-path="([^"]+)"', dom):
        found.add((block[0].upper(), html.unescape(block[1])))
    return found


def test_the_docs_page_of_a_swagger_2_spec_lists_its_operations(serve, tmp_path):
    client = serve(get_app())
    dom = rendered(client.base_url.rstrip("/") + "/v1.0/ui/", tmp_path)
    assert operations_listed(dom) >= {("GET", "/plans"), ("GET", "/plans/{name}"), ("GET", "/qpis"),
                                      ("GET", "/qpis/{name}"), ("GET", "/metrics"), ("GET", "/metrics/{name}")}
    assert "QTIP API" in dom


def test_the_docs_page_of_an_openapi_3_spec_lists_its_operations(serve, tmp_path):
    app = App()
    app.add_api(SPECS / "petstore-3.0.yaml", stub=True)
    dom = rendered(serve(app).base_url.rstrip("/") + "/v1/ui/", tmp_path)
    assert operations_listed(dom) == {("GET", "/pets"), ("POST", "/pets"), ("GET", "/pets/{petId}")}


def test_the_docs_page_renders_a_generated_openapi_3_1_document(serve, tmp_path):
    api = compute.build_app()
    add_docs(api, title="Compute")
    dom = rendered(serve(api).base_url.rstrip("/") + "/ui/", tmp_path)
    listed = operations_listed(dom)
    assert {("GET", "/servers"), ("POST", "/servers"), ("GET", "/servers/{id}"), ("DELETE", "/servers/{id}"),
            ("POST", "/servers/{id}/action#os-stop"), ("POST", "/servers/{id}/action#os-start")} <= listed
    assert "OAS 3.1" in dom


def test_the_page_loads_nothing_from_another_host(serve):
    page = serve(get_app()).get("/v1.0/ui/").body.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(s.startswith("/v1.0/ui/") for s in sources)


@pytest.mark.parametrize("asset", ["swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "swagger-ui.css"])
def test_the_assets_are_served_by_the_app(serve, asset):
    response = serve(get_app()).get(f"/v1.0/ui/{asset}")
    assert response.status == 200 and len(response.body) > 10_000


def test_the_bundle_is_swagger_ui_5_which_renders_openapi_3_1(serve):
    bundle = serve(get_app()).get("/v1.0/ui/swagger-ui-bundle.js").body
    assert re.search(rb'"5\.\d+\.\d+"', bundle)
