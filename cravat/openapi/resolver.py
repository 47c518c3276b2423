"""From an operation to the Python function that handles it, as Connexion finds it.

- ``operationId: package.module.function`` names it (``Class.method`` too);
- ``x-openapi-router-controller: package.module`` on the path or the
  operation is a prefix: ``operationId: get_plan`` is then ``package.module.get_plan``;
- :class:`RestyResolver` names functions for operations without an
  operationId by REST semantics (``GET /pets`` -> ``api.pets.search``,
  ``GET /pets/{id}`` -> ``api.pets.get``, ``POST /pets`` -> ``api.pets.post``).

Names of handler arguments follow Connexion: a parameter ``petId`` binds
to ``petId`` (characters Python names cannot hold dropped), or to
``pet_id`` with ``pythonic_params`` (snake case; a builtin's or keyword's
name gets a trailing underscore: ``filter`` -> ``filter_``).
"""

from __future__ import annotations

import builtins
import importlib
import keyword
import re
from collections.abc import Callable
from typing import Any

from cravat.openapi.operations import Operation


class ResolverError(LookupError):
    """An operation whose function cannot be found; the message says what was looked up and why not."""


class Resolver:
    """``operationId`` (with the controller prefix) -> function."""

    def __init__(self, function_resolver: Callable[[str], Any] | None = None) -> None:
        self.function_resolver = function_resolver or function_from_name

    def operation_id(self, op: Operation) -> str | None:
        if op.operation_id is None:
            return None
        return f"{op.controller}.{op.operation_id}" if op.controller else op.operation_id

    def resolve(self, op: Operation) -> tuple[str, Any]:
        """``(the name looked up, the function)``; ``ResolverError`` when there is none."""
        name = self.operation_id(op)
        if name is None:
            raise ResolverError(f"{op.method} {op.path} has no operationId (and this resolver names no function "
                                "without one: use RestyResolver)")
        return name, self.function_resolver(name)


class RelativeResolver(Resolver):
    """operationIds relative to a module: ``listPets`` is ``root.listPets`` (unless a controller is named)."""

    def __init__(self, root: str | Any) -> None:
        super().__init__()
        self.root = root if isinstance(root, str) else root.__name__

    def operation_id(self, op: Operation) -> str | None:
        if op.operation_id is None:
            return None
        return f"{op.controller or self.root}.{op.operation_id}"


class RestyResolver(Resolver):
    """Functions named by REST semantics when the operation has no operationId (Connexion's RestyResolver)."""

    def __init__(self, default_module_name: str, *, collection_endpoint_name: str = "search") -> None:
        super().__init__()
        self.default_module_name = default_module_name
        self.collection_endpoint_name = collection_endpoint_name

    def operation_id(self, op: Operation) -> str:
        if op.operation_id:
            return super().operation_id(op)  # type: ignore[return-value]
        components = [c for c in op.path.split("/") if c]
        resource = ".".join(c for c in components if not _is_var(c)).replace("-", "_")
        module = op.controller or (f"{self.default_module_name}.{resource}" if resource else self.default_module_name)
        collection = op.method == "GET" and resource and not _is_var(components[-1])
        return f"{module}.{self.collection_endpoint_name if collection else op.method.lower()}"


def _is_var(component: str) -> bool:
    return component.startswith("{") and component.endswith("}")


def function_from_name(name: str) -> Any:
    """Import ``package.module.attr[.attr...]``: the longest importable module, then attributes."""
    if not name or "." not in name:
        raise ResolverError(f"{name!r} is not of the form package.module.function")
    parts = name.split(".")
    error: Exception | None = None
    for split in range(len(parts) - 1, 0, -1):
        module_name = ".".join(parts[:split])
        try:
            obj: Any = importlib.import_module(module_name)
        except ModuleNotFoundError as exc:
            if exc.name is not None and not module_name.startswith(exc.name) and not exc.name.startswith(module_name):
                raise ResolverError(f"cannot import {module_name!r} for {name!r}: {exc}") from exc
            error = exc
            continue
        except Exception as exc:  # the module exists but fails to import: say so, not "not found"
            raise ResolverError(f"importing {module_name!r} for {name!r} failed: {type(exc).__name__}: {exc}") \
                from exc
        for attr in parts[split:]:
            try:
                obj = getattr(obj, attr)
            except AttributeError:
                raise ResolverError(f"module {module_name!r} has no {'.'.join(parts[split:])!r} "
                                    f"(operationId {name!r})") from None
        if not callable(obj):
            raise ResolverError(f"{name!r} is a {type(obj).__name__}, not a function")
        return obj
    raise ResolverError(f"cannot import a module for {name!r}: {error}")


def sanitized(name: str) -> str:
    """Connexion's argument name for a parameter: characters a Python name cannot hold dropped.

    >>> sanitized("filter[name]"), sanitized("X-Rate-Limit"), sanitized("2fa")
    ('filter_name', 'XRateLimit', 'fa')
    """
    return name and re.sub(r"^[^a-zA-Z_]+", "", re.sub(r"[^0-9a-zA-Z_]", "", re.sub(r"\[(?!])", "_", name)))


def pythonic(name: str) -> str:
    """snake_case, and not shadowing a builtin or keyword: ``petId`` -> ``pet_id``, ``id`` -> ``id_``."""
    snake = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
    snake = re.sub(r"([a-z\d])([A-Z])", r"\1_\2", snake).replace("-", "_").lower()
    if snake in builtins.__dict__ or keyword.iskeyword(snake):
        snake += "_"
    return sanitized(snake)
