"""``/``: the versions document, in Barbican's shape (300 Multiple Choices).

At microversion 1.0 (or with no version header) it has Barbican's original
shape, ``{"versions": {"values": [...]}}``; from 1.1 on it lists the
microversion range, as Barbican does, so python-barbicanclient can negotiate.
"""

from __future__ import annotations

from typing import Any

import cravat

MICROVERSIONS = cravat.Microversions("key-manager", "1.0", "1.1")
V1 = cravat.VersionInfo.of("v1", MICROVERSIONS, updated="2021-02-10T00:00:00Z",
                           media_type="application/vnd.openstack.key-manager-v1+json")


def build_app(**settings: Any) -> cravat.API:
    settings.setdefault("error_style", "barbican")
    settings.setdefault("microversions", MICROVERSIONS)
    api = cravat.API(**settings)
    api.route("/", cravat.VersionList([V1], style="barbican"), name="versions")
    return api
