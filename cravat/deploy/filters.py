"""Paste filters cravat provides: the request context, a body-size limit and CORS, in the app's error style.

- ``egg:cravat#context``: the request context (below);
- ``egg:cravat#sizelimit``: a drop-in for oslo.middleware's, answering 413 in the app's style;
- ``egg:cravat#cors``: oslo.middleware's CORS, answering preflights only where the app has a resource.

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

import io
from collections.abc import Callable, Iterable
from typing import Any

from oslo_middleware import cors as _oslo_cors

from cravat.deploy.guard import error_style_of
from cravat.http.errors import RequestEntityTooLarge
from cravat.http.faults import FaultRenderer
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


class SizeLimitFilter:
    """413 for a request body over ``max_request_body_size``, in the app's error style.

    A drop-in for ``egg:oslo.middleware#sizelimit`` (same option name), whose
    413 is an HTML page. A chunked body without Content-Length is read here,
    up to the limit, so the limit holds for it too.
    """

    def __init__(self, app: WSGIApp, max_request_body_size: int) -> None:
        self.app = app
        self.max_size = max_request_body_size
        self._faults = FaultRenderer(error_style_of(app) or "nova")

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        length = environ.get("CONTENT_LENGTH")
        if length:
            size = int(length) if length.isdigit() else None
            if size is not None and size > self.max_size:
                return self._too_large(f"The request body is {size} bytes; the limit is {self.max_size}.",
                                       environ, start_response)
        elif environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked" and environ.get("wsgi.input_terminated"):
            body = environ["wsgi.input"].read(self.max_size + 1)
            if len(body) > self.max_size:
                return self._too_large(f"The chunked request body is over the limit of {self.max_size} bytes.",
                                       environ, start_response)
            environ["wsgi.input"] = io.BytesIO(body)
            environ["CONTENT_LENGTH"] = str(len(body))
            environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.app(environ, start_response)

    def _too_large(self, message: str, environ: Environ, start_response: StartResponse) -> list[bytes]:
        request_id = environ.get(ENV_REQUEST_ID) or new_request_id()
        status, headers, body = self._faults.render(RequestEntityTooLarge(message), request_id)
        start_response(status, headers)
        return [body]


def sizelimit_filter_factory(global_conf: dict[str, str], max_request_body_size: str = "114688"
                             ) -> Callable[[WSGIApp], SizeLimitFilter]:
    """``paste.filter_factory`` ``egg:cravat#sizelimit``; oslo.middleware's default limit, 114688 bytes."""
    text = str(max_request_body_size).strip()
    if not text.isdigit():
        raise ValueError(f"max_request_body_size = {max_request_body_size!r} is not a whole number of bytes")
    return lambda app: SizeLimitFilter(app, int(text))


class CORSFilter(_oslo_cors.CORS):
    """oslo.middleware's CORS filter, except that a preflight is answered only where the app has a resource.

    oslo.middleware turns any non-2xx answer to OPTIONS into an empty 200, so
    ``OPTIONS /nope`` looked like a resource. Here the app's own answer
    stands unless it is a success: the URL map's or router's 404 (or 405)
    in the app's style; a success keeps the app's ``Allow`` and gains the
    CORS headers. Options are oslo.middleware's (``allowed_origin``, ...).
    """

    def _apply_cors_preflight_headers(self, request: Any, response: Any) -> Any:
        if not 200 <= response.status_code < 300:
            return response
        return super()._apply_cors_preflight_headers(request, response)


def cors_filter_factory(global_conf: dict[str, str], **local_conf: str) -> Callable[[WSGIApp], CORSFilter]:
    """``paste.filter_factory`` ``egg:cravat#cors``: the options of ``egg:oslo.middleware#cors``."""
    return CORSFilter.factory(global_conf, **local_conf)
