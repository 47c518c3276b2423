"""Extension points: named hooks a core controller calls and extensions subscribe to.

Nova's servers controller grew every feature that touched server creation
until hooks (``nova.api.v3.extensions.server.create``) let those features
live in their own extensions. Here a service declares its points, calls
them where the feature would otherwise be written, and an extension
subscribes with ``@hook("servers.create")``:

>>> points = ExtensionPoints({"servers.create": "(req, body, values): add to values, or raise a fault"})
>>> class ServersController:
...     def create(self, req, body):
...         values = {"name": body["server"]["name"]}
...         points.run("servers.create", req, body=body["server"], values=values)
...         return self.store.add(**values)

A subscriber adds to what it is given (the input it may add to, the output
it may add to) or refuses the operation by raising a fault
(``cravat.errors.BadRequest``, ``Forbidden``, ...). Subscribers run in the
order the extensions loaded (requirements first).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any


class ExtensionPointError(LookupError):
    """A hook naming a point the API did not declare."""


class ExtensionPoints:
    """The points of one API and who subscribes to each."""

    def __init__(self, points: Mapping[str, str] | None = None) -> None:
        self._docs: dict[str, str] = {}
        self._subscribers: dict[str, tuple[tuple[str, Callable[..., Any]], ...]] = {}
        for name, doc in (points or {}).items():
            self.declare(name, doc)

    def declare(self, name: str, doc: str = "") -> None:
        """Declare the point ``name``; ``doc`` says what its subscribers receive and may do."""
        if name in self._docs:
            raise ExtensionPointError(f"extension point {name!r} is declared twice")
        self._docs[name] = doc
        self._subscribers[name] = ()

    def require(self, name: str, owner: str) -> None:
        """Raise :class:`ExtensionPointError` unless ``name`` is declared (``owner`` wants to subscribe)."""
        if name not in self._docs:
            raise ExtensionPointError(f"extension {owner!r} subscribes to extension point {name!r}, which the API "
                                      f"does not declare (it declares: {', '.join(sorted(self._docs)) or 'none'})")

    def subscribe(self, name: str, subscriber: Callable[..., Any], owner: str) -> None:
        """Add ``subscriber`` (of extension ``owner``) to the point ``name``."""
        self.require(name, owner)
        self._subscribers[name] = (*self._subscribers[name], (owner, subscriber))

    def run(self, name: str, req: Any, **arguments: Any) -> None:
        """Call every subscriber of ``name`` as ``subscriber(req, **arguments)``, in order; a fault stops them."""
        for _owner, subscriber in self._subscribers[name]:
            subscriber(req, **arguments)

    def subscribers(self, name: str) -> tuple[str, ...]:
        """The extensions subscribed to ``name``, in the order they run."""
        return tuple(owner for owner, _ in self._subscribers[name])

    @property
    def names(self) -> dict[str, str]:
        return dict(self._docs)
