"""The request handlers receive: WebOb's view over the environ, plus what routing found."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from webob.request import BaseRequest

if TYPE_CHECKING:
    from cravat.api.operation import Operation
    from cravat.routing.urls import URLBuilder
    from cravat.versions.microversion import APIVersion


def wsgi_text(value: str) -> str:
    """A WSGI environ string as the text the client sent: PEP 3333 hands the URL's bytes over as
    latin-1, and they are UTF-8. Raises ``UnicodeError`` when they are not; callers decide what that means.

    >>> wsgi_text("caf\xc3\xa9")
    'café'
    """
    return value.encode("latin-1").decode("utf-8")


#: Where the context filter leaves the request context (user, project, roles, request ids).
ENV_CONTEXT = "cravat.context"


class Request(BaseRequest):
    """A WebOb request (``req.headers``, ``req.GET``, ``req.host_url``, ...) with cravat's additions.

    - ``path_params``: the path parameters, ``{"server_id": "42"}``;
    - ``request_id``: the id every response carries in ``x-openstack-request-id``;
    - ``operation``: the operation being run (its name, template, success status);
    - ``url_for(name, **params)``: an absolute URL for another operation;
    - ``context``: the request context the pipeline's context filter built, or None;
    - ``version``: the negotiated microversion (``req.version >= "2.40"``), None in an unversioned API.
    """

    def __init__(self, environ: dict[str, Any], *, path_params: dict[str, str], request_id: str,
                 operation: Operation, urls: URLBuilder, version: APIVersion | None = None,
                 url_defaults: dict[str, str] | None = None) -> None:
        # PERF: BaseRequest.__init__ only re-checks arguments cravat already
        # controls; setting the slots directly halves the cost of a request.
        d = self.__dict__
        d["environ"] = environ
        d["path_params"] = path_params
        d["request_id"] = request_id
        d["operation"] = operation
        d["_urls"] = urls
        d["version"] = version
        # The app's own path parameters: a URL map's groups are already in SCRIPT_NAME.
        d["_url_defaults"] = path_params if url_defaults is None else url_defaults

    def url_for(self, name: str, **params: Any) -> str:
        """The absolute URL of operation ``name`` as seen by this request's client.

        It honours the request's scheme, host and SCRIPT_NAME; path parameters
        not given are taken from this request's own (so a project id prefix
        carries over).

        >>> req.url_for("servers:show", id="42")
        'http://127.0.0.1:8774/v2.1/servers/42'
        """
        return self.application_url + self._urls.path_for(name, params, self._url_defaults)

    @property
    def context(self) -> Any:
        """The request context built by the pipeline's context filter (None without one)."""
        return self.environ.get(ENV_CONTEXT)
