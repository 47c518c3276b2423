"""Loading extensions into an API: one registry, and what it publishes is exactly what is installed.

>>> registry = load_extensions(api, group="compute.api.extensions", core=("os-server-tags",),
...                            deny=settings.get("extensions_deny"), points=POINTS, context=store,
...                            policy_prefix="compute")

Each extension's resources, actions, custom routes and schema additions
become declarations through ``api.add_declarations`` (all of an extension's,
or none), so they compile into the same endpoints and implementations as
the core's, tagged ``Implementation.extras["extension"] = alias``; its
response extensions become an extend-response step on the operations they
extend; its hooks subscribe to the API's extension points; its rules join
``api.policy``. ``GET /extensions`` lists the registry, the route table and
the policy sample come from the same API, so none can disagree.
"""

from __future__ import annotations

import copy
import dataclasses
import logging
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from oslo_policy import policy as oslo_policy

from cravat.api.app import API
from cravat.api.controllers import STANDARD_METHODS, controller_declarations
from cravat.api.declarations import DeclarationError, OperationDecl, Where
from cravat.api.declare import declaration
from cravat.api.implementation import Implementation, Plan
from cravat.api.steps import ExtendResponse, Step
from cravat.extensions.descriptor import EXTENDS_ATTRIBUTE, HOOK_ATTRIBUTE, ControllerExtension, ResourceExtension
from cravat.extensions.listing import mount_listing
from cravat.extensions.loading import Candidate, ExtensionError, check, discover, order
from cravat.extensions.points import ExtensionPointError, ExtensionPoints
from cravat.extensions.schemas import add_properties
from cravat.http.response import Result
from cravat.policy.enforcer import PolicyError
from cravat.routing.router import RouteConflict
from cravat.routing.template import TemplateError

LOG = logging.getLogger(__name__)


@dataclass(frozen=True)
class LoadedExtension:
    """An extension as the API serves it: what the listing shows, and what it added."""

    alias: str
    name: str
    version: int
    description: str
    updated: str
    source: str                      # its entry point, or its class
    instance: Any
    operations: tuple[str, ...]      # the operations it added (its implementations carry its alias)
    extended: tuple[str, ...]        # the core operations whose schema or answer it extends
    discoverable_rule: str


class ExtensionRegistry:
    """The extensions loaded into one API, in load order (requirements first)."""

    def __init__(self, extensions: list[LoadedExtension], listing: str | None) -> None:
        self._by_alias = {e.alias: e for e in extensions}
        self.listing = listing

    def __iter__(self) -> Iterator[LoadedExtension]:
        return iter(self._by_alias.values())

    def __len__(self) -> int:
        return len(self._by_alias)

    def __contains__(self, alias: object) -> bool:
        return alias in self._by_alias

    def get(self, alias: str) -> LoadedExtension | None:
        return self._by_alias.get(alias)

    @property
    def aliases(self) -> list[str]:
        return list(self._by_alias)


def load_extensions(api: API, *, group: str | None = None, extensions: Iterable[type] = (),
                    core: Iterable[str] = (), allow: str | Iterable[str] | None = None,
                    deny: str | Iterable[str] | None = None, skip_broken: bool | str = False,
                    context: Any = None, points: ExtensionPoints | None = None, policy_prefix: str = "api",
                    listing: str | None = "/extensions") -> ExtensionRegistry:
    """Load the extensions of entry point ``group`` (and the classes ``extensions``) into ``api``.

    ``core``: aliases without which the API does not start. ``allow`` and
    ``deny`` (lists, or strings of aliases separated by commas or spaces, as a
    paste file gives them) choose which load. ``skip_broken`` turns a broken
    extension into a warning. ``context`` is given to each descriptor;
    ``points`` are the API's extension points. ``policy_prefix`` names the
    listing's rules (``compute:extensions``, ``compute:<alias>:discoverable``);
    ``listing`` is where ``GET /extensions`` is mounted (None: nowhere).
    """
    core_set, allow_set, deny_set = set(names(core)), _optional(allow), set(names(deny))
    skip = flag(skip_broken)
    denied_core = core_set & deny_set
    if denied_core:
        raise ExtensionError(f"core extension{'s' if len(denied_core) > 1 else ''} "
                             f"{', '.join(map(repr, sorted(denied_core)))} cannot be denied")
    if allow_set is not None:
        allow_set |= core_set
    found = order(check(discover(group, extensions, allow=allow_set, deny=deny_set), core=core_set,
                        skip_broken=skip))
    loader = _Loader(api, points or ExtensionPoints(), context, policy_prefix, listing)
    loaded: list[LoadedExtension] = []
    for candidate in found:
        missing = [r for r in candidate.descriptor.requires if r not in {e.alias for e in loaded}]
        try:
            if missing:
                raise ExtensionError(f"{candidate.describe()} cannot load: it requires "
                                     f"{', '.join(map(repr, missing))}, which did not load")
            loaded.append(loader.load(candidate))
        except ExtensionError as exc:
            if candidate.alias in core_set or not skip:
                raise
            LOG.warning("%s; skipped, as the configuration skips broken extensions", exc)
    registry = ExtensionRegistry(loaded, listing)
    if listing is not None:
        mount_listing(api, registry, listing, policy_prefix)
    api.add_step(loader.extend_step)
    LOG.info("extensions loaded: %s", ", ".join(registry.aliases) or "none")
    return registry


def names(value: str | Iterable[str] | None) -> list[str]:
    """``"a, b c"`` or ``["a", "b"]`` as a list of names (a paste file gives strings)."""
    if value is None:
        return []
    if isinstance(value, str):
        return [n for n in value.replace(",", " ").split() if n]
    return [str(n) for n in value]


def _optional(value: str | Iterable[str] | None) -> set[str] | None:
    return None if value is None or (isinstance(value, str) and not value.strip()) else set(names(value))


def flag(value: bool | str) -> bool:
    """A yes/no setting, from a paste file's text or a bool."""
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("true", "yes", "on", "1"):
        return True
    if text in ("false", "no", "off", "0", ""):
        return False
    raise ExtensionError(f"skip_broken_extensions = {value!r} is not true or false")


class _Loader:
    """Turns one extension at a time into declarations, extenders, hooks and rules of the API."""

    def __init__(self, api: API, points: ExtensionPoints, context: Any, prefix: str, listing: str | None) -> None:
        self.api = api
        self.points = points
        self.context = context
        self.prefix = prefix
        self.listing = listing
        self.extenders: dict[str, list[tuple[str, Callable[..., Any]]]] = {}

    def load(self, candidate: Candidate) -> LoadedExtension:
        descriptor = candidate.descriptor
        alias = descriptor.alias
        where = Where.of_function(descriptor.get_resources) or Where(candidate.source, 0)
        try:
            instance = descriptor(self.context)
            resources = list(instance.get_resources())
            controller_extensions = list(instance.get_controller_extensions())
            policies = list(instance.policies())
        except ExtensionError:
            raise
        except Exception as exc:
            raise ExtensionError(f"{candidate.describe()} cannot load: building it raised "
                                 f"{type(exc).__name__}: {exc}") from exc
        extras = {"extension": alias}
        try:
            decls: list[OperationDecl] = []
            for resource in resources:
                decls.extend(self._resource(resource, where, extras))
            extenders: list[tuple[str, Callable[..., Any]]] = []
            extended: list[str] = []
            for extension in controller_extensions:
                new, changed, found = self._controller_extension(extension, where, alias)
                decls.extend(new)
                decls.extend(changed)
                extenders.extend(found)
                extended.extend(d.name for d in changed)
            hooks = _hooks(instance)
            for point, _ in hooks:
                self.points.require(point, alias)
            self.api.add_declarations(decls)
        except (DeclarationError, RouteConflict, TemplateError, ExtensionPointError, LookupError, ValueError) as exc:
            if isinstance(exc, ExtensionError):
                raise
            raise ExtensionError(f"{candidate.describe()} cannot load: {exc}") from exc
        for operation, extender in extenders:
            self.extenders.setdefault(operation, []).append((alias, extender))
            extended.append(operation)
        for point, subscriber in hooks:
            self.points.subscribe(point, subscriber, alias)
        discoverable = f"{self.prefix}:{alias}:discoverable"
        try:
            self.api.policy.register(policies, where=candidate.source)
            self.api.policy.register([oslo_policy.RuleDefault(
                discoverable, descriptor.discoverable,
                f"Whether the {alias} extension is shown in the extensions listing ({self.listing}).")],
                where=candidate.source)
        except PolicyError as exc:
            raise ExtensionError(f"{candidate.describe()} cannot load: {exc}") from exc
        return LoadedExtension(alias, descriptor.name, descriptor.version, descriptor.summary(),
                               descriptor.updated, candidate.source, instance,
                               tuple(d.name for d in decls if d.extras.get("extension") == alias),
                               tuple(dict.fromkeys(extended)), discoverable)

    # --- resources ---------------------------------------------------------------------------

    def _resource(self, resource: ResourceExtension, where: Where, extras: dict[str, Any]) -> list[OperationDecl]:
        if not isinstance(resource, ResourceExtension):
            raise ExtensionError(f"get_resources() returned {resource!r}, not a ResourceExtension")
        collection = "/" + resource.collection.strip("/")
        if resource.parent is not None:
            parent = self._resource_of(resource.parent)
            key = resource.parent_key or f"{resource.parent.rstrip('s')}_id"
            collection = f"{parent.collection}/{parent.member_as(key)}{collection}"
        name = resource.name or resource.collection.strip("/").rsplit("/", 1)[-1]
        decls = controller_declarations(resource.controller, collection, name, resource.member, where,
                                        mounts=self.api.mounts)
        return [dataclasses.replace(d, extras=MappingProxyType({**d.extras, **extras})) for d in decls]

    def _resource_of(self, name: str) -> _Resource:
        """Where the resource ``name`` (its operations ``name:...``) is mounted."""
        members = [d for d in self.api.declarations if d.name.partition(":")[0] == name]
        if not members:
            raise ExtensionError(f"it extends resource {name!r}, which the API does not have (its resources: "
                                 f"{', '.join(sorted({d.name.partition(':')[0] for d in self.api.declarations}))})")
        by_method = {d.name.partition(":")[2]: d for d in members}
        show = next((by_method[m] for m in ("show", "update", "delete") if m in by_method), None)
        index = next((by_method[m] for m in ("index", "create") if m in by_method), None)
        if show is not None:
            member = show.template.segments[-1].text
            collection = show.template.text[: -len(member) - 1] or "/"
        elif index is not None:
            collection, member = index.template.text, "{id}"
        else:
            raise ExtensionError(f"resource {name!r} has no standard operation to find its routes by")
        return _Resource(name, collection, member)

    # --- controller extensions ---------------------------------------------------------------

    def _controller_extension(self, extension: ControllerExtension, where: Where, alias: str) \
            -> tuple[list[OperationDecl], list[OperationDecl], list[tuple[str, Callable[..., Any]]]]:
        if not isinstance(extension, ControllerExtension):
            raise ExtensionError(f"get_controller_extensions() returned {extension!r}, not a ControllerExtension")
        resource = self._resource_of(extension.resource)
        new: list[OperationDecl] = []
        extenders: list[tuple[str, Callable[..., Any]]] = []
        controller = extension.controller
        if controller is not None:
            routed = False
            for attr in dir(type(controller)):
                if attr.startswith("_"):
                    continue
                method = getattr(controller, attr)
                if not callable(method):
                    continue
                targets = getattr(method, EXTENDS_ATTRIBUTE, None)
                if targets is not None:
                    for target in targets:
                        operation = f"{resource.name}:{target}"
                        if operation not in self.api.operation_names:
                            raise ExtensionError(f"{attr}() extends {operation!r}, which the API does not have")
                        extenders.append((operation, method))
                    continue
                if attr in STANDARD_METHODS:
                    raise ExtensionError(f"its controller for {resource.name!r} defines {attr}(), which the core "
                                         f"resource answers; extend the answer with @extends({attr!r}) instead")
                facts = declaration(method)
                routed = routed or (facts is not None and (facts.action is not None or facts.route is not None))
            if routed:
                decls = controller_declarations(controller, resource.collection, resource.name, resource.member,
                                                where, mounts=self.api.mounts)
                new = [dataclasses.replace(d, extras=MappingProxyType({**d.extras, "extension": alias}))
                       for d in decls]
        changed = [self._with_properties(resource, op, props, alias, where)
                   for op, props in extension.request_properties.items()]
        return new, changed, extenders

    def _with_properties(self, resource: _Resource, op: str, properties: Any, alias: str,
                         where: Where) -> OperationDecl:
        """The core declaration of ``resource:op`` again, its body schemas with ``properties`` added."""
        name = f"{resource.name}:{op}"
        decl = next((d for d in self.api.declarations if d.name == name), None)
        if decl is None:
            raise ExtensionError(f"it extends the request schema of {name!r}, which the API does not have")
        facts = copy.copy(decl.facts)
        added = False
        if "body" in facts.schemas:
            facts.schemas = {**facts.schemas, "body": add_properties(facts.schemas["body"], properties, name)}
            added = True
        variants = []
        for variant in facts.variants:
            if variant.body is not None and add_properties(variant.body, properties, name, check_only=True):
                variant = dataclasses.replace(variant, body=add_properties(variant.body, properties, name))
                added = True
            variants.append(variant)
        facts.variants = tuple(variants)
        if not added:
            raise ExtensionError(f"it adds {_paths(properties)} to the request schema of {name!r}, which has no "
                                 "body schema with that object")
        extended_by = (*decl.extras.get("extended_by", ()), alias)
        # Declared again where the extension is, so the log's "overrides" line names both places.
        return dataclasses.replace(decl, facts=facts, override=True, where=where,
                                   extras=MappingProxyType({**decl.extras, "extended_by": extended_by}))

    # --- response extensions -----------------------------------------------------------------

    def extend_step(self, plan: Plan, impl: Implementation) -> Step | None:
        """The API's step factory: an extend-response step for the operations extensions extend."""
        extenders = self.extenders.get(plan.decl.name)
        if not extenders:
            return None
        return ExtendResponse(tuple(_extender(alias, fn) for alias, fn in extenders))


@dataclass(frozen=True)
class _Resource:
    name: str
    collection: str   # "/servers"
    member: str       # "{id}", or "{id:[0-9a-f-]+}"

    def member_as(self, key: str) -> str:
        """The member segment with its parameter renamed: ``{id:[0-9]+}`` as ``{server_id:[0-9]+}``."""
        body = self.member.strip("{}")
        _, colon, pattern = body.partition(":")
        return f"{{{key}{colon}{pattern}}}"


def _hooks(instance: Any) -> list[tuple[str, Callable[..., Any]]]:
    found = []
    for attr in dir(type(instance)):
        method = getattr(type(instance), attr, None)
        point = getattr(method, HOOK_ATTRIBUTE, None)
        if point is not None:
            found.append((point, getattr(instance, attr)))
    return found


def _paths(properties: Any) -> str:
    return ", ".join(f"{at}.{prop}" for at, props in properties.items() for prop in props)


def _extender(alias: str, fn: Callable[..., Any]) -> Callable[[Any, Any, dict[str, Any]], Any]:
    """A response extension as the step calls it: on the body of data answers, left alone for others."""

    def extend(req: Any, result: Any, arguments: dict[str, Any]) -> Any:
        wrapped = type(result) is Result
        body = result.body if wrapped else result
        if not isinstance(body, (dict, list)):
            return result
        replaced = fn(req, body)
        if replaced is None:
            return result
        if wrapped:
            return Result(replaced, status=result.status, headers=result.headers, content_type=result.content_type)
        return replaced

    extend.__qualname__ = f"{alias}:{getattr(fn, '__qualname__', fn)}"
    return extend
