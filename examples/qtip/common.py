"""QTIP's error decorator: a missing definition is a 404, an unimplemented one a 501 (problem+json)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from cravat import errors
from examples.qtip.catalog import ResourceNotFound

Decorator = Callable[[Callable[..., Any]], Callable[..., Any]]


def check_endpoint_for_error(resource: str, operation: str | None = None) -> Decorator:
    """Map what a controller raises to the API's errors, naming ``resource`` (QTIP's ``common.py``)."""
    def decorator(func: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(func)
        def execute(*args: Any, **kwargs: Any) -> Any:
            try:
                return func(*args, **kwargs)
            except ResourceNotFound as exc:
                raise errors.NotFound(f"{resource} {exc.name!r} not found.") from None
            except NotImplementedError as exc:
                what = f"{operation} of {resource}" if operation else resource
                raise errors.HTTPError(f"{what} is not implemented: {exc}", status=501) from None
        return execute
    return decorator
