"""The WSGI module pattern: ``<package>.wsgi:application`` for uWSGI, gunicorn and mod_wsgi.

OpenStack services ship a module that any WSGI server can import, which loads
the service's paste file. With cravat a service writes two lines::

    # keymanager/wsgi.py
    from cravat.deploy.wsgi import init_application

    application = init_application("KEYMANAGER_PASTE", default="/etc/keymanager/api-paste.ini")

and is served by ``gunicorn keymanager.wsgi:application``,
``uwsgi --module keymanager.wsgi:application`` or mod_wsgi's
``WSGIScriptAlias``. The paste file is the one the environment variable names,
else ``default``; the application is its ``[composite:main]`` (or
``[pipeline:main]``, ``[app:main]``) unless ``name`` says otherwise.
"""

from __future__ import annotations

import atexit
import os

from cravat.api.lifecycle import collecting, start_all, stop_all
from cravat.deploy.guard import GuardOptions, ServingGuard
from cravat.deploy.pasteload import PasteLoadError, load_paste_app
from cravat.types import WSGIApp


def paste_file(env_var: str, default: str, environ: dict[str, str] | None = None) -> str:
    """The paste file to load: ``$env_var`` when set and not empty, else ``default``.

    >>> paste_file("KEYMANAGER_PASTE", "/etc/keymanager/api-paste.ini", {"KEYMANAGER_PASTE": "dev.ini"})
    'dev.ini'
    """
    value = (os.environ if environ is None else environ).get(env_var, "").strip()
    return value or default


def init_application(env_var: str, default: str, name: str = "main",
                     environ: dict[str, str] | None = None, guard: GuardOptions | None = None) -> WSGIApp:
    """The WSGI application from the paste file ``paste_file(env_var, default)`` names, behind the guard.

    The guard (:mod:`cravat.deploy.guard`, with ``guard`` or the defaults)
    is outermost, as under ``cravat serve``. The app's start-up hooks run
    here, once it is built; its shutdown hooks when the process exits.

    Raises :class:`PasteLoadError` (file, section and reason, and which
    variable chose the file) so the server's log says why the worker did not start.
    """
    env = os.environ if environ is None else environ
    path = paste_file(env_var, default, env)
    try:
        with collecting() as lifecycles:
            app = load_paste_app(path, name=name)
    except PasteLoadError as exc:
        chosen = f"${env_var}" if env.get(env_var, "").strip() else f"default; ${env_var} is not set"
        raise PasteLoadError(exc.file, exc.section, f"{exc.reason} (file: {chosen})") from exc
    if not _start_in_each_uwsgi_worker(lifecycles):
        start_all(lifecycles)
    atexit.register(stop_all, lifecycles)
    guarded = ServingGuard(app, guard)
    guarded.lifecycles = lifecycles
    return guarded


def _start_in_each_uwsgi_worker(lifecycles: list) -> bool:
    """Under uWSGI's master without ``--lazy-apps``, start the hooks after each worker's fork; True if so.

    There the app is loaded once in the master, which then forks its workers. Threads a start-up hook
    began (a task worker, a policy watcher) would run in the master only, and a fork taken while one
    of them holds the GIL leaves the worker deadlocked before its first request. uWSGI calls
    ``uwsgi.post_fork_hook`` in every worker it forks; an earlier hook is chained, not replaced.
    """
    try:
        import uwsgi  # exists only inside a uWSGI process
    except ImportError:
        return False
    options = getattr(uwsgi, "opt", {})
    if not options.get("master") or options.get("lazy-apps") or options.get("lazy"):
        return False  # the app is loaded in the worker itself: start here
    earlier = getattr(uwsgi, "post_fork_hook", None)

    def start_after_fork() -> None:
        if earlier is not None:
            earlier()
        start_all(lifecycles)

    uwsgi.post_fork_hook = start_after_fork
    return True
