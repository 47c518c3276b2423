"""The request context: who is calling (user, project, roles) and the request's ids.

cravat uses oslo.context's ``RequestContext``, the one OpenStack libraries
(oslo.policy, oslo.log) already understand, with one change: it is never
stored in a thread-local. A context reaches a handler explicitly, as
``req.context``, put in the environ by the pipeline's context filter.

>>> ctx = context_from_environ(environ, trust_headers=False)
>>> ctx.user_id, ctx.project_id, ctx.roles, ctx.request_id
('u1', 'p1', ['reader'], 'req-...')
"""

from __future__ import annotations

from typing import Any

from oslo_context import context as oslo_context

#: The value keystonemiddleware's auth_token gives ``X-Identity-Status`` for a valid token.
CONFIRMED = "Confirmed"


class RequestContext(oslo_context.RequestContext):
    """oslo.context's RequestContext, kept out of thread-local storage.

    oslo's constructor stores every new context as the thread's "current" one
    unless ``overwrite=False`` *and* one is already stored, so a context would
    leak from request to request on a server's worker threads. cravat passes
    contexts explicitly, so storing is switched off here.
    """

    def update_store(self) -> None:
        pass


def context_from_environ(environ: dict[str, Any], *, trust_headers: bool) -> RequestContext:
    """The context of one request, from the headers keystonemiddleware's auth_token sets.

    ``X-User-Id``, ``X-Project-Id``, ``X-Roles`` (and the names, domains and
    service-token headers oslo.context reads) give the caller; the request id
    and global request id come from ``openstack.request_id`` and
    ``openstack.global_request_id``, which oslo.middleware's request_id filter sets.

    With ``trust_headers=False`` (behind auth_token) the caller is taken only
    when auth_token confirmed the token (``X-Identity-Status: Confirmed``);
    otherwise, as with ``delay_auth_decision = true`` and no valid token, the
    context is anonymous: no user, no project, no roles. With
    ``trust_headers=True`` (a no-auth pipeline, for development and tests) the
    headers are believed as sent.
    """
    if trust_headers or environ.get("HTTP_X_IDENTITY_STATUS") == CONFIRMED:
        return RequestContext.from_environ(environ)
    return RequestContext(
        request_id=environ.get("openstack.request_id"),
        global_request_id=environ.get("openstack.global_request_id"),
        is_admin_project=False,
    )
