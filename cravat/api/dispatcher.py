"""The dispatcher: one request, top to bottom.

route -> negotiate the version -> select the implementation -> run its
steps -> encode the answer; any exception on the way becomes a fault in the
API's style (``cravat.api.errorhandlers``).
"""

from __future__ import annotations

from collections.abc import Iterable

from cravat.api.compiler import Compiled
from cravat.api.encoding import encode
from cravat.api.errorhandlers import ErrorHandlers
from cravat.http.after_answer import ENV_AFTER_ANSWER, AnswerThenHooks
from cravat.http.errors import BadRequest, HTTPError, MethodNotAllowed, NotFound
from cravat.http.request import Request, Site, wsgi_text
from cravat.http.request_id import ENV_REQUEST_ID, RequestIds
from cravat.routing.router import Route
from cravat.types import Environ, StartResponse
from cravat.versions.negotiation import Negotiator


class Dispatcher:
    """Runs requests against a compiled API, as a WSGI application."""

    def __init__(self, compiled: Compiled, errors: ErrorHandlers, site: Site, negotiator: Negotiator | None) -> None:
        self._router = compiled.router
        self._errors = errors
        self._render = errors.renderer.render
        self._site = site
        self._negotiator = negotiator
        self._negotiate = negotiator.negotiate if negotiator is not None else _no_version
        self._default_version = negotiator.default if negotiator is not None else None
        self._new_request_id = RequestIds().new

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        request_id = environ.get(ENV_REQUEST_ID) or self._new_request_id()
        version = self._default_version
        req = None
        try:
            # Route: the path finds its route, the method its endpoint, which says how to read the version.
            path = environ.get("PATH_INFO") or "/"
            route, values = self._router.match(path if path.isascii() else _decode_path(path))
            endpoint = route.endpoints.get(environ["REQUEST_METHOD"]) if route is not None else None
            version = endpoint.negotiate(environ) if endpoint is not None else self._negotiate(environ)
            if endpoint is None:
                raise self._miss(route, environ)
            # Select the implementation (by version, by action key), then run its steps and encode.
            impl = endpoint.select(environ, version)
            req = _request(environ, route.params(values), request_id, self._site, version, impl)
            result = impl.run(req)
            status, headers, payload = encode(impl, req, result)
        except HTTPError as error:  # PERF: the usual refusal, rendered without the handler lookup
            status, headers, payload = self._render(error, request_id)
        except Exception as error:
            status, headers, payload = self._errors.render(error, req, environ, request_id)
        if version is not None and self._negotiator is not None:
            headers.extend(self._negotiator.headers(version))
        start_response(status, headers)
        # HEAD answers GET's headers, Content-Length included, without the body.
        body = [payload] if environ["REQUEST_METHOD"] != "HEAD" else []
        hooks = environ.pop(ENV_AFTER_ANSWER, None)
        return body if hooks is None else AnswerThenHooks(body, hooks)

    def _miss(self, route: Route | None, environ: Environ) -> Exception:
        path = environ.get("PATH_INFO") or "/"
        if route is None:
            return NotFound(self._router.explain_miss(path if path.isascii() else _decode_path(path)))
        return MethodNotAllowed(f"The method {environ['REQUEST_METHOD']} is not allowed for {path}; "
                                f"allowed: {route.allow}.", allow=route.allow)


_request = Request.make


def _no_version(environ: Environ) -> None:
    return None


def _decode_path(path: str) -> str:
    try:
        return wsgi_text(path)
    except UnicodeError:
        raise BadRequest("The request path is not valid UTF-8.") from None
