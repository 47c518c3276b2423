"""Paste factories for cravat applications: ``use = egg:cravat#api`` in an ``[app:...]`` section.

::

    [app:compute]
    use = egg:cravat#api
    api = examples.compute:build_app
    error_style = nova
    max_body_size = 65536

``api`` names either a built :class:`cravat.API` (``examples.compute:app``),
used as it is, or a function that builds one (``examples.compute:build_app``),
called with the section's other settings as keyword arguments. Settings that
are fields of :class:`cravat.APIOptions` arrive converted to the field's type
(``max_body_size`` as an int, ``project_id = none`` as None); any other
setting arrives as the string written, for the builder to use or refuse.

The URL map's factory is in :mod:`cravat.deploy.urlmap`, the context filter's
in :mod:`cravat.deploy.filters`.
"""

from __future__ import annotations

import dataclasses
import inspect
from typing import Any

from cravat.api.app import API
from cravat.api.options import APIOptions
from cravat.deploy.loading import load_object
from cravat.types import WSGIApp

_TRUE = ("true", "yes", "on", "1")
_FALSE = ("false", "no", "off", "0")


def api_factory(global_conf: dict[str, str], api: str | None = None, **settings: str) -> WSGIApp:
    """``paste.app_factory`` ``egg:cravat#api``: the API that ``api = module:attribute`` names or builds."""
    if not api:
        raise ValueError("'api = package.module:attribute' is required: a cravat API or a function building one")
    obj = load_object(api)
    if isinstance(obj, API):
        if settings:
            raise ValueError(f"api = {api} is an API already built, so {', '.join(sorted(settings))} cannot "
                             "apply; name a function that builds it instead")
        return obj.compile()
    if not (inspect.isfunction(obj) or inspect.ismethod(obj) or inspect.isclass(obj)):
        raise ValueError(f"api = {api} is a {type(obj).__name__}, not a cravat API nor a function building one")
    kwargs = {name: _convert(name, value) for name, value in settings.items()}
    _check_accepts(obj, api, kwargs)
    app = obj(**kwargs)
    if not callable(app):
        raise ValueError(f"api = {api} returned a {type(app).__name__}, not a WSGI application")
    # Compiled now, so a route conflict or an unbound argument stops the server from starting.
    return app.compile() if isinstance(app, API) else app


def _convert(name: str, value: str) -> Any:
    """``value`` as the APIOptions field ``name`` wants it; the string itself for anything else."""
    field = _OPTION_TYPES.get(name)
    if field is None:
        return value
    text = value.strip()
    types = [t.strip() for t in field.split("|")]
    if "None" in types and text.lower() in ("", "none"):
        return None
    if "int" in types:
        try:
            return int(text)
        except ValueError:
            raise ValueError(f"{name} = {value!r} is not a whole number") from None
    if "bool" in types:
        if text.lower() in _TRUE:
            return True
        if text.lower() in _FALSE:
            return False
        raise ValueError(f"{name} = {value!r} is not true or false")
    return text


def _check_accepts(builder: Any, api: str, kwargs: dict[str, Any]) -> None:
    try:
        signature = inspect.signature(builder)
    except (TypeError, ValueError):
        return
    params = signature.parameters.values()
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return
    accepted = {p.name for p in params if p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)}
    unknown = sorted(set(kwargs) - accepted)
    if unknown:
        raise ValueError(f"api = {api} takes no setting {', '.join(map(repr, unknown))}; it takes: "
                         f"{', '.join(sorted(accepted)) or 'none'}")


# The type each APIOptions field is declared with, as written ("int", "str | None").
_OPTION_TYPES = {f.name: str(f.type) for f in dataclasses.fields(APIOptions)}
