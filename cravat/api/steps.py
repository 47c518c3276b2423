"""Compiled steps: what an implementation does around its handler, chosen when the API compiles.

A step wraps the runner inside it. A runner is ``run(req, arguments) ->
result``: it receives the request and the handler's arguments gathered so
far, and returns what the handler returned (after any step's changes). The
innermost runner is the handler's call; each step the implementation needs
wraps it once, at compile time, so a request pays one call per step it
has and nothing for the steps it has not:

    negotiate media -> read body -> validate body -> validate query -> bind arguments
    -> authorize -> check response -> open resources -> extend response -> authorize in handler -> call

>>> impl.steps
(ReadBody(), ValidateBody(), Call())
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from contextlib import AbstractContextManager
from typing import Any, ClassVar

import webob

from cravat.http.bodies import NO_BODY, BodyReader
from cravat.http.codecs import JSON
from cravat.http.errors import BadRequest, InternalServerError
from cravat.http.media import negotiate
from cravat.http.request import Request
from cravat.http.response import Result

LOG = logging.getLogger(__name__)

Runner = Callable[[Request, dict[str, Any]], Any]

#: The environ key where an action endpoint leaves the body it read to choose the action.
BODY_KEY = "cravat.action_body"


class Step:
    """One thing an implementation does around its handler. ``order`` places it (outer first).

    A step either checks the request before the call, ``check(req, arguments)``
    (raising to refuse it, or adding arguments), or wraps what is inside it,
    ``wrap(inner) -> runner``. Checks that follow one another run in one loop
    (PERF: an exception raised by the fourth passes one frame, not four; in
    CPython each frame it passes is made into an object for the traceback).
    """

    order: ClassVar[int] = 0
    name: ClassVar[str] = "step"

    def check(self, req: Request, arguments: dict[str, Any]) -> None:
        raise NotImplementedError

    def wrap(self, inner: Runner) -> Runner:
        check = self.check

        def run(req: Request, arguments: dict[str, Any]) -> Any:
            check(req, arguments)
            return inner(req, arguments)

        return run

    @property
    def checks(self) -> bool:
        """Whether this step is a check (run in the loop) rather than a wrapper."""
        return type(self).check is not Step.check

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class NegotiateMedia(Step):
    """The answer's media type from ``Accept`` among those produced (406 when none fits): ``req.media_type``."""

    order, name = 10, "negotiate media type"

    def __init__(self, produces: tuple[str, ...]) -> None:
        self.produces = produces
        self.first = produces[0]

    def check(self, req: Request, arguments: dict[str, Any]) -> None:
        accept = req.environ.get("HTTP_ACCEPT")
        # PERF: no header, */* or the first offer is nearly every request; it parses nothing.
        req.__dict__["media_type"] = self.first if not accept or accept == "*/*" or accept == self.first \
            else negotiate(accept, self.produces, req.operation.name)


class ReadBody(Step):
    """Read and decode the body (``body``); 400 when it is required and absent."""

    order, name = 20, "read body"

    def __init__(self, reader: BodyReader, *, required: bool, pre_read: bool = False) -> None:
        self.reader = reader
        self.required = required
        self.pre_read = pre_read  # an action endpoint read it already, to choose the action

    def check(self, req: Request, arguments: dict[str, Any]) -> None:
        if self.pre_read:
            arguments["body"] = req.environ[BODY_KEY]
            return
        body = self.reader.read(req.environ)
        if body is not NO_BODY:
            arguments["body"] = body
        elif self.required:
            raise BadRequest(f"{self.reader.where} needs a request body ({', '.join(self.reader.accepts)}).")


class ValidateBody(Step):
    """Check the body against its schema (400 naming the field); drop it if the handler does not take it."""

    order, name = 30, "validate body"

    def __init__(self, validate: Callable[[Any], Any], *, keep: bool) -> None:
        self.validate = validate
        self.keep = keep

    def check(self, req: Request, arguments: dict[str, Any]) -> None:
        body = arguments.get("body", NO_BODY) if self.keep else arguments.pop("body", NO_BODY)
        if body is not NO_BODY:
            self.validate(body)


class ValidateQuery(Step):
    """Coerce the query string to its schema's types and check it; bind ``query`` and its properties."""

    order, name = 40, "validate query"

    def __init__(self, coerce: Callable[[Any], dict[str, Any]] | None, validate: Callable[[Any], Any] | None,
                 *, whole: bool, names: tuple[str, ...]) -> None:
        self.coerce = coerce
        self.validate = validate
        self.whole = whole
        self.names = names

    def check(self, req: Request, arguments: dict[str, Any]) -> None:
        params = query_of(req)
        query = self.coerce(params) if self.coerce is not None else params.mixed()
        if self.validate is not None:
            self.validate(query)
        if self.whole:
            arguments["query"] = query
        for name in self.names:
            if name in query:
                arguments[name] = query[name]


class BindArguments(Step):
    """Arguments declared to come from a header or a query parameter, converted (400 naming it)."""

    order, name = 50, "bind arguments"

    def __init__(self, arguments: tuple[Any, ...]) -> None:
        self.arguments = arguments

    def check(self, req: Request, arguments: dict[str, Any]) -> None:
        environ = req.environ
        query = None
        for spec in self.arguments:
            if spec.kind == "header":
                text = environ.get(spec.key)
            else:
                query = query_of(req) if query is None else query
                values = query.getall(spec.key)
                text = values[-1] if values else None
            if text is None:
                if spec.required:
                    raise BadRequest(f"The {spec.label} is required.")
                if spec.default is not None:
                    arguments[spec.name] = spec.default
                continue
            if spec.convert is None:
                arguments[spec.name] = text
                continue
            try:
                arguments[spec.name] = spec.convert(text)
            except (TypeError, ValueError) as exc:
                raise BadRequest(f"The {spec.label} {text[:60]!r} is not valid: {exc}.") from None


class Authorize(Step):
    """The policy check, before the handler runs: ``check(req, arguments)`` raises 403 (or 404) to refuse."""

    order, name = 60, "authorize"

    def __init__(self, check: Callable[[Request, dict[str, Any]], None], rule: str) -> None:
        self.authorize = check
        self.rule = rule

    def check(self, req: Request, arguments: dict[str, Any]) -> None:
        self.authorize(req, arguments)

    def __repr__(self) -> str:
        return f"Authorize({self.rule!r})"


class AuthorizeInHandler(Step):
    """A rule the handler checks itself, ``req.authorize(target)``, once it has loaded what the rule reads.

    Innermost but for the call, so a refusal (or an answer without a check)
    leaves the request's resources to roll back: a handler that declared
    ``@cravat.rule(..., in_handler=True)`` and returns without having
    authorized is a 500 naming the operation and its rule, never a success.
    An exception the handler raises first (a 404 for what is not there)
    passes as it is.
    """

    order, name = 95, "authorize in handler"

    def __init__(self, check: Any, rule: str) -> None:
        self.authorizer = check
        self.rule = rule

    def wrap(self, inner: Runner) -> Runner:
        authorize, rule = self.authorizer.authorize, self.rule

        def run(req: Request, arguments: dict[str, Any]) -> Any:
            d = req.__dict__
            d["_authorize"] = authorize
            d["authorized"] = False
            result = inner(req, arguments)
            if not d["authorized"]:
                LOG.error("%s declares policy rule %r checked in its handler, and answered without calling "
                          "req.authorize(target); the answer is refused", req.operation, rule)
                raise InternalServerError(f"{req.operation.name} answered without checking its policy rule "
                                          f"{rule!r}; the server log has the details.")
            return result

        return run

    def __repr__(self) -> str:
        return f"AuthorizeInHandler({self.rule!r})"


class OpenResources(Step):
    """Open the request-scoped resources the handler asks for, around the call, and close them after.

    A resource is a context manager its provider makes for the request (a
    database session whose exit commits, or rolls back on an exception):
    its exit runs before the answer is encoded, so a failed commit is a
    fault, never a success for what was not saved.
    """

    order, name = 80, "open resources"

    def __init__(self, providers: Mapping[str, Callable[[Request], AbstractContextManager[Any]]]) -> None:
        self.providers = dict(providers)

    def wrap(self, inner: Runner) -> Runner:
        runner = inner
        for name, provider in reversed(list(self.providers.items())):
            runner = _opening(name, provider, runner)
        return runner

    def __repr__(self) -> str:
        return f"OpenResources({', '.join(self.providers)})"


def _opening(name: str, provider: Callable[[Request], AbstractContextManager[Any]], inner: Runner) -> Runner:
    def run(req: Request, arguments: dict[str, Any]) -> Any:
        with provider(req) as resource:
            arguments[name] = resource
            return inner(req, arguments)

    return run


class CheckResponse(Step):
    """Check the answer against its response schema: log it ("warn"), or make it a 500 ("error")."""

    order, name = 70, "check response"

    def __init__(self, check: Callable[[Any], str | None], *, mode: str, where: str) -> None:
        self.check = check
        self.mode = mode
        self.where = where

    def wrap(self, inner: Runner) -> Runner:
        check, error, where = self.check, self.mode == "error", self.where

        def run(req: Request, arguments: dict[str, Any]) -> Any:
            result = inner(req, arguments)
            data = result.body if type(result) is Result else result
            if isinstance(data, webob.Response):
                return result
            problem = check(data)
            if problem is not None:
                if error:
                    # The details are the server's own data: they go to the log, not to the client.
                    LOG.error("Response of %s breaks its schema: %s", where, problem)
                    raise InternalServerError(f"The response of {req.operation.name} does not match its "
                                              "schema; the server log has the details.")
                LOG.warning("Response of %s breaks its schema: %s", where, problem)
            return result

        return run


class ExtendResponse(Step):
    """Functions that change the handler's answer after it returns (response extensions), in order.

    Each is called ``extender(req, result, arguments)`` and returns the result to pass on.
    """

    order, name = 90, "extend response"

    def __init__(self, extenders: tuple[Callable[..., Any], ...]) -> None:
        self.extenders = extenders

    def wrap(self, inner: Runner) -> Runner:
        extenders = self.extenders

        def run(req: Request, arguments: dict[str, Any]) -> Any:
            result = inner(req, arguments)
            for extend in extenders:
                result = extend(req, result, arguments)
            return result

        return run


class Call(Step):
    """The handler itself, called ``handler(req, **arguments)``: the innermost runner."""

    order, name = 100, "call"

    def __init__(self, handler: Callable[..., Any]) -> None:
        self.handler = handler

    def wrap(self, inner: Runner | None = None) -> Runner:
        handler = self.handler

        def call(req: Request, arguments: dict[str, Any]) -> Any:
            return handler(req, **arguments)

        return call


def compose(steps: tuple[Step, ...], arguments: Callable[[dict[str, Any]], dict[str, Any]]) \
        -> Callable[[Request], Any]:
    """``run(req)``: the steps as one function, outermost first; the last must be the ``Call``.

    ``arguments(req.path_params)`` starts the handler's arguments; the steps add theirs.
    Checks next to one another run in one loop; wrappers wrap what follows them.
    """
    if len(steps) == 2 and type(steps[0]) is NegotiateMedia and type(steps[1]) is Call \
            and steps[0].produces == (JSON,):
        return _json_call(steps[1].handler, arguments)
    runner = steps[-1].wrap(None)
    index = len(steps) - 1
    while index > 0:
        start = index
        while start > 0 and steps[start - 1].checks:
            start -= 1
        if start == 0:  # the usual shape: checks first; their loop starts the arguments too
            return _checking_first(tuple(s.check for s in steps[:index]), runner, arguments)
        if start < index:
            runner = _checking(tuple(s.check for s in steps[start:index]), runner)
            index = start
        else:
            index -= 1
            runner = steps[index].wrap(runner)
    return lambda req: runner(req, arguments(req.path_params))


def _checking_first(checks: tuple[Callable[[Request, dict[str, Any]], None], ...], inner: Runner,
                    arguments: Callable[[dict[str, Any]], dict[str, Any]]) -> Callable[[Request], Any]:
    def run(req: Request) -> Any:
        given = arguments(req.path_params)
        for check in checks:
            check(req, given)
        return inner(req, given)

    return run


def _checking(checks: tuple[Callable[[Request, dict[str, Any]], None], ...], inner: Runner) -> Runner:
    if len(checks) == 1:
        (only,) = checks

        def run_one(req: Request, arguments: dict[str, Any]) -> Any:
            only(req, arguments)
            return inner(req, arguments)

        return run_one

    def run(req: Request, arguments: dict[str, Any]) -> Any:
        for check in checks:
            check(req, arguments)
        return inner(req, arguments)

    return run


_JSON_ACCEPTS = frozenset(("*/*", JSON, "application/*"))


def _json_call(handler: Callable[..., Any], arguments: Callable[[dict[str, Any]], dict[str, Any]]) \
        -> Callable[[Request], Any]:
    """``NegotiateMedia(JSON)`` then ``Call``, fused: the steps of most reads (``show``, ``index``).

    PERF: one function instead of three per request; the Accept check is
    inline, and a request's media type is JSON already (``Request.make``).
    """
    offers = (JSON,)

    def run(req: Request) -> Any:
        accept = req.environ.get("HTTP_ACCEPT")
        if accept and accept not in _JSON_ACCEPTS:
            negotiate(accept, offers, req.operation.name)
        return handler(req, **arguments(req.path_params))

    return run


def query_of(req: Request) -> Any:
    """``req.GET``, or a 400 when the query string's escapes are not UTF-8."""
    try:
        return req.GET
    except UnicodeDecodeError:
        raise BadRequest("The query string is not valid UTF-8.") from None
