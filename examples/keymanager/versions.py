"""``/``: the versions document, in Barbican's shape.

Deliberately minimal: cravat's own version discovery will replace it.
"""

from __future__ import annotations

from typing import Any

import cravat


class Versions:
    def on_get(self, req: cravat.Request) -> dict[str, Any]:
        # application_url honours SCRIPT_NAME and, behind http_proxy_to_wsgi, the proxy's scheme and host.
        href = f"{req.application_url}/v1/"
        return {"versions": {"values": [
            {"id": "v1", "status": "stable", "links": [{"rel": "self", "href": href}]},
        ]}}


def build_app(**settings: Any) -> cravat.API:
    settings.setdefault("error_style", "barbican")
    api = cravat.API(**settings)
    api.route("/", Versions(), name="versions")
    return api
