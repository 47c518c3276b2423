"""The module a uWSGI worker imports: ``application`` is the app ``$CRAVAT_SERVE_APP`` describes."""

from __future__ import annotations

import os

from cravat.deploy.server import AppSource
from cravat.deploy.servers.uwsgi import SOURCE_VARIABLE

application = AppSource.from_json(os.environ[SOURCE_VARIABLE]).load()
