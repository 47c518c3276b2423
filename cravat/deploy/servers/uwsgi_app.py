"""The module a uWSGI worker imports: ``application`` is the app ``$CRAVAT_SERVE_APP`` describes, guarded.

The guard's options come in ``$CRAVAT_SERVE_GUARD``; the app's shutdown hooks
run when the worker exits (``uwsgi.atexit``).
"""

from __future__ import annotations

import json
import os

from cravat.api.lifecycle import stop_all
from cravat.deploy.guard import GuardOptions
from cravat.deploy.server import AppSource, load_guarded
from cravat.deploy.servers.uwsgi import GUARD_VARIABLE, SOURCE_VARIABLE


def _options() -> GuardOptions:
    fields = json.loads(os.environ.get(GUARD_VARIABLE) or "{}")
    return GuardOptions(**{k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()})


application = load_guarded(AppSource.from_json(os.environ[SOURCE_VARIABLE]), _options())

try:
    import uwsgi
except ImportError:  # imported outside uWSGI (a test, a check): nothing to hook
    pass
else:
    uwsgi.atexit = lambda: stop_all(application.lifecycles)
