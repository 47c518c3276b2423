"""Rule defaults declared next to the operation they govern.

``@cravat.rule(name, check_str, description)`` on a handler records a
:class:`RuleSpec`; when the API compiles, the specs become oslo.policy
``DocumentedRuleDefault``s whose ``operations`` are the routes that name the
rule, so the sample file and the route table cannot disagree. A handler may
instead name a rule registered elsewhere (``@cravat.rule("admin_or_owner")``)
or carry a whole oslo default (``@cravat.rule(DocumentedRuleDefault(...))``).

>>> spec = RuleSpec("compute:servers:show", "role:reader and project_id:%(project_id)s", "Show a server.")
>>> spec.default([{"method": "GET", "path": "/servers/{id}"}]).operations
[{'method': 'GET', 'path': '/servers/{id}'}]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from oslo_policy import policy as oslo_policy

from cravat.policy.rules import parse_check_string


@dataclass(frozen=True)
class RuleSpec:
    """A rule default as a handler declares it; its operations come from the routes that name it."""

    name: str
    check_str: str
    description: str
    scope_types: tuple[str, ...] | None = None
    deprecated_rule: oslo_policy.DeprecatedRule | None = None
    #: An oslo default given whole: registered as it is, its operations checked against the routes.
    given: oslo_policy.RuleDefault | None = None

    def __post_init__(self) -> None:
        parse_check_string(self.check_str)  # a default that does not parse fails on its own line
        if not self.description and self.given is None:
            raise ValueError(f"rule {self.name!r} needs a description: the sample policy file documents it")

    @classmethod
    def of(cls, default: oslo_policy.RuleDefault) -> RuleSpec:
        return cls(default.name, default.check_str, default.description or "",
                   tuple(default.scope_types) if default.scope_types else None, default.deprecated_rule,
                   given=default)

    def default(self, operations: Sequence[dict[str, str]]) -> oslo_policy.RuleDefault:
        """The oslo default: the one given, or a ``DocumentedRuleDefault`` for ``operations``."""
        if self.given is not None:
            return self.given
        return oslo_policy.DocumentedRuleDefault(
            self.name, self.check_str, self.description, [dict(op) for op in operations],
            deprecated_rule=self.deprecated_rule,
            scope_types=list(self.scope_types) if self.scope_types else None)

    def same_as(self, other: Any) -> bool:
        return isinstance(other, RuleSpec) and (self.check_str, self.scope_types, self.description) == \
            (other.check_str, other.scope_types, other.description)
