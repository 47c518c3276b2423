"""The dispatcher: one request, top to bottom.

route -> pick the operation by method (405, OPTIONS, HEAD) -> read the body
-> pick the action -> call the handler -> encode the answer; any error on
the way is rendered by the API's fault renderer.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import webob
import webob.exc

from cravat.api.operation import Operation
from cravat.api.options import APIOptions
from cravat.http import codecs
from cravat.http.errors import (
    BadRequest,
    HTTPError,
    InternalServerError,
    LengthRequired,
    MethodNotAllowed,
    NotFound,
    RequestEntityTooLarge,
    UnsupportedMediaType,
)
from cravat.http.faults import REQUEST_ID_HEADER, FaultRenderer
from cravat.http.request import Request, wsgi_text
from cravat.http.request_id import ENV_REQUEST_ID, new_request_id
from cravat.http.response import Result
from cravat.http.status import status_line
from cravat.routing.router import Router
from cravat.routing.urls import URLBuilder
from cravat.types import Environ, Headers, StartResponse
from cravat.versions.microversion import APIVersion
from cravat.versions.negotiation import Negotiator

LOG = logging.getLogger(__name__)

_NO_BODY = object()
_VERSION_CACHE_LIMIT = 256
# Entity headers a 204 or 304 must not carry.
_NO_CONTENT = ("204", "304")
_STATUS_200 = status_line(200)
# webob exception headers worth keeping when re-rendering one in the API's style.
_KEPT_HEADERS = ("Allow", "Location", "Retry-After", "WWW-Authenticate")


class _Options(Exception):
    """The automatic OPTIONS answer: leaves the request path like an error, with the route's Allow."""

    def __init__(self, allow: str) -> None:
        self.allow = allow


class Dispatcher:
    """Runs requests against a router's operations, as a WSGI application."""

    def __init__(self, options: APIOptions, router: Router, urls: URLBuilder) -> None:
        self._router = router
        self._urls = urls
        self._faults = FaultRenderer(options.error_style)
        self._max_body = options.max_body_size
        self._max_depth = options.max_json_depth
        self._negotiator = Negotiator(options.microversions) if options.microversions else None
        self._default_version = self._negotiator.default if self._negotiator else None
        self._unavailable_status = options.microversions.unavailable_status if options.microversions else 404
        self._response_validation = options.response_validation

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        request_id = environ.get(ENV_REQUEST_ID) or new_request_id()
        method = environ["REQUEST_METHOD"]
        version = self._default_version
        try:
            if self._negotiator is not None:
                version = self._negotiator.negotiate(environ)
            # Route, and pick the operation by method.
            path = environ.get("PATH_INFO") or "/"
            if not path.isascii():
                path = _decode_path(path)
            route, values = self._router.match(path)
            if route is None:
                raise NotFound(self._router.explain_miss(path))
            operation = route.operations.get(method)
            if operation is None:
                if method == "HEAD":
                    operation = route.operations.get("GET")
                elif method == "OPTIONS":
                    raise _Options(route.allow)
                if operation is None:
                    raise MethodNotAllowed(f"The method {method} is not allowed for {path}; "
                                           f"allowed: {route.allow}.", allow=route.allow)
            # Read the body, then narrow to the action it names and the implementation of this version.
            params = dict(zip(operation.param_names, values)) if values else {}
            body = self._read_body(environ, operation) if operation.takes_body else _NO_BODY
            if operation.actions is not None:
                operation = _select_action(operation, body)
            if operation.versions is not None:
                operation = self._select_version(operation, version)
            # Check the input and bind the handler's arguments.
            kwargs = params if operation.pass_params is None else {n: params[n] for n in operation.pass_params}
            if operation.takes_body:
                if body is not _NO_BODY:
                    if operation.validate_body is not None:
                        body = operation.validate_body(body)
                    kwargs = {**kwargs, "body": body}
                elif operation.body_required:
                    raise BadRequest(f"{operation.name} needs a request body ({', '.join(operation.accepts)}).")
            routing = environ.get("wsgiorg.routing_args")
            # Named groups a URL map matched in front of this app (?P<region>...) join the path parameters.
            path_params = {**routing[1], **params} if routing and routing[1] else params
            req = Request(environ, path_params=path_params, request_id=request_id, operation=operation,
                          urls=self._urls, version=version, url_defaults=params)
            if operation.validate_query is not None:
                query = operation.validate_query(_query(req))
                if operation.takes_query:
                    kwargs = {**kwargs, "query": query}
            elif operation.takes_query:
                kwargs = {**kwargs, "query": _query(req).mixed()}
            # Call, and encode the answer.
            result = operation.handler(req, **kwargs)
            if operation.check_response is not None and self._response_validation != "ignore":
                self._check_response(operation, result)
            status, headers, payload = self._encode(operation, result, request_id)
        except HTTPError as error:
            status, headers, payload = self._faults.render(error, request_id)
        except _Options as options:
            status, headers, payload = _STATUS_200, [("Allow", options.allow), ("Content-Length", "0"),
                                                     (REQUEST_ID_HEADER, request_id)], b""
        except webob.exc.HTTPException as exc:
            status, headers, payload = self._webob_exception(exc, request_id)
        except Exception:
            LOG.exception("Unexpected error in %s %s, request %s", method, environ.get("PATH_INFO"), request_id)
            status, headers, payload = self._faults.render(InternalServerError(
                "Unexpected error while handling the request; quote request id "
                f"{request_id} when reporting it."), request_id)
        if self._negotiator is not None:
            headers.extend(self._negotiator.headers(version))
        start_response(status, headers)
        # HEAD answers GET's headers, Content-Length included, without the body.
        return [payload] if method != "HEAD" else []

    def _select_version(self, operation: Operation, version: APIVersion | None) -> Operation:
        """The implementation whose range holds the request's version, or a 404 (or 406) saying where it is."""
        # PERF: remembered per version; the negotiator admits only the API's range, so this stays small.
        chosen = operation.by_version.get(version)
        if chosen is not None:
            return chosen
        for implementation in operation.versions or ():
            if implementation.version_range.contains(version):  # type: ignore[union-attr, arg-type]
                if len(operation.by_version) >= _VERSION_CACHE_LIMIT:  # the versions are the client's to choose
                    operation.by_version.clear()
                operation.by_version[version] = implementation
                return implementation
        ranges = ", ".join(str(i.version_range) for i in operation.versions or ())
        raise HTTPError(f"{operation.name} is not available in version {version}; it is in {ranges}.",
                        status=self._unavailable_status)

    def _check_response(self, operation: Operation, result: Any) -> None:
        data = result.body if type(result) is Result else result
        if isinstance(data, webob.Response):
            return
        problem = operation.check_response(data)  # type: ignore[misc]
        if problem is None:
            return
        if self._response_validation == "error":
            # The details are the server's own data: they go to the log, not to the client.
            LOG.error("Response of %s breaks its schema: %s", operation, problem)
            raise InternalServerError(f"The response of {operation.name} does not match its schema; "
                                      "the server log has the details.")
        LOG.warning("Response of %s breaks its schema: %s", operation, problem)

    def _read_body(self, environ: Environ, operation: Operation) -> Any:
        """The decoded request body, ``_NO_BODY`` when there is none, or an HTTP error saying why not."""
        length = environ.get("CONTENT_LENGTH")
        if length:
            try:
                size = int(length)
            except ValueError:
                raise BadRequest(f"Content-Length {length!r} is not a number.") from None
            if size < 0:
                raise BadRequest(f"Content-Length {length!r} is negative.")
            if size > self._max_body:
                raise RequestEntityTooLarge(f"The request body is {size} bytes; the limit is {self._max_body}.")
            raw = environ["wsgi.input"].read(size) if size else b""
        elif environ.get("HTTP_TRANSFER_ENCODING", "").lower() == "chunked":
            # Reading to the end is safe only where the server promises the input
            # ends with the body (gunicorn, uWSGI, mod_wsgi); elsewhere it would block.
            if not environ.get("wsgi.input_terminated"):
                raise LengthRequired("This server cannot read a chunked request body; send Content-Length.")
            raw = environ["wsgi.input"].read(self._max_body + 1)
            if len(raw) > self._max_body:
                raise RequestEntityTooLarge(f"The request body is over the limit of {self._max_body} bytes.")
        else:
            raw = b""
        if not raw:
            if operation.body_required:
                raise BadRequest(f"{operation.name} needs a request body ({', '.join(operation.accepts)}).")
            return _NO_BODY
        content_type = environ.get("CONTENT_TYPE")
        # A body without Content-Type is taken as the operation's first media type, as Nova does.
        media_type = content_type.partition(";")[0].strip().lower() if content_type else operation.accepts[0]
        if media_type not in operation.accepts:
            raise UnsupportedMediaType(f"Content-Type {media_type!r} is not accepted by {operation.name}; "
                                       f"send {' or '.join(operation.accepts)}.")
        if media_type == codecs.JSON or media_type.endswith("+json"):
            return codecs.loads(raw, self._max_depth)
        return raw

    def _encode(self, operation: Operation, result: Any, request_id: str) -> tuple[str, Headers, bytes]:
        status = operation.status_line
        extra: Any = operation.headers
        content_type = None
        if type(result) is Result:
            if result.status is not None:
                status = status_line(result.status)
            if result.headers:
                content_type, extra = _result_headers(result, extra)
            content_type = result.content_type or content_type
            result = result.body
        elif isinstance(result, webob.Response):
            return _webob_answer(result, request_id)
        if result is not None and status[:3] in _NO_CONTENT:
            LOG.warning("%s answered %s with a body; a %s has none, so it was dropped", operation, status[:3],
                        status[:3])
            result = None
        if result is None:
            headers: Headers = [] if status[:3] in _NO_CONTENT else [("Content-Length", "0")]
            headers.append((REQUEST_ID_HEADER, request_id))
            headers.extend(extra)
            return status, headers, b""
        if isinstance(result, bytes):
            payload, content_type = result, content_type or "application/octet-stream"
        elif isinstance(result, str):
            payload, content_type = result.encode("utf-8"), content_type or "text/plain; charset=UTF-8"
        else:
            payload, content_type = codecs.dumps(result), content_type or codecs.JSON
        headers = [("Content-Type", content_type), ("Content-Length", str(len(payload))),
                   (REQUEST_ID_HEADER, request_id)]
        headers.extend(extra)
        return status, headers, payload

    def _webob_exception(self, exc: webob.exc.HTTPException, request_id: str) -> tuple[str, Headers, bytes]:
        """A ``webob.exc`` raised by a handler (as OpenStack code does): errors in the API's style."""
        response: Any = exc
        if response.status_code < 400:
            return _webob_answer(response, request_id)
        headers = {k: response.headers[k] for k in _KEPT_HEADERS if k in response.headers}
        message = response.detail or response.explanation
        return self._faults.render(HTTPError(message, status=response.status_code, headers=headers), request_id)


def _result_headers(result: Result, extra: Any) -> tuple[str | None, Any]:
    """A Result's headers over the operation's: its Content-Type is the media type; Content-Length is cravat's."""
    content_type = None
    own = []
    for name, value in result.headers.items():  # type: ignore[union-attr]
        lowered = name.lower()
        if lowered == "content-type":
            content_type = value
        elif lowered != "content-length":
            own.append((name, str(value)))
    return content_type, (*extra, *own)


def _webob_answer(response: webob.Response, request_id: str) -> tuple[str, Headers, bytes]:
    """A WebOb response a handler returned or raised, answered as it is, with this request's id.

    Its header list is copied: the same response object may answer many
    requests, on many threads.
    """
    headers = [(k, v) for k, v in response.headerlist if k.lower() != REQUEST_ID_HEADER]
    headers.append((REQUEST_ID_HEADER, request_id))
    return response.status, headers, response.body


def _select_action(endpoint: Operation, body: Any) -> Operation:
    """The action a ``POST .../action`` body names by its single top-level key."""
    if type(body) is dict and len(body) == 1:
        (name,) = body
        action = endpoint.actions.get(name)  # type: ignore[union-attr]
        if action is not None:
            return action
        raise BadRequest(f"There is no action {name!r} at {endpoint.template.text}; "
                         f"actions: {_known(endpoint)}.")
    if not isinstance(body, dict):
        raise BadRequest(f"An action body must be a JSON object with one key naming the action "
                         f"({_known(endpoint)}); got {type(body).__name__ if body is not _NO_BODY else 'no body'}.")
    got = ", ".join(sorted(body)) if body else "none"
    raise BadRequest(f"An action body must have exactly one key naming the action ({_known(endpoint)}); "
                     f"got {len(body)}: {got}.")


def _known(endpoint: Operation) -> str:
    return ", ".join(sorted(endpoint.actions or ()))


def _query(req: Request) -> Any:
    """``req.GET``, or a 400 when the query string's escapes are not UTF-8."""
    try:
        return req.GET
    except UnicodeDecodeError:
        raise BadRequest("The query string is not valid UTF-8.") from None


def _decode_path(path: str) -> str:
    try:
        return wsgi_text(path)
    except UnicodeError:
        raise BadRequest("The request path is not valid UTF-8.") from None
