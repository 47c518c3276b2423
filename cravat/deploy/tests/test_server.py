"""What ``cravat serve`` checks before a server starts, and what each adapter asks its server for."""

from __future__ import annotations

import socket
import sys

import pytest

from cravat.deploy.loading import LoadError
from cravat.deploy.pasteload import PasteLoadError
from cravat.deploy.server import (
    AppSource,
    ServeError,
    ServeOptions,
    check,
    check_bind,
    check_source,
    format_address,
)
from cravat.deploy.servers import uwsgi
from cravat.deploy.servers.gunicorn import CravatApplication

INI = """
[app:main]
paste.app_factory = cravat.deploy.tests.test_server:hello_factory
"""


def hello_factory(global_conf):
    def app(environ, start_response):
        start_response("200 OK", [("Content-Type", "text/plain")])
        return [b"hello"]

    return app


@pytest.fixture
def paste(tmp_path):
    path = tmp_path / "api-paste.ini"
    path.write_text(INI)
    return path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def options(source: AppSource, **kw) -> ServeOptions:
    return ServeOptions(source, "127.0.0.1", kw.pop("port", None) or free_port(), **kw)


# --- AppSource ------------------------------------------------------------------

def test_a_paste_source_holds_an_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert AppSource.from_paste("etc/api-paste.ini").paste == str(tmp_path / "etc" / "api-paste.ini")


def test_a_source_survives_the_trip_through_json():
    source = AppSource.from_paste("/etc/svc/api-paste.ini", "noauth")
    assert AppSource.from_json(source.to_json()) == source


def test_a_source_describes_itself_as_file_and_name_or_as_its_spec():
    assert AppSource.from_paste("/etc/svc/api-paste.ini", "noauth").describe() == "/etc/svc/api-paste.ini#noauth"
    assert AppSource.from_spec("examples.compute:app").describe() == "examples.compute:app"


def test_a_paste_source_loads_its_application(paste):
    app = AppSource.from_paste(str(paste)).load()
    assert b"".join(app({"REQUEST_METHOD": "GET"}, lambda *a: None)) == b"hello"


def test_a_spec_naming_something_not_callable_is_a_load_error():
    with pytest.raises(LoadError, match="cravat.deploy.server:SERVERS is a dict, not a WSGI application"):
        AppSource.from_spec("cravat.deploy.server:SERVERS").load()


# --- check: everything before a worker starts --------------------------------------

def test_check_raises_the_paste_error_before_anything_listens(paste):
    with pytest.raises(LoadError, match=f"^{paste}: no application section named 'nope'"):
        check(options(AppSource.from_paste(str(paste), "nope")))


def test_check_source_builds_the_app_in_a_child_so_this_process_imports_none_of_it(tmp_path, monkeypatch):
    (tmp_path / "svc_checked.py").write_text("def factory(global_conf):\n    return lambda environ, sr: [b'']\n")
    (tmp_path / "api-paste.ini").write_text("[app:main]\npaste.app_factory = svc_checked:factory\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    check_source(AppSource.from_paste(str(tmp_path / "api-paste.ini")))
    assert "svc_checked" not in sys.modules


def test_check_source_reports_what_the_child_raised_naming_the_source(tmp_path, monkeypatch):
    (tmp_path / "svc_raising.py").write_text("raise RuntimeError('no database')\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    with pytest.raises(LoadError, match="^svc_raising:app: RuntimeError: no database$"):
        check_source(AppSource.from_spec("svc_raising:app"))


def test_the_dev_server_loads_its_app_in_this_process_and_raises_the_paste_error(paste):
    with pytest.raises(PasteLoadError, match="no application section named 'nope'"):
        check(options(AppSource.from_paste(str(paste), "nope"), server="dev"))


def test_check_gives_the_dev_server_the_app_it_loaded(paste):
    assert callable(check(options(AppSource.from_paste(str(paste)), server="dev")))


def test_check_gives_a_production_server_no_app_its_workers_build_their_own(paste):
    assert check(options(AppSource.from_paste(str(paste)), server="granian")) is None


def test_check_refuses_an_unknown_server(paste):
    with pytest.raises(ServeError, match="unknown server 'tornado'; choose one of granian, gunicorn, uwsgi, dev"):
        check(options(AppSource.from_paste(str(paste)), server="tornado"))


def test_a_port_in_use_is_a_serve_error_naming_the_address():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        with pytest.raises(ServeError, match=f"cannot listen on 127.0.0.1:{port}: the address is already in use"):
            check_bind("127.0.0.1", port)


def test_a_free_port_passes_the_bind_check():
    check_bind("127.0.0.1", free_port())


def test_an_unknown_host_is_a_serve_error_naming_it():
    with pytest.raises(ServeError, match="cannot listen on no-such-host.invalid:8080"):
        check_bind("no-such-host.invalid", 8080)


def test_an_ipv6_address_is_written_in_brackets():
    assert format_address("::1", 8774) == "[::1]:8774"
    assert ServeOptions(AppSource.from_spec("m:a"), "::1", 8774).url == "http://[::1]:8774/"


# --- gunicorn -----------------------------------------------------------------------

def test_gunicorn_runs_cravats_gthread_workers_with_the_options_concurrency_and_limits():
    from gunicorn.workers.gthread import ThreadWorker

    from cravat.deploy.servers.gunicorn_worker import CravatThreadWorker

    app = CravatApplication(ServeOptions(AppSource.from_spec("m:a"), "127.0.0.1", 8774, server="gunicorn",
                                         workers=3, threads=16, graceful_timeout=12, header_timeout=4,
                                         body_timeout=7, keepalive_timeout=3))
    cfg = app.cfg
    assert (cfg.bind, cfg.workers, cfg.threads, cfg.graceful_timeout, cfg.keepalive) == (
        ["127.0.0.1:8774"], 3, 16, 12, 3)
    assert issubclass(cfg.worker_class, CravatThreadWorker) and issubclass(cfg.worker_class, ThreadWorker)
    assert cfg.worker_class.limits[:2] == (4, 7)
    assert cfg.preload_app is False


def test_gunicorn_reads_no_config_file_nor_command_line(monkeypatch):
    monkeypatch.setattr(sys, "argv", ["cravat", "serve", "--workers", "9"])
    monkeypatch.setenv("GUNICORN_CMD_ARGS", "--workers 7")
    app = CravatApplication(ServeOptions(AppSource.from_spec("m:a"), "127.0.0.1", 8774, workers=2))
    assert app.cfg.workers == 2


# --- uWSGI ------------------------------------------------------------------------------

def test_uwsgi_arguments_carry_the_address_the_concurrency_and_the_graceful_stop():
    args = uwsgi.uwsgi_args(ServeOptions(AppSource.from_spec("m:a"), "127.0.0.1", 8774, server="uwsgi",
                                         workers=2, threads=4, graceful_timeout=9), cwd="/srv")
    pairs = dict(zip(args, args[1:]))
    assert pairs["--http-socket"] == "127.0.0.1:8774"
    assert (pairs["--processes"], pairs["--threads"]) == ("2", "4")
    assert pairs["--hook-master-start"] == "unix_signal:15 gracefully_kill_them_all"
    assert pairs["--worker-reload-mercy"] == "9"
    assert pairs["--module"] == "cravat.deploy.servers.uwsgi_app:application"
    assert pairs["--chdir"] == "/srv"
    assert "--lazy-apps" in args and "--die-on-term" in args and "--master" in args


def test_a_missing_uwsgi_is_a_serve_error_saying_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(ServeError, match=r"pip install 'cravat\[uwsgi\]'"):
        uwsgi.find_uwsgi()


def test_the_uwsgi_worker_module_loads_the_source_the_environment_names(paste, monkeypatch):
    monkeypatch.setenv(uwsgi.SOURCE_VARIABLE, AppSource.from_paste(str(paste)).to_json())
    monkeypatch.delitem(sys.modules, "cravat.deploy.servers.uwsgi_app", raising=False)
    from cravat.deploy.servers import uwsgi_app

    environ = {"REQUEST_METHOD": "GET", "HTTP_HOST": "127.0.0.1", "SERVER_PROTOCOL": "HTTP/1.1"}
    assert b"".join(uwsgi_app.application(environ, lambda *a: None)) == b"hello"
