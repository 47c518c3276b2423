"""``egg:cravat#openapi``: a spec-first app in a paste pipeline, mounted by the URL map, through a real server."""

from __future__ import annotations

from pathlib import Path

import pytest

from cravat.deploy.pasteload import PasteLoadError, load_paste_app

REPO = Path(__file__).resolve().parents[2]

INI = f"""\
[composite:main]
use = egg:cravat#urlmap
/qtip = qtip

[app:qtip]
use = egg:cravat#openapi
spec = {REPO}/examples/qtip/swagger.yaml
base_path = /v1.0
strict_validation = true
max_body_size = 4096
"""


@pytest.fixture(scope="module")
def client(serve, tmp_path_factory):
    path = tmp_path_factory.mktemp("paste") / "api-paste.ini"
    path.write_text(INI)
    return serve(load_paste_app(str(path)))


def test_the_spec_first_app_answers_under_the_url_maps_prefix(client):
    assert client.get("/qtip/v1.0/plans/compute").json()["name"] == "compute"
    assert client.get("/qtip/v1.0/plans/nope").status == 404


def test_the_served_spec_says_where_it_is_mounted(client):
    assert client.get("/qtip/v1.0/swagger.json").json()["basePath"] == "/qtip/v1.0"


def test_the_docs_page_loads_its_assets_from_under_the_prefix(client):
    page = client.get("/qtip/v1.0/ui/").body.decode()
    assert 'src="/qtip/v1.0/ui/swagger-ui-bundle.js"' in page and '"url": "/qtip/v1.0/swagger.json"' in page
    assert client.get("/qtip/v1.0/ui/swagger-ui.css").status == 200


def test_a_section_without_a_spec_names_what_is_missing(tmp_path):
    path = tmp_path / "bad.ini"
    path.write_text("[app:main]\nuse = egg:cravat#openapi\n")
    with pytest.raises(PasteLoadError, match="'spec = FILE' is required"):
        load_paste_app(str(path))


def test_a_flag_that_is_not_a_boolean_names_it(tmp_path):
    path = tmp_path / "bad.ini"
    path.write_text(f"[app:main]\nuse = egg:cravat#openapi\nspec = {REPO}/examples/qtip/swagger.yaml\nstub = maybe\n")
    with pytest.raises(PasteLoadError, match="stub = 'maybe' is not true or false"):
        load_paste_app(str(path))
