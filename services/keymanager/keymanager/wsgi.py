"""``keymanager.wsgi:application`` for gunicorn, uWSGI or mod_wsgi.

The paste file is ``$KEYMANAGER_PASTE``, else ``etc/api-paste.ini`` of this checkout (a packaged
service would default to ``/etc/keymanager/api-paste.ini``); ``$KEYMANAGER_PASTE_NAME`` picks the
composite: ``main`` (keystone) by default, ``noauth`` for development.
"""

import os

from pathlib import Path

from cravat.deploy.wsgi import init_application

DEFAULT_PASTE = str(Path(__file__).resolve().parents[3] / "etc" / "api-paste.ini")

application = init_application("KEYMANAGER_PASTE", default=DEFAULT_PASTE,
                              name=os.environ.get("KEYMANAGER_PASTE_NAME", "").strip() or "main")
