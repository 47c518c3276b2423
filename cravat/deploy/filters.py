"""Paste filters cravat provides: the request context, a body-size limit and CORS, in the app's error style.

- ``egg:cravat#context``: the request context (below);
- ``egg:cravat#sizelimit``: a drop-in for oslo.middleware's, answering 413 in the app's style;
- ``egg:cravat#cors``: oslo.middleware's CORS, answering preflights only where the app has a resource;
- ``egg:cravat#request_id`` and ``egg:cravat#http_proxy_to_wsgi``: drop-ins for oslo.middleware's
  filters of those names (same options, environ keys and headers).

PERF: oslo.middleware's filters wrap every request and answer in WebOb objects and look up their
``process_response``'s signature each time, 50 to 90 µs a filter per request. cravat's CORS and
proxy filters are oslo's own classes, called only for a request they can change (one with ``Origin``,
or with a proxy's ``Forwarded`` / ``X-Forwarded-*`` headers); any other passes straight through, which
is what oslo's would do with it. The request id filter is plain WSGI.

::

    [filter:context]
    use = egg:cravat#context
    # keystone (the default): behind keystonemiddleware's auth_token
    # noauth: believe X-User-Id / X-Project-Id / X-Roles as sent (development, tests)
    auth_strategy = keystone
    # noauth only, as Barbican's UnauthenticatedContextMiddleware: the roles of a request
    # without X-Roles, and a 400 "Missing X-Project-Id" for a request without a project
    default_roles = admin
    require_project_id = true
    # keystone only, as Barbican's ContextMiddleware: false answers 401 for a request whose
    # token auth_token did not confirm (delay_auth_decision = true passes it on)
    allow_anonymous_access = true

OPTIONS requests pass without a project or a token either way: the CORS filter in front asks
the app whether a preflight's resource exists.

It builds the request context (:mod:`cravat.policy.context`) and leaves it at
``environ["cravat.context"]``, where handlers read it as ``req.context``.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Iterable
from typing import Any

from oslo_middleware import cors as _oslo_cors
from oslo_middleware import http_proxy_to_wsgi as _oslo_proxy
from oslo_middleware import request_id as _oslo_request_id

from cravat.deploy.guard import error_style_of
from cravat.http.errors import BadRequest, RequestEntityTooLarge, Unauthorized
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


    With ``noauth``, ``default_roles`` are the roles of a request that sends
    no ``X-Roles`` (or an empty one), and ``require_project_id`` answers a
    request without ``X-Project-Id`` 400 ``Missing X-Project-Id``, in the
    app's error style: what Barbican's ``UnauthenticatedContextMiddleware``
    does (its default role is ``admin``), so the real clients' ``--no-auth``
    requests, which send only ``X-Project-Id``, are answered as Barbican
    answers them.
    """

    def __init__(self, app: WSGIApp, auth_strategy: str = "keystone", *,
                 default_roles: tuple[str, ...] = (), require_project_id: bool = False,
                 allow_anonymous: bool = True) -> None:
        if auth_strategy not in AUTH_STRATEGIES:
            raise ValueError(f"auth_strategy {auth_strategy!r} is not one of {', '.join(AUTH_STRATEGIES)}")
        if (default_roles or require_project_id) and auth_strategy != "noauth":
            raise ValueError("default_roles and require_project_id are options of auth_strategy = noauth; "
                             "behind keystone the token says who is calling")
        if not allow_anonymous and auth_strategy != "keystone":
            raise ValueError("allow_anonymous_access is an option of auth_strategy = keystone; "
                             "with noauth nothing is authenticated")
        self.app = app
        self.trust_headers = auth_strategy == "noauth"
        self.default_roles = tuple(default_roles)
        self.require_project_id = require_project_id
        self.deny_anonymous = not allow_anonymous
        refuses = require_project_id or self.deny_anonymous
        self._faults = FaultRenderer(error_style_of(app) or "nova") if refuses else None

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        if not environ.get(ENV_REQUEST_ID):
            environ[ENV_REQUEST_ID] = new_request_id()
        if self._faults is not None and environ.get("REQUEST_METHOD") != "OPTIONS":
            if self.require_project_id and not environ.get("HTTP_X_PROJECT_ID"):
                return self._refuse(BadRequest("Missing X-Project-Id"), environ, start_response)
            if self.deny_anonymous and (environ.get("HTTP_X_IDENTITY_STATUS") != "Confirmed"
                                        or not environ.get("HTTP_X_PROJECT_ID")):
                return self._refuse(Unauthorized("The request you have made requires authentication."),
                                    environ, start_response)
        context = context_from_environ(environ, trust_headers=self.trust_headers)
        if self.default_roles and not context.roles:
            context.roles = list(self.default_roles)
        environ[ENV_CONTEXT] = context
        return self.app(environ, start_response)

    def _refuse(self, error: Exception, environ: Environ, start_response: StartResponse) -> list[bytes]:
        assert self._faults is not None
        status, headers, body = self._faults.render(error, environ[ENV_REQUEST_ID])  # type: ignore[arg-type]
        start_response(status, headers)
        return [body]


def context_filter_factory(global_conf: dict[str, str], auth_strategy: str = "keystone", default_roles: str = "",
                           require_project_id: str = "false",
                           allow_anonymous_access: str = "true") -> Callable[[WSGIApp], ContextFilter]:
    """``paste.filter_factory`` ``egg:cravat#context``."""
    strategy = auth_strategy.strip()
    if strategy not in AUTH_STRATEGIES:
        raise ValueError(f"auth_strategy = {auth_strategy!r} is not one of {', '.join(AUTH_STRATEGIES)}")
    roles = tuple(r.strip().lower() for r in default_roles.split(",") if r.strip())
    required = _flag("require_project_id", require_project_id)
    anonymous = _flag("allow_anonymous_access", allow_anonymous_access)
    # Refuse bad combinations now, when the paste file loads.
    ContextFilter(_nothing, strategy, default_roles=roles, require_project_id=required, allow_anonymous=anonymous)
    return lambda app: ContextFilter(app, strategy, default_roles=roles, require_project_id=required,
                                     allow_anonymous=anonymous)


def _flag(name: str, value: str) -> bool:
    flag = value.strip().lower()
    if flag not in ("true", "false", "yes", "no", "1", "0", "on", "off"):
        raise ValueError(f"{name} = {value!r} is not a boolean (true or false)")
    return flag in ("true", "yes", "1", "on")


def _nothing(environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
    return []


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

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        # Without Origin, oslo's CORS changes nothing (and a preflight's non-2xx answer stands here).
        if "HTTP_ORIGIN" not in environ:
            return self.application(environ, start_response)
        return super().__call__(environ, start_response)

    def _apply_cors_preflight_headers(self, request: Any, response: Any) -> Any:
        if not 200 <= response.status_code < 300:
            return response
        return super()._apply_cors_preflight_headers(request, response)


def cors_filter_factory(global_conf: dict[str, str], **local_conf: str) -> Callable[[WSGIApp], CORSFilter]:
    """``paste.filter_factory`` ``egg:cravat#cors``: the options of ``egg:oslo.middleware#cors``."""
    return CORSFilter.factory(global_conf, **local_conf)


_GLOBAL_ID = re.compile(_oslo_request_id.ID_FORMAT)

#: The headers oslo.middleware's HTTPProxyToWSGI reads; a request with none of them passes unchanged.
_PROXY_HEADERS = ("HTTP_FORWARDED", "HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_FOR",
                  "HTTP_X_FORWARDED_PREFIX")


class HTTPProxyToWSGIFilter(_oslo_proxy.HTTPProxyToWSGI):
    """oslo.middleware's ``http_proxy_to_wsgi`` (``enable_proxy_headers_parsing`` and all), run only for a
    request that carries a proxy's headers: for any other it would change nothing."""

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        for name in _PROXY_HEADERS:
            if name in environ:
                return super().__call__(environ, start_response)
        return self.application(environ, start_response)


def http_proxy_to_wsgi_filter_factory(global_conf: dict[str, str], **local_conf: str
                                      ) -> Callable[[WSGIApp], HTTPProxyToWSGIFilter]:
    """``paste.filter_factory`` ``egg:cravat#http_proxy_to_wsgi``: the options of oslo.middleware's."""
    return HTTPProxyToWSGIFilter.factory(global_conf, **local_conf)


class RequestIdFilter(_oslo_request_id.RequestId):
    """oslo.middleware's ``request_id`` as plain WSGI: a new ``req-<uuid4>`` at
    ``environ["openstack.request_id"]`` for every request, answered in ``x-openstack-request-id`` (and
    ``compat_headers``) unless the app set it; an inbound ``X-OpenStack-Request-ID`` of that form is
    kept as ``openstack.global_request_id``."""

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        inbound = environ.get("HTTP_X_OPENSTACK_REQUEST_ID")
        if inbound and _GLOBAL_ID.match(inbound):
            environ[_oslo_request_id.GLOBAL_REQ_ID] = inbound
        request_id = new_request_id()
        environ[_oslo_request_id.ENV_REQUEST_ID] = request_id
        names = (_oslo_request_id.HTTP_RESP_HEADER_REQUEST_ID, *self.compat_headers)

        def answer(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            present = {name.lower() for name, _ in headers}
            extra = [(name, request_id) for name in names if name.lower() not in present]
            return start_response(status, headers + extra if extra else headers, exc_info)

        return self.application(environ, answer)


def request_id_filter_factory(global_conf: dict[str, str], **local_conf: str
                              ) -> Callable[[WSGIApp], RequestIdFilter]:
    """``paste.filter_factory`` ``egg:cravat#request_id``: a drop-in for oslo.middleware's."""
    return RequestIdFilter.factory(global_conf, **local_conf)
