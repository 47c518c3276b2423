"""Policy: the request context (rule defaults and the enforcer come later)."""

from cravat.policy.context import RequestContext, context_from_environ

__all__ = ["RequestContext", "context_from_environ"]
