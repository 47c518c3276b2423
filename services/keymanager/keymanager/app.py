"""``/v1``: the key manager's API, assembled from its areas.

``build_app(**settings)`` makes the API, its database, its tasks and its crypto plugin, then hands a
:class:`~keymanager.context.KeyManager` to each area's ``register(api, km)``: policy, secrets and their
metadata, consumers and ACLs, orders, containers. The paste file's ``[app:keymanager]`` calls it::

    [app:keymanager]
    use = egg:cravat#api
    api = keymanager.app:build_app

Settings (the paste section's, else the environment's):

=================  ==============================  =============================================
setting            environment                     default
=================  ==============================  =============================================
database_url       KEYMANAGER_DATABASE_URL         ``sqlite:///keymanager.sqlite`` (the cwd)
task_transport     KEYMANAGER_TASK_TRANSPORT       ``embedded`` (worker threads in the API)
broker_url         KEYMANAGER_BROKER_URL           (celery) ``amqp://guest:guest@127.0.0.1//``
task_threads       KEYMANAGER_TASK_THREADS         cravat.tasks' default
task_queue         KEYMANAGER_TASK_QUEUE           cravat.tasks' default
task_in_request    KEYMANAGER_TASK_IN_REQUEST      ``before_answer``: a key order's request runs its task
                                                   (``after_answer``, ``no``: cravat.tasks' in_request)
crypto_plugin      KEYMANAGER_CRYPTO_PLUGIN        ``simple_crypto``
kek / kek_file     KEYMANAGER_KEK / _KEK_FILE      a development KEK beside a SQLite database
max_secret_bytes   KEYMANAGER_MAX_SECRET_BYTES     20000 (Barbican's max_allowed_secret_in_bytes)
=================  ==============================  =============================================

Every other setting is a cravat.APIOptions field. ``keymanager.app:app`` is the API built from the
environment alone, for ``cravat db upgrade --app keymanager.app:app`` and ``cravat worker --app ...``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import cravat
import cravat.db
import cravat.tasks
from keymanager import acls, consumers, containers, crypto, orders, policies, secret_metadata, secrets
from keymanager.context import KeyManager
from keymanager.models import Base
from keymanager.versions import MICROVERSIONS, V1

MIGRATIONS = Path(__file__).parent / "migrations"
DEFAULT_DATABASE_URL = "sqlite:///keymanager.sqlite"

#: The areas, in the order they register (policy first: the others name its rules).
AREAS = (policies, secrets, secret_metadata, consumers, acls, orders, containers)

#: Settings the key manager reads (the rest go to cravat.APIOptions), with their environment variables.
SERVICE_SETTINGS = {
    "database_url": "KEYMANAGER_DATABASE_URL",
    "task_transport": "KEYMANAGER_TASK_TRANSPORT",
    "broker_url": "KEYMANAGER_BROKER_URL",
    "task_threads": "KEYMANAGER_TASK_THREADS",
    "task_queue": "KEYMANAGER_TASK_QUEUE",
    "task_in_request": "KEYMANAGER_TASK_IN_REQUEST",
    "crypto_plugin": "KEYMANAGER_CRYPTO_PLUGIN",
    "kek": "KEYMANAGER_KEK",
    "kek_file": "KEYMANAGER_KEK_FILE",
    "max_secret_bytes": "KEYMANAGER_MAX_SECRET_BYTES",
}


def build_app(*, environ: dict[str, str] | None = None, **settings: Any) -> cravat.API:
    """The ``/v1`` API; ``settings`` as in the module's table, ``environ`` standing in for os.environ."""
    env = dict(os.environ if environ is None else environ)
    service = {name: settings.pop(name) for name in list(settings) if name in SERVICE_SETTINGS}
    for name, variable in SERVICE_SETTINGS.items():
        if service.get(name) in (None, "") and env.get(variable):
            service[name] = env[variable]
    settings.setdefault("error_style", "barbican")
    settings.setdefault("microversions", MICROVERSIONS)
    api = cravat.API(**settings)

    database_url = service.get("database_url") or DEFAULT_DATABASE_URL
    database = cravat.db.Database(database_url, metadata=Base.metadata, migrations=[MIGRATIONS], name="keymanager")
    cravat.db.attach(api, database)
    tasks = cravat.tasks.Tasks(database, **_task_settings(service))
    plugin = crypto.load_plugin(service.get("crypto_plugin") or crypto.DEFAULT_PLUGIN, service,
                                database_url=database_url, env=env)
    km = KeyManager(database=database, tasks=tasks, crypto=plugin, settings=service,
                    public_endpoint=api.options.public_endpoint)
    # GET /v1/: this version's document, as Barbican's V1Controller answers it.
    api.route("/", cravat.VersionDetail(V1, style="barbican"), name="version")
    for area in AREAS:
        area.register(api, km)
    tasks.attach(api)
    api.keymanager = km  # type: ignore[attr-defined]  # for tests and tools: the parts behind the API
    return api


def _task_settings(service: dict[str, Any]) -> dict[str, Any]:
    task_settings: dict[str, Any] = {"transport": service.get("task_transport") or "embedded"}
    if service.get("task_threads") not in (None, ""):
        task_settings["threads"] = int(service["task_threads"])
    if service.get("task_in_request"):
        task_settings["in_request"] = str(service["task_in_request"]).strip()  # TaskSettings checks the value
    for name, key in (("broker_url", "broker_url"), ("task_queue", "queue")):
        if service.get(name):
            task_settings[key] = service[name]
    return task_settings


def __getattr__(name: str) -> Any:
    # PERF: built on first use only, so importing keymanager.app (paste, tests) never opens a database.
    if name == "app":
        global app
        app = build_app()
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
