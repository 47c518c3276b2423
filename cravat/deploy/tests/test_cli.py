"""``cravat serve``'s arguments: what they mean, and the exit status and message of each mistake."""

from __future__ import annotations

import pytest

from cravat.deploy.cli import build_parser, main, serve_options
from cravat.deploy.loading import LoadError
from cravat.deploy.server import AppSource


def parse(*argv: str):
    return serve_options(build_parser().parse_args(["serve", *argv]))


def test_paste_serves_the_main_application_of_the_file_by_default(tmp_path):
    options = parse("--paste", str(tmp_path / "api-paste.ini"))
    assert options.source == AppSource(paste=str(tmp_path / "api-paste.ini"), name="main")


def test_name_chooses_another_application_of_the_file(tmp_path):
    assert parse("--paste", str(tmp_path / "x.ini"), "--name", "noauth").source.name == "noauth"


def test_app_serves_a_module_attribute():
    assert parse("--app", "examples.compute:app").source == AppSource(spec="examples.compute:app")


def test_the_defaults_are_granian_one_worker_eight_threads_thirty_seconds_of_grace():
    options = parse("--app", "examples.compute:app")
    assert (options.server, options.workers, options.threads, options.graceful_timeout) == ("granian", 1, 8, 30)
    assert (options.host, options.port) == ("127.0.0.1", 8080)


def test_bind_workers_threads_server_and_graceful_timeout_are_taken_as_given():
    options = parse("--app", "m:a", "--bind", "0.0.0.0:8774", "--workers", "4", "--threads", "16",
                    "--server", "gunicorn", "--graceful-timeout", "60")
    assert (options.host, options.port, options.workers, options.threads) == ("0.0.0.0", 8774, 4, 16)
    assert (options.server, options.graceful_timeout) == ("gunicorn", 60)


def test_an_ipv6_bind_loses_its_brackets():
    assert parse("--app", "m:a", "--bind", "[::1]:8774").host == "::1"


@pytest.mark.parametrize("argv", [
    ["--app", "m:a", "--paste", "x.ini"],   # both
    [],                                      # neither
    ["--app", "m:a", "--workers", "0"],
    ["--app", "m:a", "--threads", "many"],
    ["--app", "m:a", "--server", "tornado"],
])
def test_a_usage_mistake_exits_2(argv, capsys):
    with pytest.raises(SystemExit) as raised:
        build_parser().parse_args(["serve", *argv])
    assert raised.value.code == 2
    assert "usage: cravat serve" in capsys.readouterr().err


def test_name_without_paste_is_a_load_error():
    with pytest.raises(LoadError, match="--name names a section of the --paste file"):
        parse("--app", "m:a", "--name", "main")


@pytest.mark.parametrize("bind", ["localhost", "127.0.0.1:http", "127.0.0.1:0", "127.0.0.1:70000"])
def test_a_bind_that_is_not_host_and_port_is_a_load_error_naming_it(bind):
    with pytest.raises(LoadError, match=f"--bind '{bind}' is not HOST:PORT"):
        parse("--app", "m:a", "--bind", bind)


def test_a_paste_file_that_does_not_exist_exits_2_naming_it(tmp_path, capsys):
    assert main(["serve", "--paste", str(tmp_path / "nope.ini")]) == 2
    assert capsys.readouterr().err == f"cravat serve: {tmp_path / 'nope.ini'}: no such file\n"
