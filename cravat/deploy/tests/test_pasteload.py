"""Loading an app from a paste file: every failure names the file, the section and the reason."""

from __future__ import annotations

from typing import Any

from cravat.deploy.pasteload import load_paste_app
from cravat.deploy.tests.paste_files import load_error, write
from cravat.testing import Client

HERE = "cravat.deploy.tests.test_pasteload"


def hello_factory(global_conf: dict[str, str], greeting: str = "hello") -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [greeting.encode()]

    return app


def failing_factory(global_conf: dict[str, str]) -> Any:
    raise ValueError("option 'db_url' is required")


def shout_filter_factory(global_conf: dict[str, str]) -> Any:
    def wrap(app: Any) -> Any:
        def shouted(environ: dict[str, Any], start_response: Any) -> list[bytes]:
            return [b"".join(app(environ, start_response)).upper()]

        return shouted

    return wrap


def test_it_loads_the_main_application(tmp_path):
    path = write(tmp_path, f"""
        [app:main]
        paste.app_factory = {HERE}:hello_factory
        greeting = bonjour
    """)
    assert Client(load_paste_app(path)).get("/").body == b"bonjour"


def test_it_loads_a_named_pipeline(tmp_path):
    path = write(tmp_path, f"""
        [pipeline:loud]
        pipeline = shout hello

        [filter:shout]
        paste.filter_factory = {HERE}:shout_filter_factory

        [app:hello]
        paste.app_factory = {HERE}:hello_factory
    """)
    assert Client(load_paste_app(path, "loud")).get("/").body == b"HELLO"


def test_a_missing_file_is_named(tmp_path):
    error = load_error(str(tmp_path / "nope.ini"))
    assert (error.file, error.section, error.reason) == (str(tmp_path / "nope.ini"), None, "no such file")


def test_a_directory_is_not_a_paste_file(tmp_path):
    assert "is a directory" in load_error(str(tmp_path)).reason


def test_broken_ini_syntax_names_the_file_and_line(tmp_path):
    path = write(tmp_path, "[app:main\npaste.app_factory = x:y\n")
    error = load_error(path)
    assert error.reason.startswith("not a valid INI file")
    assert "line: 1" in error.reason


def test_a_key_given_twice_in_a_section_is_broken_syntax(tmp_path):
    path = write(tmp_path, f"""
        [app:main]
        paste.app_factory = {HERE}:hello_factory
        paste.app_factory = {HERE}:failing_factory
    """)
    assert "not a valid INI file" in load_error(path).reason


def test_a_missing_application_section_lists_the_sections_there_are(tmp_path):
    path = write(tmp_path, f"""
        [app:api]
        paste.app_factory = {HERE}:hello_factory
    """)
    error = load_error(path, "main")
    assert str(error).startswith(f"{path}: no application section named 'main'")
    assert "sections: [app:api]" in error.reason


def test_a_pipeline_naming_a_missing_filter_names_the_pipeline_section(tmp_path):
    path = write(tmp_path, f"""
        [pipeline:main]
        pipeline = ghost hello

        [app:hello]
        paste.app_factory = {HERE}:hello_factory
    """)
    error = load_error(path)
    assert error.section == "pipeline:main"
    assert "No section 'ghost'" in error.reason


def test_an_unknown_distribution_in_use_egg_names_its_section(tmp_path):
    path = write(tmp_path, """
        [app:main]
        use = egg:NoSuchDistribution#main
    """)
    error = load_error(path)
    assert (error.section, error.reason) == (
        "app:main", "no installed distribution 'NoSuchDistribution' (named by a 'use = egg:...')")


def test_an_unknown_entry_point_names_its_section(tmp_path):
    path = write(tmp_path, """
        [app:main]
        use = egg:cravat#no_such_app
    """)
    error = load_error(path)
    assert error.section == "app:main"
    assert "Entry point 'no_such_app' not found" in error.reason


def test_an_unimportable_factory_names_its_section(tmp_path):
    path = write(tmp_path, """
        [app:main]
        paste.app_factory = no_such_module:factory
    """)
    error = load_error(path)
    assert (error.section, error.reason) == ("app:main", "cannot import the factory: No module named 'no_such_module'")


def test_a_section_with_no_factory_is_named(tmp_path):
    path = write(tmp_path, """
        [app:main]
        greeting = hello
    """)
    error = load_error(path)
    assert (error.section, error.reason) == ("app:main", "No loader given in section 'app:main'")


def test_a_factory_that_raises_names_its_own_section_not_the_pipeline(tmp_path):
    path = write(tmp_path, f"""
        [pipeline:main]
        pipeline = shout broken

        [filter:shout]
        paste.filter_factory = {HERE}:shout_filter_factory

        [app:broken]
        paste.app_factory = {HERE}:failing_factory
    """)
    error = load_error(path)
    assert (error.section, error.reason) == ("app:broken", "ValueError: option 'db_url' is required")


def test_an_option_the_factory_does_not_take_names_the_section_and_option(tmp_path):
    path = write(tmp_path, f"""
        [app:main]
        paste.app_factory = {HERE}:hello_factory
        greting = typo
    """)
    error = load_error(path)
    assert error.section == "app:main"
    assert "unexpected keyword argument 'greting'" in error.reason


def test_the_error_keeps_the_original_exception_as_its_cause(tmp_path):
    path = write(tmp_path, f"""
        [app:main]
        paste.app_factory = {HERE}:failing_factory
    """)
    assert isinstance(load_error(path).__cause__, ValueError)


def test_a_relative_path_is_read_from_the_current_directory(tmp_path, monkeypatch):
    write(tmp_path, f"""
        [app:main]
        paste.app_factory = {HERE}:hello_factory
    """)
    monkeypatch.chdir(tmp_path)
    assert Client(load_paste_app("api-paste.ini")).get("/").body == b"hello"
