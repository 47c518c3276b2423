"""Finding extensions: entry points through stevedore (or an explicit list), filtered, checked and ordered.

>>> found = discover("compute.api.extensions", deny={"os-server-tags"})
>>> [c.alias for c in order(check(found, core={"os-server-detail"}, skip_broken=False))]
['os-server-detail', ...]

A candidate whose import fails, whose alias breaks the pattern or is taken,
whose descriptor lacks a method, or whose requirement is missing is a
:class:`ExtensionError` naming it and its entry point; with
``skip_broken`` it is left out with a warning instead, and so is whatever
requires it. A core alias is never left out: if it cannot load, start-up stops.
"""

from __future__ import annotations

import importlib.metadata
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import stevedore

from cravat.extensions.descriptor import ALIAS_PATTERN, Extension

LOG = logging.getLogger(__name__)


class ExtensionError(ValueError):
    """An extension that cannot be loaded; the message names it, its entry point and why."""


@dataclass(frozen=True)
class Candidate:
    """One extension found: its descriptor class and where it came from."""

    source: str                # "entry point os-server-tags = compute_extensions.tags:ServerTags", or a class name
    descriptor: Any = None     # the Extension subclass, None when it failed to import
    error: str | None = None   # why it cannot load
    name: str = ""             # the entry point's name: the alias it should have, before it is imported

    @property
    def alias(self) -> str:
        return getattr(self.descriptor, "alias", "") or self.name

    def describe(self) -> str:
        alias = getattr(self.descriptor, "alias", "")
        return f"extension {alias!r} ({self.source})" if alias else f"extension {self.source}"


def discover(group: str | None, explicit: Iterable[Any] = (), *, allow: set[str] | None = None,
             deny: set[str] = frozenset()) -> list[Candidate]:  # type: ignore[assignment]
    """Candidates from the entry point ``group`` (allow/deny by entry point name, before importing) and ``explicit``.

    An entry point should be named by its extension's alias; the lists are
    applied to the alias again once imported.
    """
    found: list[Candidate] = []
    if group:
        names = [ep.name for ep in importlib.metadata.entry_points(group=group)
                 if (allow is None or ep.name in allow) and ep.name not in deny]
        failures: list[tuple[Any, BaseException]] = []
        missing: list[str] = []
        manager = stevedore.NamedExtensionManager(
            group, names=sorted(set(names)), name_order=True, invoke_on_load=False,
            on_load_failure_callback=lambda mgr, ep, err: failures.append((ep, err)),
            on_missing_entrypoints_callback=missing.extend)
        # Installed, but not in stevedore's cache of entry points: say so rather than serve without it.
        failed = {ep.name for ep, _ in failures}
        found.extend(Candidate(f"entry point {name} in {group}", None, "stevedore did not find it (a stale "
                               "entry point cache?)", name=name) for name in sorted(set(missing) - failed))
        for ext in manager:
            found.append(Candidate(_entry_point(ext.entry_point, group), ext.plugin, name=ext.name))
        for ep, err in failures:
            found.append(Candidate(_entry_point(ep, group), None, f"its import failed: {type(err).__name__}: {err}",
                                   name=ep.name))
    for descriptor in explicit:
        found.append(Candidate(f"{descriptor.__module__}.{descriptor.__qualname__}", descriptor))
    return [c for c in found if c.descriptor is None or _wanted(c.alias, allow, deny)]


def _wanted(alias: str, allow: set[str] | None, deny: set[str]) -> bool:
    if alias in deny:
        LOG.info("extension %r is denied by configuration; not loaded", alias)
        return False
    return allow is None or alias in allow


def _entry_point(ep: Any, group: str) -> str:
    return f"entry point {ep.name} = {ep.value} in {group}"


def check(candidates: list[Candidate], *, core: set[str], skip_broken: bool) -> list[Candidate]:
    """The candidates that can load: each checked alone, then aliases unique, then requirements present."""
    good: list[Candidate] = []
    for candidate in candidates:
        problem = candidate.error or _problem(candidate.descriptor)
        if problem is None:
            good.append(candidate)
        else:
            _refuse(candidate, problem, core, skip_broken)
    by_alias: dict[str, Candidate] = {}
    unique = []
    for candidate in good:
        other = by_alias.get(candidate.alias)
        if other is not None:
            _refuse(candidate, f"its alias is taken by {other.describe()}", core, skip_broken, force=True)
            continue
        by_alias[candidate.alias] = candidate
        unique.append(candidate)
    # Drop those whose requirements are missing, until none is (a dropped one may be another's requirement).
    present = {c.alias for c in unique}
    changed = True
    while changed:
        changed = False
        for candidate in list(unique):
            missing = [r for r in candidate.descriptor.requires if r not in present]
            if missing:
                _refuse(candidate, f"it requires {', '.join(map(repr, missing))}, which "
                                   f"{'is' if len(missing) == 1 else 'are'} not loaded (not installed, denied or "
                                   "broken)", core, skip_broken)
                unique.remove(candidate)
                present.discard(candidate.alias)
                changed = True
    absent = sorted(core - present)
    if absent:
        raise ExtensionError(f"core extension{'s' if len(absent) > 1 else ''} {', '.join(map(repr, absent))} "
                             "did not load: the API is not complete without it (is its package installed, and "
                             "not denied?)")
    return unique


def _problem(descriptor: Any) -> str | None:
    if not (isinstance(descriptor, type) and issubclass(descriptor, Extension)):
        return f"it names {descriptor!r}, not a subclass of cravat.extensions.Extension"
    alias = descriptor.alias
    if not isinstance(alias, str) or not ALIAS_PATTERN.match(alias):
        return f"its alias {alias!r} does not match {ALIAS_PATTERN.pattern} (lower-case words joined by hyphens)"
    if not descriptor.name:
        return "it has no name"
    for method in ("get_resources", "get_controller_extensions"):
        if getattr(descriptor, method) is getattr(Extension, method):
            return f"it does not define {method}(); define both get_resources() and get_controller_extensions(), " \
                   "returning [] for what it does not add"
    if isinstance(descriptor.requires, str):
        return f"its requires is the string {descriptor.requires!r}; make it a tuple of aliases"
    return None


def _refuse(candidate: Candidate, problem: str, core: set[str], skip_broken: bool, *, force: bool = False) -> None:
    message = f"{candidate.describe()} cannot load: {problem}"
    if candidate.alias in core and not force:
        raise ExtensionError(f"{message}; it is a core extension, so the API cannot start without it")
    if not skip_broken:
        raise ExtensionError(message)
    LOG.warning("%s; skipped, as the configuration skips broken extensions", message)


def order(candidates: list[Candidate]) -> list[Candidate]:
    """Requirements before what requires them; otherwise the order found. A circle is an :class:`ExtensionError`."""
    by_alias = {c.alias: c for c in candidates}
    done: dict[str, Candidate] = {}

    def visit(candidate: Candidate, path: tuple[str, ...]) -> None:
        if candidate.alias in done:
            return
        if candidate.alias in path:
            cycle = " -> ".join((*path[path.index(candidate.alias):], candidate.alias))
            raise ExtensionError(f"extensions require each other in a circle: {cycle}")
        for required in candidate.descriptor.requires:
            visit(by_alias[required], (*path, candidate.alias))
        done[candidate.alias] = candidate

    for candidate in candidates:
        visit(candidate, ())
    return list(done.values())
