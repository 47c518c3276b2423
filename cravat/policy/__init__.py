"""Policy: the request context, rule defaults in code, oslo.policy's enforcer, compiled rule evaluation."""

from oslo_policy.policy import DeprecatedRule, DocumentedRuleDefault, RuleDefault

from cravat.policy.context import RequestContext, context_from_environ
from cravat.policy.enforcer import (
    InvalidScope,
    Policy,
    PolicyError,
    PolicyNotAuthorized,
    PolicyNotRegistered,
    credentials,
)

__all__ = [
    "DeprecatedRule",
    "DocumentedRuleDefault",
    "InvalidScope",
    "Policy",
    "PolicyError",
    "PolicyNotAuthorized",
    "PolicyNotRegistered",
    "RequestContext",
    "RuleDefault",
    "context_from_environ",
    "credentials",
]
