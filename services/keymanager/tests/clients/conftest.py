"""A key manager on a real 127.0.0.1 port for the real Barbican clients, and the clients themselves.

The target is chosen with ``KM_TARGET``:

- ``cravat`` (the default, and CI's): this repository's key manager, ``cravat serve --paste
  etc/api-paste.ini --name noauth`` on a temporary SQLite database (migrated first with ``cravat db
  upgrade``), a fresh KEK and the embedded task worker.
- ``barbican``: real Barbican 23 from PyPI, installed by ``bench/vs_barbican.py``'s set-up into
  ``.bench/barbican-venv`` (the fixture runs it when missing, about a minute), served by gunicorn with
  its own no-auth paste pipeline, SQLite, ``[queue] enable = False`` and a simple_crypto KEK. Run it so
  to check that the tests' expectations are Barbican's::

      KM_TARGET=barbican .venv/bin/python -m pytest services/keymanager/tests/clients

  Barbican is configured with ``[oslo_policy] enforce_new_defaults = False``: with oslo.policy 6's
  default (True) its no-auth pipeline turns a request without ``X-Roles`` into role ``admin``, which the
  new defaults refuse (``secrets:post`` wants ``member``), so the clients, which send ``X-Project-Id``
  only, get 403 for everything. The legacy defaults are the configuration in which they work.

Every test gets a project of its own (``project``), so one server serves the whole session. Every wait
is bounded, and the server's process group is killed on the way out.
"""

from __future__ import annotations

import base64
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[4]
TARGET = os.environ.get("KM_TARGET", "cravat").strip().lower() or "cravat"
TIMEOUT = 60  # seconds for a server to answer its first request, a CLI call to finish
#: How long a client polls an order before the test gives up (the issue: ACTIVE within 1 s when idle).
ORDER_WAIT = 10


@dataclass
class Service:
    """A key manager being served: ``endpoint`` is its root (``http://127.0.0.1:PORT``)."""

    target: str
    endpoint: str
    log: Path

    @property
    def is_barbican(self) -> bool:
        return self.target == "barbican"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_until_serving(process: subprocess.Popen, endpoint: str, log: Path) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the key manager exited with {process.returncode}:\n{log.read_text()[-4000:]}")
        try:
            with urllib.request.urlopen(endpoint + "/", timeout=2) as answer:
                if answer.status in (200, 300):
                    return
        except urllib.error.HTTPError as exc:
            if exc.code in (200, 300):
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"the key manager did not answer GET / within {TIMEOUT} s:\n{log.read_text()[-4000:]}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _start_cravat(workdir: Path, port: int) -> tuple[subprocess.Popen, Path]:
    cravat = Path(sys.executable).parent / "cravat"
    env = {
        **os.environ,
        "KEYMANAGER_DATABASE_URL": f"sqlite:///{workdir / 'keymanager.sqlite'}",
        "KEYMANAGER_KEK": base64.b64encode(os.urandom(32)).decode(),
        "KEYMANAGER_TASK_TRANSPORT": "embedded",
    }
    log = workdir / "server.log"
    upgrade = subprocess.run([str(cravat), "db", "upgrade", "--app", "keymanager.app:app"], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=TIMEOUT)
    if upgrade.returncode != 0:
        raise RuntimeError(f"cravat db upgrade failed:\n{upgrade.stdout}\n{upgrade.stderr}")
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(cravat), "serve", "--paste", str(ROOT / "etc" / "api-paste.ini"), "--name", "noauth",
             "--bind", f"127.0.0.1:{port}"],
            cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return process, log


def _barbican_setup() -> Any:
    """bench/vs_barbican.py as a module: its set-up installs Barbican 23 and writes its paste file."""
    spec = importlib.util.spec_from_file_location("_km_vs_barbican", ROOT / "bench" / "vs_barbican.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.setup()
    return module


def _start_barbican(workdir: Path, port: int) -> tuple[subprocess.Popen, Path]:
    bench = _barbican_setup()
    python = bench.VENV / "bin" / "python"
    kek = base64.urlsafe_b64encode(os.urandom(32)).decode()  # a Fernet key, as simple_crypto wants
    conf = workdir / ".barbican" / "barbican.conf"
    conf.parent.mkdir(parents=True, exist_ok=True)
    conf.write_text(f"""[DEFAULT]
db_auto_create = True
debug = False
log_file = {workdir}/barbican.log

[database]
connection = sqlite:///{workdir}/barbican.sqlite

[queue]
enable = False

[simple_crypto_plugin]
kek = {kek}

[oslo_policy]
enforce_new_defaults = False
""")
    (workdir / "km_barbican_wsgi.py").write_text(
        "import webob\n"
        "# Barbican 23's no-auth context reads req.request_id, which nothing sets (context.py:125).\n"
        "webob.request.BaseRequest.request_id = property(lambda self: self.environ.get('openstack.request_id'))\n"
        "from paste import deploy\n"
        f"application = deploy.loadapp('config:{bench.RUN}/barbican-api-paste-noauth.ini')\n")
    log = workdir / "server.log"
    env = {**os.environ, "HOME": str(workdir), "PYTHONPATH": str(workdir)}
    with log.open("wb") as out:
        process = subprocess.Popen(
            [str(python), "-m", "gunicorn", "--worker-class", "gthread", "--workers", "1", "--threads", "4",
             "--bind", f"127.0.0.1:{port}", "km_barbican_wsgi:application"],
            cwd=workdir, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    return process, log


@pytest.fixture(scope="session")
def km(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Service]:
    """The key manager under test, served on a free 127.0.0.1 port for the whole session."""
    if TARGET not in ("cravat", "barbican"):
        raise pytest.UsageError(f"KM_TARGET must be cravat or barbican, not {TARGET!r}")
    workdir = tmp_path_factory.mktemp(f"km-{TARGET}")
    port = free_port()
    process, log = (_start_barbican if TARGET == "barbican" else _start_cravat)(workdir, port)
    endpoint = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(process, endpoint, log)
        yield Service(TARGET, endpoint, log)
    finally:
        _stop(process)


@pytest.fixture
def project() -> str:
    """A project of the test's own: nothing another test made is visible in it."""
    return f"proj-{uuid.uuid4().hex[:16]}"


# --- the barbican command line ---------------------------------------------------------------------------


class CLIError(AssertionError):
    """The barbican command exited non-zero: ``returncode`` and its ``output`` (stdout and stderr)."""

    def __init__(self, returncode: int, output: str) -> None:
        super().__init__(f"barbican exited {returncode}:\n{output}")
        self.returncode, self.output = returncode, output


@pytest.fixture
def cli(km: Service, project: str) -> Callable[..., Any]:
    """``cli(*args)`` runs ``barbican --no-auth --endpoint ... --os-project-id P *args -f json``: the parsed
    JSON it printed, or CLIError. ``project_id=`` runs it as another project, ``fmt=None`` without ``-f``
    (its text), ``fmt="yaml"`` with ``-f yaml``: the CLI's JSON formatter fails on an RSA container's
    datetimes (``Object of type datetime is not JSON serializable``, python-barbicanclient 7.6)."""
    command = Path(sys.executable).parent / "barbican"

    def run(*args: str, project_id: str | None = None, fmt: str | None = "json") -> Any:
        argv = [str(command), "--no-auth", "--endpoint", km.endpoint, "--os-project-id", project_id or project,
                *args]
        if fmt:
            argv += ["-f", fmt]
        done = subprocess.run(argv, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL)
        if done.returncode != 0:
            raise CLIError(done.returncode, done.stdout + done.stderr)
        if fmt == "json":
            return json.loads(done.stdout) if done.stdout.strip() else None
        if fmt == "yaml":
            return yaml.safe_load(done.stdout)
        return done.stdout

    return run


# --- python-barbicanclient -------------------------------------------------------------------------------


@pytest.fixture
def barbican_client(km: Service, project: str) -> Callable[..., Any]:
    """``barbican_client(project_id=None, microversion=None)``: a python-barbicanclient v1 Client, no auth,
    as a service would make one (a keystoneauth session, the endpoint, X-Project-Id)."""
    from barbicanclient import client
    from keystoneauth1 import session

    def make(project_id: str | None = None, microversion: str | None = None) -> Any:
        kwargs = {"microversion": microversion} if microversion else {}
        return client.Client(session=session.Session(), endpoint=km.endpoint, project_id=project_id or project,
                             **kwargs)

    return make


@pytest.fixture
def barbican(barbican_client: Callable[..., Any]) -> Any:
    """python-barbicanclient's Client for the test's project, at the microversion it negotiates."""
    return barbican_client()


# --- openstacksdk ----------------------------------------------------------------------------------------


@pytest.fixture
def sdk_proxy(km: Service, project: str) -> Callable[..., Any]:
    """``sdk_proxy(project_id=None)``: openstacksdk's key_manager proxy on a no-auth session that sends
    X-Project-Id, with the endpoint given as a deployment's service catalog would (``/v1``)."""
    import openstack.connection
    from keystoneauth1 import noauth, session

    def make(project_id: str | None = None) -> Any:
        ks = session.Session(auth=noauth.NoAuth(endpoint=km.endpoint),
                             additional_headers={"X-Project-Id": project_id or project})
        conn = openstack.connection.Connection(session=ks, key_manager_endpoint_override=km.endpoint + "/v1",
                                               key_manager_api_version="1")
        return conn.key_manager

    return make


@pytest.fixture
def sdk(sdk_proxy: Callable[..., Any]) -> Any:
    return sdk_proxy()


def _wait_for(fetch: Callable[[], Any], status: Callable[[Any], str], wanted: str = "ACTIVE") -> Any:
    deadline = time.monotonic() + ORDER_WAIT
    while True:
        result = fetch()
        state = status(result)
        if state == wanted or state != "PENDING" or time.monotonic() > deadline:
            return result
        time.sleep(0.05)


@pytest.fixture
def wait_for() -> Callable[..., Any]:
    """``wait_for(fetch, status, wanted="ACTIVE")`` calls ``fetch()`` until ``status(result)`` is ``wanted``
    (bounded: ORDER_WAIT s) and returns the last result; a status other than PENDING ends it at once."""
    return _wait_for
