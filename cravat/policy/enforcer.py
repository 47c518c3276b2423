"""The policy of one API: rule defaults in code, overrides from a YAML file, compiled once per change.

oslo.policy does what operators know it for: the rule language and its
parser, ``RuleDefault`` and ``DocumentedRuleDefault``, reading the policy
file, deprecated rule names, the sample and policy generators. cravat adds
what a service needs on every request: each effective rule compiled into a
plain function (:mod:`cravat.policy.compiled`), the file re-read only when
it changed (looked at, at most, once a second, or when asked, as on SIGHUP),
and strictness where oslo is silent: an override naming no rule, a check
string that does not parse and a circle of rules are errors naming the file
and the rule, not a quiet deny.

>>> policy = Policy(file="etc/compute-policy.yaml")
>>> policy.register([DocumentedRuleDefault("compute:servers:show", "role:reader", "Show a server.",
...                                        [{"method": "GET", "path": "/servers/{id}"}])])
>>> policy.load()
>>> policy.authorize("compute:servers:show", {"project_id": "p1"}, context)   # raises PolicyNotAuthorized
"""

from __future__ import annotations

import difflib
import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from oslo_config import cfg
from oslo_context import context as oslo_context
from oslo_policy import policy as oslo_policy

from cravat.policy.compiled import CompiledCheck, PolicyCycleError, compile_rules, credential_keys
from cravat.policy.context import RequestContext
from cravat.policy.rules import CheckStringError, parse_check_string

LOG = logging.getLogger(__name__)

#: How often, at most, a request looks whether the policy file changed.
RELOAD_INTERVAL = 1.0

PolicyNotAuthorized = oslo_policy.PolicyNotAuthorized
InvalidScope = oslo_policy.InvalidScope
PolicyNotRegistered = oslo_policy.PolicyNotRegistered


class PolicyError(ValueError):
    """A policy that cannot be loaded: the message names the file, the rule and what is wrong."""


@dataclass(frozen=True, slots=True)
class EffectiveRule:
    """One rule as it is enforced now: its compiled check and the scopes its default allows."""

    name: str
    check: CompiledCheck
    scope_types: frozenset[str] | None  # None: any scope
    check_str: str
    #: ``read(context)``: the credentials this rule reads (and the scope needs), from a request context.
    read: Callable[[Any], dict[str, Any]] = field(default=lambda context: credentials(context))


class Policy:
    """Rule defaults, the file that overrides them, and the compiled rules requests are checked against.

    ``file`` is the YAML policy file (None: the defaults only).
    ``allow_unknown_rules`` lets the file name rules nothing registered and
    nothing refers to (oslo.policy's own leniency), with a warning instead
    of an error. ``enforce_new_defaults`` is oslo.policy's option of that
    name (its default, True: a deprecated rule's old check string is
    ignored); False ORs the old check string of a rule with a
    ``deprecated_rule`` with the new one, unless the file overrides the rule
    (how Barbican deployments keep its legacy roles). Set it before the
    policy loads.

    ``target_defaults`` are entries every target starts from, in the
    authorize step and in :meth:`authorize` (a handler's own target
    overlays them): Barbican's rules read ``%(enforce_new_defaults)s`` from
    the target.
    """

    def __init__(self, file: str | None = None, *, allow_unknown_rules: bool = False,
                 default_rule: str = "default", enforce_new_defaults: bool = True) -> None:
        self.file = os.path.abspath(file) if file else None
        self.allow_unknown_rules = allow_unknown_rules
        self.default_rule = default_rule
        self.enforce_new_defaults = enforce_new_defaults
        #: What every target starts from (a handler's target, or the authorize step's, overlays it).
        self.target_defaults: dict[str, Any] = {}
        self._defaults: dict[str, oslo_policy.RuleDefault] = {}
        self._where: dict[str, str] = {}
        self._unchecked_operations: set[str] = set()
        #: The rules in force, by name; replaced whole when the file is reloaded.
        self.effective: Mapping[str, EffectiveRule] = {}
        self._loaded = False
        self._lock = threading.Lock()
        self.next_look = 0.0
        self._stamp: tuple[int, int, int] | None = None
        self._reload_requested = False

    # --- defaults ----------------------------------------------------------------------------

    def register(self, defaults: Iterable[oslo_policy.RuleDefault], *, where: str | None = None,
                 check_operations: bool = True) -> None:
        """Register rule defaults (oslo ``RuleDefault`` or ``DocumentedRuleDefault``) before loading.

        A name registered twice is an error naming both places, unless both
        are the same default (a rule several operations share).
        ``check_operations=False`` takes documented operations as given, not
        compared with the route table at start-up: a service porting another
        service's defaults (the key manager's, Barbican's paths and all)
        keeps their documentation word for word.
        """
        defaults = list(defaults)
        if self._loaded:
            raise PolicyError("rules are registered before the policy loads (before the API compiles); "
                              f"too late for {', '.join(getattr(d, 'name', repr(d)) for d in defaults)}")
        for default in defaults:
            if not isinstance(default, oslo_policy.RuleDefault):
                raise PolicyError(f"{default!r} is not an oslo.policy RuleDefault"
                                  f"{f' (registered at {where})' if where else ''}")
            try:
                parse_check_string(default.check_str)
            except CheckStringError as exc:
                raise PolicyError(f"rule {default.name!r} (registered at {where or 'in code'}): {exc}") from None
            known = self._defaults.get(default.name)
            if known is not None and not _same_default(known, default):
                raise PolicyError(
                    f"rule {default.name!r} is registered twice with different defaults: "
                    f"{known.check_str!r} at {self._where.get(default.name, 'in code')} and "
                    f"{default.check_str!r} at {where or 'in code'}")
            if known is None:
                self._defaults[default.name] = default
                self._where[default.name] = where or "in code"
                if not check_operations:
                    self._unchecked_operations.add(default.name)

    def checks_operations(self, name: str) -> bool:
        """Whether the documented operations of rule ``name`` are compared with the route table."""
        return name not in self._unchecked_operations

    @property
    def defaults(self) -> list[oslo_policy.RuleDefault]:
        """Every registered default, in the order registered: what the sample file lists."""
        return list(self._defaults.values())

    def is_registered(self, name: str) -> bool:
        return name in self._defaults

    def nearest(self, name: str) -> str | None:
        """The registered rule name closest to ``name``, for messages about a typo."""
        close = difflib.get_close_matches(name, list(self._defaults), n=1, cutoff=0.6)
        return close[0] if close else None

    # --- loading -----------------------------------------------------------------------------

    def load(self) -> None:
        """Read the file and compile the effective rules; a bad file or rule is a :class:`PolicyError`."""
        with self._lock:
            self._load_locked()

    @property
    def loaded(self) -> bool:
        return self._loaded

    def oslo_enforcer(self) -> oslo_policy.Enforcer:
        """A fresh oslo.policy Enforcer with these defaults and this file, as oslo's tools expect one.

        The ``oslo.policy.enforcer`` entry point returns it, so
        ``oslopolicy-policy-generator`` and ``oslopolicy-list-redundant`` see
        what this service enforces.
        """
        conf = cfg.ConfigOpts()
        conf([], project=None, default_config_files=[], default_config_dirs=[])
        enforcer = _Enforcer(conf, policy_file=self.file, default_rule=self.default_rule)
        conf.set_override("policy_dirs", [], group="oslo_policy")
        conf.set_override("enforce_new_defaults", self.enforce_new_defaults, group="oslo_policy")
        # Deprecated defaults ORed in are the configuration asked for, not news for every load's log.
        enforcer.suppress_default_change_warnings = not self.enforce_new_defaults
        enforcer.register_defaults(self._defaults.values())
        return enforcer

    def _load_locked(self) -> None:
        stamp = _stamp(self.file)
        enforcer = self.oslo_enforcer()
        try:
            enforcer.load_rules(force_reload=True)
        except Exception as exc:  # oslo raises ValueError for YAML, AttributeError or TypeError for odd shapes
            raise PolicyError(f"policy file {self.file}: cannot be read as a YAML mapping of rule names to "
                              f"check strings: {exc}") from None
        if self.file is not None and stamp is None:
            LOG.warning("policy file %s does not exist; enforcing the defaults in code", self.file)
        self._check_file_rules(enforcer)
        try:
            compiled = compile_rules(enforcer.rules, enforcer, self.default_rule)
        except PolicyCycleError as exc:
            raise PolicyError(f"{exc} ({self._source()})") from None
        registered = enforcer.registered_rules
        effective = {}
        for name, check in compiled.items():
            scopes = _scopes(registered.get(name))
            keys = credential_keys(enforcer.rules[name], enforcer.rules, self.default_rule)
            effective[name] = EffectiveRule(name, check, scopes, str(enforcer.rules[name]),
                                            credentials_reader(keys, scoped=scopes is not None))
        self.effective = effective
        self._loaded = True
        self._stamp = stamp
        LOG.info("policy: %d rules compiled (%s)", len(compiled), self._source())

    def _source(self) -> str:
        return f"the defaults in code and {self.file}" if self._stamp else "the defaults in code"

    def _check_file_rules(self, enforcer: oslo_policy.Enforcer) -> None:
        """What oslo would accept silently: unknown names, check strings that do not parse."""
        referenced = _referenced(enforcer.rules.values())
        deprecated = {d.deprecated_rule.name for d in self._defaults.values() if d.deprecated_rule}
        for name, rule in enforcer.file_rules.items():
            if not isinstance(name, str):
                raise PolicyError(f"policy file {self.file}: key {name!r} is not a rule name")
            try:
                parse_check_string(rule.check_str)
            except CheckStringError as exc:
                raise PolicyError(f"policy file {self.file}: rule {name!r}: {exc}") from None
            if name in self._defaults or name in deprecated or name in referenced:
                continue
            near = self.nearest(name)
            message = (f"policy file {self.file}: {name!r} names no registered rule"
                       f"{f' (did you mean {near!r}?)' if near else ''}, and no rule refers to it")
            if not self.allow_unknown_rules:
                raise PolicyError(message + "; set policy_allow_unknown_rules to accept it")
            LOG.warning("%s; it is ignored", message)

    # --- reloading ---------------------------------------------------------------------------

    def request_reload(self) -> None:
        """Re-read the file on the next check (a SIGHUP handler calls this)."""
        self._reload_requested = True
        self.next_look = 0.0

    def refresh(self) -> None:
        """Reload if the file changed since it was read; a bad new file is logged and the old rules kept."""
        now = time.monotonic()
        if now < self.next_look or not self._lock.acquire(blocking=False):
            return
        try:
            self.next_look = now + RELOAD_INTERVAL
            stamp = _stamp(self.file)
            if stamp == self._stamp and not self._reload_requested:
                return
            self._reload_requested = False
            try:
                self._load_locked()
            except PolicyError as exc:
                self._stamp = stamp  # not again until the file changes again
                LOG.error("policy not reloaded, the rules loaded before stay in force: %s", exc)
        finally:
            self._lock.release()

    # --- checking ----------------------------------------------------------------------------

    def rule(self, name: str) -> EffectiveRule:
        """The effective rule ``name``; :class:`PolicyNotRegistered` when no default registered it."""
        if not self._loaded:
            self.load()
        if name not in self._defaults:
            raise PolicyNotRegistered(name)
        return self.effective[name]

    def authorize(self, name: str, target: Mapping[str, Any], creds: Any) -> None:
        """Raise unless ``creds`` may do ``name`` on ``target``: oslo's ``authorize(..., do_raise=True)``.

        ``creds`` is a request context or a mapping of credentials. Raises
        :class:`PolicyNotRegistered`, :class:`InvalidScope` or
        :class:`PolicyNotAuthorized`, as oslo.policy does.
        """
        self.refresh()
        rule = self.rule(name)
        if self.target_defaults:
            target = {**self.target_defaults, **target}
        values = credentials(creds)
        if rule.scope_types is not None and token_scope(values) not in rule.scope_types:
            default = self._defaults[name]
            raise InvalidScope(default, default.scope_types, token_scope(values))  # type: ignore[arg-type]
        if not rule.check(target, values, name):
            raise PolicyNotAuthorized(name, target, values)

    def allows(self, name: str, target: Mapping[str, Any], creds: Any) -> bool:
        """Whether ``creds`` may do ``name`` on ``target`` (a scope mismatch is a no)."""
        try:
            self.authorize(name, target, creds)
        except (PolicyNotAuthorized, InvalidScope):
            return False
        return True


class _Enforcer(oslo_policy.Enforcer):
    """oslo's Enforcer reading exactly the file it is given, or none.

    oslo looks a relative or missing ``policy_file`` up in ``~/`` and
    ``/etc/`` (``policy.yaml`` by default): an API must not pick up a stray
    file from the machine it runs on.
    """

    def _get_policy_path(self, path: str) -> str:
        if path and os.path.isabs(path) and os.path.exists(path):
            return path
        raise cfg.ConfigFilesNotFoundError([path])


def _same_default(a: oslo_policy.RuleDefault, b: oslo_policy.RuleDefault) -> bool:
    return (a.check_str == b.check_str and a.scope_types == b.scope_types
            and getattr(a, "description", None) == getattr(b, "description", None))


def _scopes(default: oslo_policy.RuleDefault | None) -> frozenset[str] | None:
    return frozenset(default.scope_types) if default is not None and default.scope_types else None


def _stamp(path: str | None) -> tuple[int, int, int] | None:
    """What says a file changed: its modification time, size and inode (None when it is not there)."""
    if path is None:
        return None
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size, st.st_ino


def _referenced(checks: Iterable[Any]) -> set[str]:
    """Names that ``rule:`` checks anywhere in ``checks`` refer to."""
    names: set[str] = set()
    todo = list(checks)
    while todo:
        check = todo.pop()
        if isinstance(check, oslo_policy.RuleCheck):
            names.add(check.match)
        todo.extend(getattr(check, "rules", ()))
        if isinstance(check, oslo_policy.NotCheck):
            todo.append(check.rule)
    return names


_BASE_POLICY_VALUES = oslo_context.RequestContext.to_policy_values


def credentials(creds: Any) -> dict[str, Any]:
    """The credentials oslo.policy checks, from a request context or a mapping (copied), with ``system`` set.

    PERF: for a context whose class keeps oslo.context's ``to_policy_values``
    the same keys are read straight from its attributes, without the
    deprecation-tracking mapping oslo.context builds first.
    """
    if creds is None:
        values: dict[str, Any] = {}
    elif isinstance(creds, oslo_context.RequestContext):
        if type(creds).to_policy_values is _BASE_POLICY_VALUES:
            values = {
                "user_id": creds.user_id, "user_domain_id": creds.user_domain_id,
                "system_scope": creds.system_scope, "domain_id": creds.domain_id,
                "project_id": creds.project_id, "project_domain_id": creds.project_domain_id,
                "roles": creds.roles, "is_admin_project": creds.is_admin_project,
                "service_user_id": creds.service_user_id, "service_user_domain_id": creds.service_user_domain_id,
                "service_project_id": creds.service_project_id,
                "service_project_domain_id": creds.service_project_domain_id, "service_roles": creds.service_roles,
            }
        else:
            values = {}
            for key, value in creds.to_policy_values().items():
                values[key] = value
    elif isinstance(creds, MutableMapping):
        values = dict(creds)
    else:
        raise oslo_policy.InvalidContextObject(
            f"Expected type oslo_context.context.RequestContext, dict, or the output of "
            f"oslo_context.context.RequestContext.to_policy_values but got {type(creds)} instead")
    if values.get("system_scope"):
        values["system"] = values.get("system_scope")
    return values


#: The keys oslo.context's ``to_policy_values`` gives, each read from the context's attribute of that name.
POLICY_VALUES = ("user_id", "user_domain_id", "system_scope", "domain_id", "project_id", "project_domain_id",
                 "roles", "is_admin_project", "service_user_id", "service_user_domain_id", "service_project_id",
                 "service_project_domain_id", "service_roles")


def credentials_reader(keys: frozenset[str] | None, *, scoped: bool) -> Callable[[Any], dict[str, Any]]:
    """A function from a request context to the credentials a rule reads: ``keys`` only (None: all).

    PERF: a rule reading ``roles`` and ``project_id`` gets a two-key dict
    built from two attribute reads, not the thirteen oslo.context gives; a
    rule cannot tell, since it reads nothing else. A scope check also
    needs the system and domain; a mapping, or a context whose class has
    its own ``to_policy_values``, gets all of them, as oslo.policy would.
    """
    if keys is None:
        return credentials
    wanted = set(keys) & set(POLICY_VALUES)
    if "system" in keys or scoped:
        wanted.add("system_scope")
    if scoped:
        wanted.add("domain_id")
    names = [k for k in POLICY_VALUES if k in wanted]  # a fixed list: the generated code names only these
    source = (
        "def read(context):\n"
        "    if type(context) is not base and (not isinstance(context, RequestContext)\n"
        "                                       or type(context).to_policy_values is not base_values):\n"
        "        return credentials(context)\n"
        f"    values = {{{', '.join(f'{k!r}: context.{k}' for k in names)}}}\n"
        + ("    if values['system_scope']:\n        values['system'] = values['system_scope']\n"
           if "system_scope" in wanted else "")
        + "    return values\n")
    namespace = {"base": RequestContext, "RequestContext": oslo_context.RequestContext,
                 "base_values": _BASE_POLICY_VALUES, "credentials": credentials}
    exec(compile(source, f"<credentials of {', '.join(names) or 'nothing'}>", "exec"), namespace)  # noqa: S102
    return namespace["read"]  # type: ignore[no-any-return]


def token_scope(creds: Mapping[str, Any]) -> str:
    """``system``, ``domain`` or ``project``: the scope oslo.policy reads from the credentials."""
    if creds.get("system"):
        return "system"
    if creds.get("domain_id"):
        return "domain"
    return "project"
