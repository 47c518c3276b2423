"""``examples.keymanager.wsgi:application`` for gunicorn, uWSGI or mod_wsgi.

The paste file is ``$KEYMANAGER_PASTE``, else the one in this checkout's ``etc/``
(a packaged service would default to ``/etc/keymanager/api-paste.ini``).
"""

from pathlib import Path

from cravat.deploy.wsgi import init_application

DEFAULT_PASTE = str(Path(__file__).resolve().parents[2] / "etc" / "api-paste.ini")

application = init_application("KEYMANAGER_PASTE", default=DEFAULT_PASTE)
