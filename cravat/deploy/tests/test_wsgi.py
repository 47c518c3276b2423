"""The WSGI module helper: which paste file ``<package>.wsgi:application`` loads."""

from __future__ import annotations

import pytest

from cravat.deploy.pasteload import PasteLoadError
from cravat.deploy.wsgi import init_application, paste_file
from cravat.testing import Client

INI = """
[app:main]
paste.app_factory = cravat.deploy.tests.test_pasteload:hello_factory

[app:other]
paste.app_factory = cravat.deploy.tests.test_pasteload:hello_factory
greeting = other
"""


def test_the_environment_variable_names_the_file():
    assert paste_file("SVC_PASTE", "/etc/svc/api-paste.ini", {"SVC_PASTE": "dev.ini"}) == "dev.ini"


def test_without_the_variable_the_default_is_used():
    assert paste_file("SVC_PASTE", "/etc/svc/api-paste.ini", {}) == "/etc/svc/api-paste.ini"


def test_an_empty_variable_counts_as_unset():
    assert paste_file("SVC_PASTE", "/etc/svc/api-paste.ini", {"SVC_PASTE": " "}) == "/etc/svc/api-paste.ini"


def test_init_application_loads_the_named_application(tmp_path):
    (tmp_path / "api-paste.ini").write_text(INI)
    app = init_application("SVC_PASTE", "/nonexistent.ini", name="other",
                           environ={"SVC_PASTE": str(tmp_path / "api-paste.ini")})
    assert Client(app).get("/").body == b"other"


def test_init_application_reads_os_environ_by_default(tmp_path, monkeypatch):
    (tmp_path / "api-paste.ini").write_text(INI)
    monkeypatch.setenv("SVC_PASTE", str(tmp_path / "api-paste.ini"))
    assert Client(init_application("SVC_PASTE", "/nonexistent.ini")).get("/").body == b"hello"


def test_a_failure_says_the_default_was_used_because_the_variable_is_unset():
    with pytest.raises(PasteLoadError) as caught:
        init_application("SVC_PASTE", "/nonexistent/api-paste.ini", environ={})
    assert str(caught.value) == "/nonexistent/api-paste.ini: no such file (file: default; $SVC_PASTE is not set)"


def test_a_failure_says_the_variable_chose_the_file(tmp_path):
    with pytest.raises(PasteLoadError, match=r"no such file \(file: \$SVC_PASTE\)"):
        init_application("SVC_PASTE", "/etc/svc.ini", environ={"SVC_PASTE": str(tmp_path / "x.ini")})
