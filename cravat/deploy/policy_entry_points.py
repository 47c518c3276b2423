"""oslo.policy's own tools for any cravat API, through the ``oslo.policy.*`` entry points named ``cravat``.

::

    CRAVAT_API=examples.compute:app oslopolicy-sample-generator --namespace cravat
    CRAVAT_API=examples.compute:app oslopolicy-policy-generator --namespace cravat

``CRAVAT_API`` names the API (or a function building it), as ``cravat
routes`` takes it. A service with a package of its own declares its own
entry points the same way, with one line each::

    [project.entry-points."oslo.policy.policies"]
    keymanager = "keymanager.policy:list_rules"      # def list_rules(): return build_app().compile().policy.defaults
"""

from __future__ import annotations

import os

from oslo_policy import policy as oslo_policy

from cravat.deploy.cli_policy import load_api
from cravat.deploy.loading import LoadError

ENV = "CRAVAT_API"


def _api_spec() -> str:
    spec = os.environ.get(ENV)
    if not spec:
        raise LoadError(f"set {ENV} to the API (package.module:attribute) whose policy oslo.policy's tools read")
    return spec


def list_rules() -> list[oslo_policy.RuleDefault]:
    """``oslo.policy.policies``: every default the API registers (core and extensions)."""
    return load_api(_api_spec()).policy.defaults


def get_enforcer() -> oslo_policy.Enforcer:
    """``oslo.policy.enforcer``: an Enforcer with the API's defaults and its policy file."""
    return load_api(_api_spec()).policy.oslo_enforcer()
