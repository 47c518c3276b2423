"""Compiled policy: oslo.policy check trees turned into plain Python functions, once.

oslo.policy evaluates a rule by walking its tree of check objects, and at
every node it calls ``inspect.getfullargspec`` to learn how to call it; a
request pays that on every check. Here each effective rule (defaults plus
the file's overrides, as oslo's ``Enforcer`` computed them) becomes one
closure tree when the policy loads, with everything that does not depend on
the request worked out beforehand: role names lowered, literal kinds
evaluated, ``rule:`` references bound to the compiled rule they name.

Every compiled node reproduces its oslo check's decision and its exceptions
(``match % target`` raising as it does, a missing key failing closed), which
the differential test in ``tests/test_compiled_differential.py`` holds it
to. A node cravat does not know (``http:`` checks, a service's custom check
class, a subclass of a built-in check) is called through oslo.policy itself,
so behaviour never differs.

>>> rules = compile_rules({"show": _parser.parse_rule("role:reader and project_id:%(project_id)s")}, enforcer)
>>> rules["show"]({"project_id": "p1"}, {"roles": ["Reader"], "project_id": "p1"}, "show")
True
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Mapping
from typing import Any

from oslo_policy import _checks

#: ``check(target, creds, current_rule) -> bool``: one compiled rule or node.
CompiledCheck = Callable[[Mapping[str, Any], Mapping[str, Any], "str | None"], Any]


class PolicyCycleError(ValueError):
    """Rules that refer to each other in a circle (``a: rule:b``, ``b: rule:a``)."""


def compile_rules(rules: Mapping[str, _checks.BaseCheck], enforcer: Any,
                  default_rule: str | None = "default") -> dict[str, CompiledCheck]:
    """Every rule of ``rules`` compiled; ``enforcer`` serves the nodes compiled by oslo itself.

    ``rule:name`` naming no rule falls back to ``default_rule`` when that
    rule exists, as oslo's ``Rules.__missing__`` does, and fails closed
    otherwise. A cycle of references is a :class:`PolicyCycleError` naming
    the rules in it (oslo would recurse until the stack ran out).
    """
    compiler = _Compiler(rules, enforcer, default_rule)
    return {name: compiler.rule(name, ()) for name in rules}


class _Compiler:
    def __init__(self, rules: Mapping[str, _checks.BaseCheck], enforcer: Any, default_rule: str | None) -> None:
        self.rules = rules
        self.enforcer = enforcer
        self.default_rule = default_rule
        self.done: dict[str, CompiledCheck] = {}

    def rule(self, name: str, path: tuple[str, ...]) -> CompiledCheck:
        compiled = self.done.get(name)
        if compiled is None:
            if name in path:
                cycle = " -> ".join((*path[path.index(name):], name))
                raise PolicyCycleError(f"policy rules refer to each other in a circle: {cycle}")
            compiled = self.done[name] = self.node(self.rules[name], (*path, name))
        return compiled

    def node(self, check: _checks.BaseCheck, path: tuple[str, ...]) -> CompiledCheck:
        kind = type(check)
        if kind is _checks.TrueCheck:
            return _true
        if kind is _checks.FalseCheck:
            return _false
        if kind is _checks.AndCheck:
            return _all(tuple(self.node(c, path) for c in check.rules))
        if kind is _checks.OrCheck:
            return _any(tuple(self.node(c, path) for c in check.rules))
        if kind is _checks.NotCheck:
            return _not(self.node(check.rule, path))
        if kind is _checks.RuleCheck:
            return self.reference(check.match, path)
        if kind is _checks.RoleCheck:
            return _role(check.match)
        if kind is _checks.GenericCheck:
            compiled = _generic(check.kind, check.match)
            if compiled is not None:
                return compiled
        return _by_oslo(check, self.enforcer)

    def reference(self, name: str, path: tuple[str, ...]) -> CompiledCheck:
        # The rule it names, compiled now (so a cycle is found at load time) and then called directly.
        if name in self.rules:
            return self.rule(name, path)
        # oslo's Rules.__missing__: a missing rule is the default rule, when there is one.
        if self.default_rule and self.default_rule in self.rules:
            return self.rule(self.default_rule, path)
        return _false


def _true(target: Any, creds: Any, current: Any) -> bool:
    return True


def _false(target: Any, creds: Any, current: Any) -> bool:
    return False


def _all(checks: tuple[CompiledCheck, ...]) -> CompiledCheck:
    if len(checks) == 2:
        first, second = checks
        # PERF: "a and b" is the most common shape; no loop for it.
        return lambda target, creds, current: bool(first(target, creds, current) and second(target, creds, current))
    return _series(checks, False)


def _any(checks: tuple[CompiledCheck, ...]) -> CompiledCheck:
    if len(checks) == 2:
        first, second = checks
        return lambda target, creds, current: bool(first(target, creds, current) or second(target, creds, current))
    return _series(checks, True)


def _series(checks: tuple[CompiledCheck, ...], decisive: bool) -> CompiledCheck:
    """``and`` (a False decides) or ``or`` (a True decides): the checks in order, stopping at the decisive one."""

    def series(target: Any, creds: Any, current: Any) -> bool:
        for check in checks:
            if bool(check(target, creds, current)) is decisive:
                return decisive
        return not decisive

    return series


def _not(check: CompiledCheck) -> CompiledCheck:
    return lambda target, creds, current: not check(target, creds, current)


def _role(match: str) -> CompiledCheck:
    """oslo's RoleCheck: the match (formatted with the target) among the roles, case-insensitively."""
    if "%" not in match:
        wanted = match.lower()
        return lambda target, creds, current: _has_role(creds, wanted)
    formatter = _formatter(match)

    def role_from_target(target: Any, creds: Any, current: Any) -> bool:
        try:
            wanted = formatter(target).lower()
        except KeyError:
            return False
        return _has_role(creds, wanted)

    return role_from_target


def _has_role(creds: Any, wanted: str) -> bool:
    """Every role is lowered, as oslo's list comprehension does, so a role that is not a string raises
    there and here alike; PERF: without building the list."""
    if "roles" in creds:
        found = False
        for x in creds["roles"]:
            if x.lower() == wanted:
                found = True
        return found
    return False


def _generic(kind: str, match: str) -> CompiledCheck | None:
    """oslo's GenericCheck: a literal kind compared with the match, or the match found at a path in the creds.

    None when evaluating ``kind`` as a literal raises anything but
    ValueError (``1a`` is a SyntaxError there): oslo raises that on every
    call, and calling oslo's own check raises it alike.
    """
    try:
        literal = ast.literal_eval(kind)
    except ValueError:
        pass
    except Exception:
        return None
    else:
        expected = str(literal)
        if "%" not in match:
            return _true if match == expected else _false
        formatter = _formatter(match)

        def literal_check(target: Any, creds: Any, current: Any) -> bool:
            try:
                return formatter(target) == expected
            except KeyError:
                return False

        return literal_check
    segments = tuple(kind.split("."))
    whole = _ONE_KEY.fullmatch(match)
    if len(segments) == 1 and whole is not None:
        return _one_key_check(whole.group(1), segments[0])
    if "%" not in match:
        return lambda target, creds, current: _find(creds, segments, 0, match)
    formatter = _formatter(match)

    def path_check(target: Any, creds: Any, current: Any) -> bool:
        try:
            formatted = formatter(target)
        except KeyError:
            return False
        return _find(creds, segments, 0, formatted)

    return path_check


def _one_key_check(target_key: str, creds_key: str) -> CompiledCheck:
    """``project_id:%(project_id)s``, the commonest generic check, in one function (PERF: no inner calls)."""

    def one_key(target: Any, creds: Any, current: Any) -> bool:
        try:
            match = str(target[target_key])
        except KeyError:
            return False
        try:
            value = creds[creds_key]
        except KeyError:
            return False
        if isinstance(value, list):
            for item in value:  # noqa: SIM110 - PERF: a loop, not any() over a generator
                if match == str(item):
                    return True
            return False
        return match == str(value)

    return one_key


_ONE_KEY = re.compile(r"%\(([^()]*)\)s")


def _formatter(match: str) -> Callable[[Mapping[str, Any]], str]:
    """``match % target`` as oslo computes it; PERF: ``%(key)s`` alone is ``str(target[key])``."""
    whole = _ONE_KEY.fullmatch(match)
    if whole is not None:
        key = whole.group(1)
        return lambda target: str(target[key])
    return lambda target: match % target


def _find(value: Any, segments: tuple[str, ...], index: int, match: str) -> bool:
    """oslo's GenericCheck._find_in_dict: down the path's keys, through lists (any element may match)."""
    if index == len(segments):
        return match == str(value)
    try:
        value = value[segments[index]]
    except KeyError:
        return False
    if isinstance(value, list):
        for item in value:  # noqa: SIM110 - as oslo's loop, the first match ends it
            if _find(item, segments, index + 1, match):
                return True
        return False
    return _find(value, segments, index + 1, match)


def credential_keys(check: _checks.BaseCheck, rules: Mapping[str, _checks.BaseCheck],
                    default_rule: str | None = "default") -> frozenset[str] | None:
    """The credential keys a compiled rule reads at the top of the credentials; None when it may read any.

    A node oslo evaluates (a custom check) may read anything, and so may the
    rule. The authorize step builds only these keys from the request context.
    """
    keys: set[str] = set()
    seen: set[str] = set()
    todo = [check]
    while todo:
        node = todo.pop()
        kind = type(node)
        if kind in (_checks.TrueCheck, _checks.FalseCheck):
            continue
        if kind in (_checks.AndCheck, _checks.OrCheck):
            todo.extend(node.rules)
        elif kind is _checks.NotCheck:
            todo.append(node.rule)
        elif kind is _checks.RoleCheck:
            keys.add("roles")
        elif kind is _checks.RuleCheck:
            name = node.match if node.match in rules else default_rule
            if name in rules and name not in seen:
                seen.add(name)
                todo.append(rules[name])
        elif kind is _checks.GenericCheck and _generic(node.kind, node.match) is not None:
            keys.add(node.kind.split(".")[0])
        else:
            return None
    return frozenset(keys)


def _by_oslo(check: _checks.BaseCheck, enforcer: Any) -> CompiledCheck:
    """A node cravat does not compile, evaluated by oslo.policy as ``Enforcer.enforce`` would."""
    call = _checks._check

    def oslo_check(target: Any, creds: Any, current: Any) -> Any:
        return call(check, target, creds, enforcer, current)

    return oslo_check
