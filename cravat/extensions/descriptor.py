"""Extension descriptors: what an installed package adds to an API (Nova's v2.1 plugin framework).

>>> class ServerTags(Extension):
...     \"\"\"Tags on servers.\"\"\"
...     name, alias, updated = "ServerTags", "os-server-tags", "2026-11-22T00:00:00Z"
...     requires = ("os-server-detail",)
...
...     def get_resources(self):                  # new collections, here under /servers/{server_id}
...         return [ResourceExtension("tags", TagsController(self.context), parent="servers")]
...
...     def get_controller_extensions(self):      # actions, routes, response fields, schema on servers
...         return [ControllerExtension("servers", ServerTagsActions(),
...                                     request_properties={"create": {"server": {"tags": TAGS}}})]
...
...     @hook("servers.create")                   # an extension point the core calls
...     def tag_new_server(self, req, body, values):
...         values["tags"] = body.get("tags", [])

The descriptor is a class; the API instantiates it with the service's
context (``self.context``: whatever the service hands its extensions, such
as its stores). Both ``get_resources`` and ``get_controller_extensions``
must be defined; either may return an empty list.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from oslo_policy import policy as oslo_policy

F = TypeVar("F", bound=Callable[..., Any])

#: What an alias must look like (Nova's rule): lower-case words joined by hyphens.
ALIAS_PATTERN = re.compile(r"^[a-z]+[a-z\-]*[a-z]$")

EXTENDS_ATTRIBUTE = "__cravat_extends__"
HOOK_ATTRIBUTE = "__cravat_hook__"


class Extension:
    """An API extension: its identity, and what it adds (resources, controller extensions, hooks, rules)."""

    #: A human name: "ServerTags".
    name: ClassVar[str] = ""
    #: The unique alias the listing, the policy and allow/deny lists know it by: "os-server-tags".
    alias: ClassVar[str] = ""
    version: ClassVar[int] = 1
    #: What it does; the class docstring when empty.
    description: ClassVar[str] = ""
    #: When it last changed, ISO 8601: "2026-11-22T00:00:00Z".
    updated: ClassVar[str] = ""
    #: Aliases it needs loaded first.
    requires: ClassVar[tuple[str, ...]] = ()
    #: Who sees it in ``GET /extensions``: the default of its ``<prefix>:<alias>:discoverable`` rule.
    discoverable: ClassVar[str] = "@"

    def __init__(self, context: Any = None) -> None:
        self.context = context

    def get_resources(self) -> list[ResourceExtension]:
        raise NotImplementedError

    def get_controller_extensions(self) -> list[ControllerExtension]:
        raise NotImplementedError

    def policies(self) -> list[oslo_policy.RuleDefault]:
        """Rule defaults its operations name but do not declare with ``@cravat.rule(...)``."""
        return []

    @classmethod
    def summary(cls) -> str:
        return cls.description or (cls.__doc__ or "").strip().split("\n\n")[0].replace("\n", " ")


@dataclass(frozen=True)
class ResourceExtension:
    """A new collection and its controller: at ``/<collection>``, or under a core resource's member.

    ``ResourceExtension("tags", Tags(), parent="servers")`` mounts ``Tags`` at
    ``/servers/{server_id}/tags`` (the parent's member, its parameter named
    ``parent_key``, by default the parent's name in the singular plus
    ``_id``). ``name`` prefixes its operation names (default: the collection).
    """

    collection: str
    controller: Any
    parent: str | None = None
    parent_key: str | None = None
    member: str = "{id}"
    name: str | None = None


@dataclass(frozen=True)
class ControllerExtension:
    """Additions to an existing resource ``resource`` (its name: ``"servers"``).

    ``controller``'s ``@cravat.action``, ``@cravat.member_action`` and
    ``@cravat.collection_action`` methods become new operations on it, and
    its ``@extends("show")`` methods extend those operations' answers.
    ``request_properties`` adds properties to operations' body schemas:
    ``{"create": {"server": {"tags": TAGS}}}`` lets ``server.tags`` through
    the create schema, in every version that has ``server``.
    """

    resource: str
    controller: Any = None
    request_properties: Mapping[str, Mapping[str, Mapping[str, Any]]] = field(default_factory=dict)


def extends(*operations: str) -> Callable[[F], F]:
    """A response extension of the resource's operations (``"show"``, ``"index"``), as Nova's ``@wsgi.extends``.

    The method is called ``method(req, body)`` with the answer's body after
    the core handler returned it; it changes ``body`` in place (or returns
    a replacement). Path parameters are in ``req.path_params``.
    """
    if not operations or not all(isinstance(op, str) and op for op in operations):
        raise ValueError("extends() names one or more operations of the resource: extends('show', 'index')")

    def mark(func: F) -> F:
        setattr(func, EXTENDS_ATTRIBUTE, tuple(operations))
        return func

    return mark


def hook(point: str) -> Callable[[F], F]:
    """Subscribe a descriptor method to the extension point ``point`` (``"servers.create"``)."""
    if not isinstance(point, str) or not point:
        raise ValueError("hook() names an extension point: hook('servers.create')")

    def mark(func: F) -> F:
        setattr(func, HOOK_ATTRIBUTE, point)
        return func

    return mark
