"""Finding the application a command names: ``package.module:attribute``."""

from __future__ import annotations

import importlib
import os
import sys
from typing import Any


class LoadError(Exception):
    """The named application could not be loaded; the message says which part failed."""


def make_cwd_importable() -> None:
    """Put the current directory on ``sys.path``, as gunicorn and uWSGI do for the apps they load."""
    if os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())


def load_object(spec: str) -> Any:
    """Import ``module:attribute`` (dots allowed in both), as gunicorn and uWSGI do.

    The current directory is importable, so ``examples.compute:app`` works from
    a checkout.

    >>> load_object("examples.compute:app")
    <cravat.api.app.API object at ...>
    """
    module_name, sep, attr = spec.partition(":")
    if not sep or not module_name or not attr:
        raise LoadError(f"{spec!r} is not of the form 'package.module:attribute'")
    make_cwd_importable()
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise LoadError(f"cannot import module {module_name!r} named by {spec!r}: {exc}") from exc
    obj: Any = module
    for part in attr.split("."):
        try:
            obj = getattr(obj, part)
        except AttributeError:
            raise LoadError(f"module {module_name!r} has no attribute {attr!r} (named by {spec!r})") from None
    return obj
