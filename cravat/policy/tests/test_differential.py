"""The compiled rules decide as oslo.policy's ``Enforcer.authorize`` does, on generated cases.

Rules are built at random from every check kind (``role:``, ``rule:`` to
defined and undefined rules, ``@``, ``!``, generic ``key:%(target.path)s``
against nested credentials, literals, a kind that is not a literal, a
custom check that only oslo can evaluate), joined by ``and``/``or``/``not``
and parentheses, with and without scope types; credentials come with and
without roles, system or domain scope and missing keys. Each case is
answered by oslo and by cravat; the outcomes (allowed, or the exception's
class and message) must be the same. The seed is fixed, so a failure
repeats.
"""

from __future__ import annotations

import copy
import random

from oslo_policy import _checks
from oslo_policy import policy as oslo_policy

from cravat.policy.enforcer import Policy

RULE_SETS = 250
CASES_PER_SET = 44  # 11,000 cases

ROLES = ["admin", "reader", "Member", "creator", "observer", "%(role)s", "%(missing)s"]
GENERIC = [
    "project_id:%(project_id)s", "user_id:%(user_id)s", "project_id:%(target.secret.project_id)s",
    "user_id:%(target.secret.creator_id)s", "'p1':%(project_id)s", "True:%(enabled)s", "1:%(count)s",
    "user.domain.id:d1", "user.domain.id:%(domain)s", "groups.name:ops", "roles:admin", "project_id:p1",
    "domain_id:%(missing)s", "is_admin_project:True", "system:all", "project_id:%(nested)s",
    "1a:x", "user_id:%(project_id)d", "deep.a.b:%(project_id)s",
]
CUSTOM_KIND = "cravat_differential_even"


class EvenCheck(_checks.Check):
    """A service's own check kind: cravat cannot compile it, so oslo evaluates the node."""

    def __call__(self, target, creds, enforcer, current_rule=None):
        return len(creds.get("roles") or []) % 2 == 0 and current_rule is not None


oslo_policy.register(CUSTOM_KIND, EvenCheck)


def check_string(rng: random.Random, depth: int, rule_index: int) -> str:
    if depth <= 0 or rng.random() < 0.35:
        return leaf(rng, rule_index)
    shape = rng.random()
    if shape < 0.15:
        return f"not {check_string(rng, depth - 1, rule_index)}"
    joiner = " and " if shape < 0.6 else " or "
    parts = [check_string(rng, depth - 1, rule_index) for _ in range(rng.randint(2, 3))]
    text = joiner.join(parts)
    return f"({text})" if rng.random() < 0.6 else text


def leaf(rng: random.Random, rule_index: int) -> str:
    pick = rng.random()
    if pick < 0.3:
        return f"role:{rng.choice(ROLES)}"
    if pick < 0.45:
        # Only rules defined before this one, so no circle; sometimes one nobody defined.
        names = [f"r{i}" for i in range(rule_index)] + ["undefined"]
        return f"rule:{rng.choice(names)}"
    if pick < 0.5:
        return rng.choice(["@", "!"])
    if pick < 0.55:
        return f"{CUSTOM_KIND}:x"
    return rng.choice(GENERIC)


def rule_set(rng: random.Random) -> list[oslo_policy.RuleDefault]:
    defaults = []
    count = rng.randint(2, 5)
    for i in range(count):
        scope = rng.choice([None, None, ["project"], ["system"], ["system", "project"], ["domain", "project"]])
        defaults.append(oslo_policy.RuleDefault(f"r{i}", check_string(rng, 3, i), scope_types=scope))
    if rng.random() < 0.3:
        # Not a rule: reference, which would lead back to "default" itself.
        defaults.append(oslo_policy.RuleDefault("default", rng.choice(["@", "!", "role:admin", *GENERIC])))
    return defaults


def credentials(rng: random.Random) -> dict:
    creds: dict = {}
    if rng.random() < 0.85:
        creds["roles"] = rng.sample(["admin", "Reader", "member", "CREATOR", "observer", "audit"], rng.randint(0, 3))
    for key, values in (("project_id", ["p1", "p2", None]), ("user_id", ["u1", "u2"]),
                        ("system_scope", [None, "all", ""]), ("domain_id", [None, "d1"]),
                        ("is_admin_project", [True, False])):
        if rng.random() < 0.8:
            creds[key] = rng.choice(values)
    if rng.random() < 0.5:
        creds["user"] = rng.choice([{"domain": {"id": "d1"}}, {"domain": {"id": "d2"}}, {"domain": "flat"}, {}])
    if rng.random() < 0.3:
        creds["groups"] = rng.choice([[{"name": "ops"}, {"name": "dev"}], [{"name": "dev"}], []])
    if rng.random() < 0.1:
        creds["deep"] = {"a": rng.choice([{"b": "p1"}, {"b": ["p2", "p1"]}, [{"b": "p1"}], "text"])}
    return creds


def target(rng: random.Random) -> dict:
    found: dict = {}
    for key, values in (("project_id", ["p1", "p2", 7]), ("user_id", ["u1", "u2"]),
                        ("target.secret.project_id", ["p1", "p2"]), ("target.secret.creator_id", ["u1"]),
                        ("enabled", [True, False, "True"]), ("count", [1, "1", 2]), ("role", ["admin", "READER"]),
                        ("domain", ["d1", "d2"])):
        if rng.random() < 0.75:
            found[key] = rng.choice(values)
    if rng.random() < 0.2:
        found["nested"] = {"project_id": "p1"}
    return found


def outcome(call, *args):
    try:
        allowed = call(*args)
    except Exception as exc:  # the exception itself is part of the decision
        return type(exc).__name__, str(exc)
    return "allowed" if allowed else "denied", ""


def test_compiled_rules_decide_as_oslo_authorize_on_eleven_thousand_cases():
    rng = random.Random(20260915)
    compared = 0
    kinds: dict[str, int] = {}
    for _ in range(RULE_SETS):
        defaults = rule_set(rng)
        policy = Policy()
        policy.register(defaults)
        policy.load()
        enforcer = policy.oslo_enforcer()
        for _ in range(CASES_PER_SET):
            name = rng.choice([d.name for d in defaults])
            creds, where = credentials(rng), target(rng)
            theirs = outcome(enforcer.authorize, name, where, copy.deepcopy(creds), True)
            ours = outcome(lambda p, *a: p.authorize(*a) is None, policy, name, where, copy.deepcopy(creds))
            rule = next(d for d in defaults if d.name == name)
            assert ours == theirs, (f"rule {name}: {rule.check_str!r} scope {rule.scope_types}\n"
                                    f"creds {creds}\ntarget {where}\noslo {theirs}\ncravat {ours}")
            kinds[theirs[0]] = kinds.get(theirs[0], 0) + 1
            compared += 1
    assert compared >= 10_000
    # The cases reach every kind of outcome, not just one.
    assert {"allowed", "PolicyNotAuthorized", "InvalidScope", "SyntaxError", "TypeError"} <= set(kinds), kinds
    assert min(kinds["allowed"], kinds["PolicyNotAuthorized"]) > 1000, kinds


class _Request:
    def __init__(self, context, path_params):
        self.environ = {"cravat.context": context}
        self.path_params = path_params


def test_the_authorize_step_decides_as_oslo_authorize_for_request_contexts():
    """The step reads only the credentials a rule needs from the context; the decision must not change."""
    from cravat.policy import RequestContext
    from cravat.policy.authorizer import _check

    rng = random.Random(20260916)
    compared = 0
    for _ in range(60):
        defaults = rule_set(rng)
        policy = Policy()
        policy.register(defaults)
        policy.load()
        enforcer = policy.oslo_enforcer()
        for _ in range(40):
            name = rng.choice([d.name for d in defaults])
            creds = credentials(rng)
            context = RequestContext(user_id=creds.get("user_id"), project_id=creds.get("project_id"),
                                     domain_id=creds.get("domain_id"), system_scope=creds.get("system_scope"),
                                     roles=creds.get("roles", []))
            params = {k: v for k, v in target(rng).items() if k not in ("project_id", "user_id")}
            if rng.random() < 0.5:
                params["project_id"] = rng.choice(["p1", "p2"])
            built = {"project_id": context.project_id, "user_id": context.user_id, **params}
            theirs = outcome(enforcer.authorize, name, built, context, True)
            ours = outcome(lambda c, req: c(req, {}) is None, _check(policy, name, False), _Request(context, params))
            if ours[0] == "Forbidden":  # the step answers 403 where oslo raises
                ours = ("denied", "")
            if theirs[0] in ("PolicyNotAuthorized", "InvalidScope"):
                theirs = ("denied", "")
            assert ours == theirs, (name, [d.check_str for d in defaults], creds, built)
            compared += 1
    assert compared == 2400
