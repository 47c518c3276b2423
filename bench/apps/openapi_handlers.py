"""The spec-first benchmark's handler functions, as a Connexion user writes them: no request argument.

Every operationId of the generated spec is ``bench.apps.openapi_handlers.r{i}_{verb}``; the module
answers each name with the verb's function (module ``__getattr__``), so a spec of 1,000 operations
needs no 1,000 definitions.
"""

from __future__ import annotations

from typing import Any


def ping() -> dict[str, str]:
    return {"ping": "pong"}


def _index() -> dict[str, Any]:
    return {"items": []}


def _create(body: Any) -> tuple[Any, int]:
    return body, 201


def _update(id: str, body: Any) -> Any:  # noqa: A002 - the spec's parameter name
    return body


def _delete(id: str) -> tuple[None, int]:  # noqa: A002
    return None, 204


def _action(id: str, body: Any) -> tuple[None, int]:  # noqa: A002
    return None, 202


def _show_of(name: str):
    def show(id: str) -> dict[str, str]:  # noqa: A002
        return {"id": id, "name": name}

    return show


_VERBS = {"index": _index, "create": _create, "update": _update, "delete": _delete, "action": _action}
_SHOWS: dict[str, Any] = {}


def __getattr__(name: str) -> Any:
    resource, _, verb = name.rpartition("_")
    if not resource.startswith("r") or not resource[1:].isdigit():
        raise AttributeError(name)
    if verb == "show":
        return _SHOWS.setdefault(resource, _show_of(resource))
    try:
        return _VERBS[verb]
    except KeyError:
        raise AttributeError(name) from None
