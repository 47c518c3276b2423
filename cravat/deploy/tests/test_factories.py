"""Paste factories: ``egg:cravat#api``, ``egg:cravat#urlmap`` and ``egg:cravat#context`` from INI files."""

from __future__ import annotations

from typing import Any

import pytest

import cravat
from cravat.deploy.factories import api_factory
from cravat.deploy.pasteload import load_paste_app
from cravat.deploy.tests.paste_files import load_error, write
from cravat.testing import Client

HERE = "cravat.deploy.tests.test_factories"


class Settings:
    def on_get(self, req: cravat.Request) -> dict[str, Any]:
        return {"context": req.context is not None}


def build_api(**settings: Any) -> cravat.API:
    """A builder taking APIOptions settings, as an ``api =`` target."""
    api = cravat.API(**settings)
    api.route("/settings", Settings())
    return api


def build_recording(error_style: str = "nova", max_body_size: int = 0, project_id: Any = "unset",
                    region: str = "") -> Any:
    """A builder that answers the settings it was given, types included."""
    seen = {"error_style": error_style, "max_body_size": max_body_size, "project_id": project_id, "region": region}

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        import json

        start_response("200 OK", [("Content-Type", "application/json")])
        return [json.dumps(seen).encode()]

    return app


built = build_api()
not_an_api = 42


# --- egg:cravat#api -----------------------------------------------------------------------------


def test_api_names_a_built_api_which_is_used_as_it_is(tmp_path):
    path = write(tmp_path, f"""
        [app:main]
        use = egg:cravat#api
        api = {HERE}:built
    """)
    assert load_paste_app(path) is built


def test_api_names_a_builder_called_with_the_sections_settings(tmp_path):
    path = write(tmp_path, f"""
        [app:main]
        use = egg:cravat#api
        api = {HERE}:build_api
        error_style = barbican
    """)
    response = Client(load_paste_app(path)).get("/nowhere")
    assert response.json["code"] == 404  # a barbican-style fault body


def test_settings_that_are_api_options_arrive_typed_and_others_as_written(tmp_path):
    path = write(tmp_path, f"""
        [app:main]
        use = egg:cravat#api
        api = {HERE}:build_recording
        max_body_size = 4096
        project_id = none
        region = eu-west
    """)
    assert Client(load_paste_app(path)).get("/").json == {
        "error_style": "nova", "max_body_size": 4096, "project_id": None, "region": "eu-west"}


def test_a_setting_the_builder_does_not_take_is_an_error_naming_it(tmp_path):
    path = write(tmp_path, f"""
        [app:main]
        use = egg:cravat#api
        api = {HERE}:build_recording
        zone = a
    """)
    error = load_error(path)
    assert error.section == "app:main"
    assert "takes no setting 'zone'" in error.reason


def test_a_bad_api_option_value_is_an_error_naming_the_option(tmp_path):
    path = write(tmp_path, f"""
        [app:main]
        use = egg:cravat#api
        api = {HERE}:build_api
        max_body_size = lots
    """)
    assert load_error(path).reason == "ValueError: max_body_size = 'lots' is not a whole number"


def test_an_api_option_the_api_refuses_is_an_error(tmp_path):
    path = write(tmp_path, f"""
        [app:main]
        use = egg:cravat#api
        api = {HERE}:build_api
        error_style = html
    """)
    assert "error_style 'html' is not one of" in load_error(path).reason


def test_settings_for_an_api_already_built_are_an_error(tmp_path):
    path = write(tmp_path, f"""
        [app:main]
        use = egg:cravat#api
        api = {HERE}:built
        error_style = nova
    """)
    assert "is an API already built, so error_style cannot apply" in load_error(path).reason


def test_an_api_that_is_neither_an_api_nor_a_builder_is_an_error():
    with pytest.raises(ValueError, match="is a int, not a cravat API nor a function building one"):
        api_factory({}, api=f"{HERE}:not_an_api")


def test_the_api_setting_is_required():
    with pytest.raises(ValueError, match="'api = package.module:attribute' is required"):
        api_factory({})


def test_an_api_that_cannot_be_imported_is_an_error_naming_it(tmp_path):
    path = write(tmp_path, """
        [app:main]
        use = egg:cravat#api
        api = no_such_module:app
    """)
    assert "cannot import module 'no_such_module'" in load_error(path).reason


# --- egg:cravat#urlmap --------------------------------------------------------------------------


def test_the_urlmap_composite_loads_each_keys_application(tmp_path):
    path = write(tmp_path, f"""
        [composite:main]
        use = egg:cravat#urlmap
        / = root
        /v1 = v1

        [app:root]
        use = egg:cravat#api
        api = {HERE}:build_api

        [app:v1]
        use = egg:cravat#api
        api = {HERE}:build_api
        error_style = barbican
    """)
    client = Client(load_paste_app(path))
    assert client.get("/v1/nowhere").json["title"] == "Not Found"         # barbican, from /v1
    assert client.get("/nowhere").json["itemNotFound"]["code"] == 404     # nova, from /


def test_the_urlmap_error_style_option_shapes_its_own_404(tmp_path):
    path = write(tmp_path, f"""
        [composite:main]
        use = egg:cravat#urlmap
        error_style = problem
        /v1 = v1

        [app:v1]
        use = egg:cravat#api
        api = {HERE}:built
    """)
    assert Client(load_paste_app(path)).get("/v2").json["status"] == 404


def test_the_urlmap_not_found_app_option_names_an_application(tmp_path):
    path = write(tmp_path, f"""
        [composite:main]
        use = egg:cravat#urlmap
        not_found_app = fallback
        /v1 = fallback

        [app:fallback]
        use = egg:cravat#api
        api = {HERE}:build_api
    """)
    assert Client(load_paste_app(path)).get("/settings").json == {"context": False}


def test_a_bad_urlmap_key_names_the_file_section_and_key(tmp_path):
    path = write(tmp_path, f"""
        [composite:main]
        use = egg:cravat#urlmap
        ~^/v(?P<version>[0-9]+ = v1

        [app:v1]
        use = egg:cravat#api
        api = {HERE}:built
    """)
    error = load_error(path)
    assert error.file == path
    assert error.section == "composite:main"
    assert "URL map key '~^/v(?P<version>[0-9]+': bad path pattern" in error.reason


def test_a_non_capturing_group_in_a_key_is_explained_as_the_ini_limit_it_is(tmp_path):
    path = write(tmp_path, f"""
        [composite:main]
        use = egg:cravat#urlmap
        ~^/(?:v1|v2) = v1

        [app:v1]
        use = egg:cravat#api
        api = {HERE}:built
    """)
    assert "'(?:...)', '(?=...)' and '(?<=...)' cannot be written in a URL map key" in load_error(path).reason


def test_a_urlmap_key_naming_a_missing_section_names_the_key(tmp_path):
    path = write(tmp_path, """
        [composite:main]
        use = egg:cravat#urlmap
        /v1 = ghost
    """)
    error = load_error(path)
    assert error.section == "composite:main"
    assert "URL map key '/v1' = ghost: No section 'ghost'" in error.reason


def test_a_failure_inside_a_urlmap_entry_names_the_entrys_section(tmp_path):
    path = write(tmp_path, f"""
        [composite:main]
        use = egg:cravat#urlmap
        /v1 = v1

        [app:v1]
        use = egg:cravat#api
        api = {HERE}:build_api
        error_style = html
    """)
    assert load_error(path).section == "app:v1"


def test_a_urlmap_key_naming_no_application_is_an_error(tmp_path):
    path = write(tmp_path, """
        [composite:main]
        use = egg:cravat#urlmap
        /v1 =
    """)
    assert "URL map key '/v1' names no application" in load_error(path).reason


# --- egg:cravat#context -------------------------------------------------------------------------


def test_the_context_filter_puts_a_context_in_front_of_the_api(tmp_path):
    path = write(tmp_path, f"""
        [pipeline:main]
        pipeline = context api

        [filter:context]
        use = egg:cravat#context

        [app:api]
        use = egg:cravat#api
        api = {HERE}:build_api
    """)
    assert Client(load_paste_app(path)).get("/settings").json == {"context": True}


def test_an_unknown_auth_strategy_names_the_filter_section(tmp_path):
    path = write(tmp_path, f"""
        [pipeline:main]
        pipeline = context api

        [filter:context]
        use = egg:cravat#context
        auth_strategy = keystone_v2

        [app:api]
        use = egg:cravat#api
        api = {HERE}:built
    """)
    error = load_error(path)
    assert error.section == "filter:context"
    assert "auth_strategy = 'keystone_v2' is not one of keystone, noauth" in error.reason
