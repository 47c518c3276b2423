"""The request handlers receive: WebOb's view over the environ, plus what routing found."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import quote

from webob.request import BaseRequest

from cravat.http.after_answer import add_hook
from cravat.types import OperationInfo, URLs


def wsgi_text(value: str) -> str:
    """A WSGI environ string as the text the client sent: PEP 3333 hands the URL's bytes over as
    latin-1, and they are UTF-8. Raises ``UnicodeError`` when they are not; callers decide what that means.

    >>> wsgi_text("caf\xc3\xa9")
    'café'
    """
    return value.encode("latin-1").decode("utf-8")


_new = object.__new__

# What WebOb leaves unquoted in a path (webob.request.PATH_SAFE).
_PATH_SAFE = "/~!$&'()*+,;=:@"

#: Where the context filter leaves the request context (user, project, roles, request ids).
ENV_CONTEXT = "cravat.context"


class Site:
    """What every request of one API shares for building links: its URL builder and public endpoint.

    ``public_endpoint`` (``https://keymanager.example.com``), when set,
    replaces the scheme and host the client sent, as Barbican's ``host_href``
    and Nova's ``compute_link_prefix`` do; the request's ``SCRIPT_NAME`` (the
    URL map's mount point) still follows it.
    """

    __slots__ = ("urls", "public_endpoint")

    def __init__(self, urls: URLs, public_endpoint: str | None = None) -> None:
        self.urls = urls
        self.public_endpoint = public_endpoint.rstrip("/") if public_endpoint else None


class Request(BaseRequest):
    """A WebOb request (``req.headers``, ``req.GET``, ``req.host_url``, ...) with cravat's additions.

    - ``path_params``: the path parameters, ``{"server_id": "42"}``;
    - ``request_id``: the id every response carries in ``x-openstack-request-id``;
    - ``operation``: the implementation being run (its name, template, success status);
    - ``url_for(name, **params)``: an absolute URL for another operation;
    - ``context``: the request context the pipeline's context filter built, or None;
    - ``version``: the negotiated microversion (``req.version >= "2.40"``), None in an unversioned API;
    - ``media_type``: the media type the answer will have, chosen from ``Accept`` among what the
      operation produces;
    - ``authorize(target)``: the operation's policy rule checked by the handler, against what it
      loaded (``@cravat.rule(name, in_handler=True)``);
    - ``after_answer(hook)``: ``hook()`` runs on this thread once the answer is sent
      (:mod:`cravat.http.after_answer`).
    """

    def __init__(self, environ: dict[str, Any], *, path_params: dict[str, Any], request_id: str,
                 site: Site, version: Any = None, url_defaults: dict[str, Any] | None = None,
                 operation: OperationInfo | None = None) -> None:
        # PERF: BaseRequest.__init__ only re-checks arguments cravat already
        # controls; setting the slots directly halves the cost of a request.
        d = self.__dict__
        d["environ"] = environ
        d["path_params"] = path_params
        d["request_id"] = request_id
        d["operation"] = operation
        d["_site"] = site
        d["version"] = version
        d["media_type"] = None
        # The app's own path parameters: a URL map's groups are already in SCRIPT_NAME.
        d["_url_defaults"] = path_params if url_defaults is None else url_defaults

    @classmethod
    def make(cls, environ: dict[str, Any], params: dict[str, Any], request_id: str, site: Site, version: Any,
             operation: OperationInfo) -> Request:
        """What the dispatcher builds per request, from the route's ``params``.

        Named groups a URL map matched in front of this app (``?P<region>...``,
        in ``wsgiorg.routing_args``) join the path parameters, but not the
        defaults of ``url_for``: they are in ``SCRIPT_NAME`` already.
        PERF: no keyword call, no ``__init__``: half the cost of a request object.
        """
        req = _new(cls)
        d = req.__dict__
        d["environ"] = environ
        routing = environ.get("wsgiorg.routing_args")
        d["path_params"] = {**routing[1], **params} if routing and routing[1] else params
        d["request_id"] = request_id
        d["operation"] = operation
        d["_site"] = site
        d["version"] = version
        d["media_type"] = "application/json"  # until an operation producing more negotiates another
        d["_url_defaults"] = params
        return req

    def url_for(self, name: str, **params: Any) -> str:
        """The absolute URL of operation ``name`` as seen by this request's client.

        It honours the API's public endpoint, else the request's scheme and
        host, then SCRIPT_NAME; path parameters not given are taken from this
        request's own (so a project id prefix carries over).

        >>> req.url_for("servers:show", id="42")
        'http://127.0.0.1:8774/v2.1/servers/42'
        """
        site = self._site
        if site.public_endpoint is None:
            base = self.application_url
        else:
            base = site.public_endpoint + quote(self.environ.get("SCRIPT_NAME", "").encode("latin-1"), _PATH_SAFE)
        return base + site.urls.path_for(name, params, self._url_defaults)

    def authorize(self, target: Any, *, rule: str | None = None) -> None:
        """Check the operation's policy rule against ``target``, what the handler loaded: 403 on a denial.

        For operations declared ``@cravat.rule(name, in_handler=True)``; the
        target's nested mappings become oslo's dotted keys:

        >>> req.authorize({"target": {"secret": {"project_id": secret.project_id,
        ...                                      "creator_id": secret.creator_id}}})

        ``rule`` checks another registered rule instead (one the answer
        depends on: ``secret:decrypt`` when a payload is asked for).
        """
        check = self.__dict__.get("_authorize")
        if check is None:
            operation = self.operation.name if self.operation is not None else "this request"
            raise RuntimeError(f"req.authorize() in {operation}, whose policy rule is not declared "
                               "@cravat.rule(..., in_handler=True)")
        check(self, target, rule)
        self.__dict__["authorized"] = True

    def after_answer(self, hook: Callable[[], object]) -> None:
        """Run ``hook()`` once the answer has been sent (the server closes it): work the client need not wait for."""
        add_hook(self.environ, hook)

    @property
    def context(self) -> Any:
        """The request context built by the pipeline's context filter (None without one)."""
        return self.environ.get(ENV_CONTEXT)
