"""``/``: the versions document, in Barbican's shape (300 Multiple Choices).

With no version header, or ``OpenStack-API-Version: key-manager 1.0``, it has Barbican's original
shape, ``{"versions": {"values": [{"id": "v1", "status": "stable", ...}]}}``; from 1.1 on it lists the
microversion range (``min_version`` 1.0, ``max_version`` 1.2, status CURRENT), which is what
python-barbicanclient asks for (``key-manager 1.1``) and keystoneauth's discovery reads.
"""

from __future__ import annotations

from typing import Any

import cravat

#: Barbican 23's range (barbican/api/controllers/versions.py: _MIN_MICROVERSION 0, _MAX_MICROVERSION 2).
MICROVERSIONS = cravat.Microversions("key-manager", "1.0", "1.2")
V1 = cravat.VersionInfo.of("v1", MICROVERSIONS, updated="2025-09-18T00:00:00Z",
                           media_type="application/vnd.openstack.key-manager-v1+json")


def build_app(**settings: Any) -> cravat.API:
    """The versions app of the paste file's ``/`` (settings go to cravat.APIOptions)."""
    settings.setdefault("error_style", "barbican")
    settings.setdefault("microversions", MICROVERSIONS)
    api = cravat.API(**settings)
    api.route("/", cravat.VersionList([V1], style="barbican"), name="versions")
    return api
