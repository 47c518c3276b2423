"""Policy in the request path: the authorize step's check, and the start-up checks of an API's rules.

The API (a layer above) hands each operation's plan to :meth:`PolicyGlue.authorizer`
and calls :meth:`PolicyGlue.check_api` once it has compiled; this module
only reads them (``plan.rule``, ``plan.decl``, ``api.route_table()``), so
policy never imports the API.

A request is checked against its operation's rule before the handler runs,
with the caller's credentials (``req.context``, from the context filter)
and a target of the request context's project and user overlaid by the
route's parameters: ``/{project_id}/servers/{id}`` gives
``{"project_id": <from the path>, "user_id": <the caller's>, "id": ...}``,
so ``project_id:%(project_id)s`` says "the project in the URL is the
caller's". A denial is 403, or 404 on a member route where the API hides
existence (as Neutron does), so a caller cannot learn what exists.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Mapping
from time import monotonic
from typing import Any

from cravat.http.errors import Forbidden, NotFound
from cravat.http.request import ENV_CONTEXT
from cravat.policy.defaults import RuleSpec
from cravat.policy.enforcer import Policy, PolicyError, token_scope

LOG = logging.getLogger(__name__)

Check = Callable[[Any, dict[str, Any]], None]


class PolicyGlue:
    """What one API needs of its policy: a check per operation, and the start-up checks."""

    def __init__(self, policy: Policy, *, hide_existence: bool = False) -> None:
        self.policy = policy
        self.hide_existence = hide_existence
        self._specs: dict[str, tuple[RuleSpec, str]] = {}       # rule -> (its spec, the operation declaring it)
        self._operations: dict[str, list[dict[str, str]]] = {}  # rule -> the routes naming it

    @property
    def in_use(self) -> bool:
        """Policy is on once anything names a rule or registers one, or a policy file is configured."""
        return bool(self._operations or self.policy.defaults or self.policy.file)

    def authorizer(self, plan: Any) -> Check:
        """The check of one operation's plan (a plan with ``plan.rule``), recording its rule's operations."""
        name = plan.rule
        decl = plan.decl
        spec = getattr(decl.facts, "rule_spec", None)
        if spec is not None and spec.name == name:
            known = self._specs.get(name)
            if known is not None and not known[0].same_as(spec):
                raise PolicyError(f"rule {name!r} is declared differently by {known[1]} and by {decl}")
            self._specs.setdefault(name, (spec, str(decl)))
        path = decl.template.text + (f" ({decl.action})" if decl.action else "")
        operation = {"method": decl.method, "path": path}
        ops = self._operations.setdefault(name, [])
        if operation not in ops:
            ops.append(operation)
        hides = self.hide_existence and _is_member(decl.template)
        denied = getattr(decl.facts, "rule_denied", None)
        if getattr(decl.facts, "rule_in_handler", False):
            return InHandler(self.policy, name, hides, denied, str(decl))
        return _check(self.policy, name, hides, denied)

    def check_api(self, api: Any) -> None:
        """Once the API compiled: register declared defaults, refuse unknown or missing rules, load the policy."""
        if not self.in_use:
            return
        for name, (spec, where) in self._specs.items():
            self.policy.register([spec.default(self._operations.get(name, []))], where=where)
        missing, unknown = [], []
        for row in api.route_table():
            impl = row.operation
            if impl.rule is None:
                if impl.negotiate_version:  # discovery documents answer anyone
                    missing.append(f"{row.method} {row.template} ({impl.name}, {impl.source})")
            elif not self.policy.is_registered(impl.rule):
                near = self.policy.nearest(impl.rule)
                unknown.append(f"{impl.name} ({impl.source}) names rule {impl.rule!r}, which is not registered"
                               f"{f' (did you mean {near!r}?)' if near else ''}")
        if missing:
            raise PolicyError("these operations name no policy rule; declare one with @cravat.rule(...): "
                              + "; ".join(missing))
        if unknown:
            raise PolicyError("; ".join(unknown))
        self._warn_mismatched_operations()
        self.policy.load()

    def _warn_mismatched_operations(self) -> None:
        """A documented default listing operations the route table does not give it (or missing some)."""
        for default in self.policy.defaults:
            documented = getattr(default, "operations", None)
            if documented is None or (default.name in self._specs and self._specs[default.name][0].given is None) \
                    or not self.policy.checks_operations(default.name):
                continue
            routed = self._operations.get(default.name, [])
            listed = [{"method": op["method"].upper(), "path": op["path"]} for op in documented]
            extra = [op for op in listed if op not in routed]
            absent = [op for op in routed if op not in listed]
            if extra or absent:
                LOG.warning("policy rule %r documents operations that do not match the route table: %s%s",
                            default.name,
                            f"listed but not routed to it: {_ops(extra)}" if extra else "",
                            f"{'; ' if extra and absent else ''}routed to it but not listed: {_ops(absent)}"
                            if absent else "")

    def start(self) -> None:
        """At server start-up: reload the policy file on SIGHUP, chained to any handler already there.

        Only in the main thread, where Python runs signal handlers; the file
        is also looked at once a second whatever the signals.
        """
        if not self.in_use or threading.current_thread() is not threading.main_thread() \
                or not hasattr(signal, "SIGHUP"):
            return
        previous = signal.getsignal(signal.SIGHUP)
        policy = self.policy

        def on_hup(signum: int, frame: Any) -> None:
            policy.request_reload()
            if callable(previous):
                previous(signum, frame)

        signal.signal(signal.SIGHUP, on_hup)
        self._previous_hup = previous

    def stop(self) -> None:
        """At shutdown: put back the SIGHUP handler that was there before :meth:`start`."""
        previous = getattr(self, "_previous_hup", None)
        if previous is not None and threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGHUP, previous)
            self._previous_hup = None


def _ops(ops: list[dict[str, str]]) -> str:
    return ", ".join(f"{op['method']} {op['path']}" for op in ops)


def _is_member(template: Any) -> bool:
    """A route naming one resource: a parameter other than the project id in its path."""
    return any(name != "project_id" for name in template.param_names)


def _check(policy: Policy, name: str, hides: bool, denied: str | None = None) -> Check:
    refresh = policy.refresh

    def check(req: Any, arguments: dict[str, Any]) -> None:
        # PERF: the file is looked at once a second; between, this is one clock read.
        if monotonic() >= policy.next_look:
            refresh()
        rule = policy.effective[name]
        context = req.environ.get(ENV_CONTEXT)
        creds = rule.read(context)
        target = {**policy.target_defaults, "project_id": getattr(context, "project_id", None),
                  "user_id": getattr(context, "user_id", None), **req.path_params}
        scopes = rule.scope_types
        if scopes is not None and token_scope(creds) not in scopes:
            raise _denied(name, hides, denied or f"Policy doesn't allow {name} to be performed with a "
                                                 f"{token_scope(creds)}-scoped token; it needs "
                                                 f"{', '.join(sorted(scopes))} scope.")
        if not rule.check(target, creds, name):
            raise _denied(name, hides, denied or f"Policy doesn't allow {name} to be performed.")

    return check


class InHandler:
    """An operation's rule checked by its handler, against what the handler loaded: ``req.authorize(target)``.

    The API's step for it (:class:`cravat.api.steps.AuthorizeInHandler`)
    hands :meth:`authorize` to the request and refuses an answer of a
    handler that never called it. The target is the handler's own,
    flattened to oslo's dotted keys (``{"target": {"secret": {"project_id":
    ...}}}`` gives ``target.secret.project_id``, as Barbican flattens it),
    over the policy's ``target_defaults``; unlike the authorize step's, it
    is not overlaid with the caller's project and user, so
    ``project_id:%(project_id)s`` means only what the handler says it does.
    """

    in_handler = True

    def __init__(self, policy: Policy, name: str, hides: bool, denied: str | None, where: str) -> None:
        self.policy = policy
        self.rule = name
        self.hides = hides
        self.denied = denied
        self.where = where

    def authorize(self, req: Any, target: Any, rule: str | None = None) -> None:
        """Raise 403 (404 where the API hides existence) unless the caller may do the rule on ``target``.

        ``rule`` checks another registered rule instead of the operation's
        own (Barbican's ``secret:get`` becomes ``secret:decrypt`` when the
        payload is asked for); a name no default registered raises
        :class:`~cravat.policy.PolicyNotRegistered`, a fault, as a typo must be.
        """
        policy = self.policy
        if monotonic() >= policy.next_look:
            policy.refresh()
        name = self.rule if rule is None else rule
        effective = policy.effective[name] if rule is None else policy.rule(name)
        creds = effective.read(req.environ.get(ENV_CONTEXT))
        scopes = effective.scope_types
        if scopes is not None and token_scope(creds) not in scopes:
            raise _denied(name, self.hides, self.denied or f"Policy doesn't allow {name} to be performed with a "
                                                           f"{token_scope(creds)}-scoped token; it needs "
                                                           f"{', '.join(sorted(scopes))} scope.")
        values = {**policy.target_defaults, **flatten(target)} if policy.target_defaults else flatten(target)
        if not effective.check(values, creds, name):
            raise _denied(name, self.hides, self.denied or f"Policy doesn't allow {name} to be performed.")

    def __repr__(self) -> str:
        return f"InHandler({self.rule!r})"


def flatten(target: Any, prefix: str = "") -> dict[str, Any]:
    """A target with nested mappings as oslo's flat one, keys joined by dots (Barbican's ``flatten``).

    >>> flatten({"target": {"secret": {"project_id": "p1"}}, "enforce_new_defaults": False})
    {'target.secret.project_id': 'p1', 'enforce_new_defaults': False}
    """
    if not isinstance(target, Mapping):
        raise TypeError(f"a policy target is a mapping, not {type(target).__name__}")
    flat: dict[str, Any] = {}
    for key, value in target.items():
        name = f"{prefix}.{key}" if prefix else str(key)
        if isinstance(value, Mapping):
            flat.update(flatten(value, name))
        else:
            flat[name] = value
    return flat


def _denied(name: str, hides: bool, message: str) -> Exception:
    if hides:
        return NotFound("The resource could not be found.")
    return Forbidden(message)
