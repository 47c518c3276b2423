"""Paste filters cravat provides: the context filter, ``use = egg:cravat#context``.

::

    [filter:context]
    use = egg:cravat#context
    # keystone (the default): behind keystonemiddleware's auth_token
    # noauth: believe X-User-Id / X-Project-Id / X-Roles as sent (development, tests)
    auth_strategy = keystone

It builds the request context (:mod:`cravat.policy.context`) and leaves it at
``environ["cravat.context"]``, where handlers read it as ``req.context``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from cravat.http.request import ENV_CONTEXT
from cravat.http.request_id import ENV_REQUEST_ID, new_request_id
from cravat.policy.context import context_from_environ
from cravat.types import Environ, StartResponse, WSGIApp

AUTH_STRATEGIES = ("keystone", "noauth")


class ContextFilter:
    """WSGI middleware putting the request context at ``environ["cravat.context"]``.

    Without oslo.middleware's request_id filter in front, it also sets
    ``openstack.request_id``, so the context and the ``x-openstack-request-id``
    the API answers carry the same id.
    """

    def __init__(self, app: WSGIApp, auth_strategy: str = "keystone") -> None:
        if auth_strategy not in AUTH_STRATEGIES:
            raise ValueError(f"auth_strategy {auth_strategy!r} is not one of {', '.join(AUTH_STRATEGIES)}")
        self.app = app
        self.trust_headers = auth_strategy == "noauth"

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if not environ.get(ENV_REQUEST_ID):
            environ[ENV_REQUEST_ID] = new_request_id()
        environ[ENV_CONTEXT] = context_from_environ(environ, trust_headers=self.trust_headers)
        return self.app(environ, start_response)


def context_filter_factory(global_conf: dict[str, str], auth_strategy: str = "keystone"
                           ) -> Callable[[WSGIApp], ContextFilter]:
    """``paste.filter_factory`` ``egg:cravat#context``."""
    strategy = auth_strategy.strip()
    if strategy not in AUTH_STRATEGIES:
        raise ValueError(f"auth_strategy = {auth_strategy!r} is not one of {', '.join(AUTH_STRATEGIES)}")
    return lambda app: ContextFilter(app, strategy)
