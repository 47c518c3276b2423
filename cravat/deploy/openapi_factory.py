"""The paste factory of spec-first apps: ``use = egg:cravat#openapi`` in an ``[app:...]`` section.

::

    [app:qtip]
    use = egg:cravat#openapi
    spec = %(here)s/../examples/qtip/swagger.yaml
    base_path = /v1.0
    strict_validation = true
    validate_responses = false
    stub = false
    pythonic_params = false
    error_style = problem

``spec`` is the file (relative paths are from the paste file's folder);
``base_path`` defaults to the spec's own; ``module_path``, a folder the
handler modules are imported from (as ``connexion run SPEC BASE_MODULE_PATH``
has it). The other settings are ``add_api``'s and :class:`cravat.APIOptions`'
(``max_body_size``, ...).
"""

from __future__ import annotations

import os
import sys
from typing import Any

from cravat.deploy.factories import _convert
from cravat.openapi import App
from cravat.types import WSGIApp

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")
_ADD_API_FLAGS = ("strict_validation", "validate_responses", "stub", "pythonic_params", "swagger_ui")


def openapi_factory(global_conf: dict[str, str], spec: str | None = None, base_path: str | None = None,
                    module_path: str | None = None, **settings: str) -> WSGIApp:
    """``paste.app_factory`` ``egg:cravat#openapi``: a spec-first app from ``spec = FILE``."""
    if not spec:
        raise ValueError("'spec = FILE' is required: the Swagger 2.0 or OpenAPI 3.x file to serve")
    here = global_conf.get("here", "")
    path = spec if os.path.isabs(spec) else os.path.join(here, spec)
    if module_path:
        folder = os.path.abspath(os.path.join(here, module_path))
        if not os.path.isdir(folder):
            raise ValueError(f"module_path = {module_path}: no such folder")
        if folder not in sys.path:
            sys.path.insert(1, folder)
    flags = {name: _flag(name, settings.pop(name)) for name in _ADD_API_FLAGS if name in settings}
    options: dict[str, Any] = {name: _convert(name, value) for name, value in settings.items()}
    app = App(**options)
    app.add_api(path, base_path=base_path, **flags)
    return app.compile()


def _flag(name: str, value: str) -> bool:
    text = value.strip().lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{name} = {value!r} is not true or false")
