"""The serving guard: what a request must be before any filter or handler sees it.

``cravat serve`` and :func:`cravat.deploy.wsgi.init_application` put a
:class:`ServingGuard` outermost, in front of the whole paste pipeline. It
turns what a hostile or broken client can send into a fault in the app's own
error style (found from the app, or configured), before a byte of it reaches
a handler:

- a request line without a method (uWSGI passes ``GARBAGE`` on without one);
- header values with bytes that are not visible ASCII (400, not dropped);
- a ``Host`` that is not ``host[:port]`` by RFC 9110, or not an allowed host;
- ``X-Forwarded-*`` and ``Forwarded`` from a peer that is not a trusted proxy
  (removed, so oslo.middleware's http_proxy_to_wsgi cannot believe them), and
  from a trusted one, a scheme other than http or https or a bad host (400);
- framing: the body is read whole, within a deadline (408), before the app
  runs; a body shorter than its Content-Length, a malformed or truncated
  chunked body, both Content-Length and Transfer-Encoding, or one over
  ``max_body_size`` (413) never reaches a handler. The app then sees the body
  as a buffer with an exact Content-Length.

With a ``public_endpoint`` (Barbican's ``host_href``, Nova's
``compute_link_prefix``), links are built from it and from nothing the client
sent: the guard sets the scheme, host and path prefix the app's
``req.url_for`` reads, and drops every forwarded header.

::

    >>> app = ServingGuard(paste_app, GuardOptions(allowed_hosts=("kms.example.com",)))
"""

from __future__ import annotations

import io
import logging
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from cravat.deploy.admission import Admission
from cravat.http.after_answer import ThenClose
from cravat.http.errors import BadRequest, HTTPError, InternalServerError, LengthRequired, RequestEntityTooLarge
from cravat.http.faults import STYLES, FaultRenderer
from cravat.http.framing import bad_value_char
from cravat.http.hosts import (
    AllowedHosts,
    TrustedProxies,
    check_public_endpoint,
    check_scheme,
    forwarded_elements,
    parse_host,
)
from cravat.http.request_id import ENV_REQUEST_ID, new_request_id
from cravat.types import Environ, StartResponse, WSGIApp

LOG = logging.getLogger(__name__)

#: Where the guard records the public endpoint links are built from, when one is configured.
ENV_PUBLIC_ENDPOINT = "cravat.public_endpoint"
#: The Host the client sent, kept when a public endpoint replaced it.
ENV_REQUEST_HOST = "cravat.request_host"

_FORWARDED = ("HTTP_X_FORWARDED_PROTO", "HTTP_X_FORWARDED_HOST", "HTTP_X_FORWARDED_PORT", "HTTP_X_FORWARDED_PREFIX",
              "HTTP_X_FORWARDED_FOR", "HTTP_X_FORWARDED_SCHEME", "HTTP_X_FORWARDED_SSL", "HTTP_FORWARDED")
#: Headers whose meaning an empty value would change silently: on a server that hands an invalid value
#: over as an empty one (granian), an empty value of these is refused as the invalid value it was.
_MEANINGFUL = ("HTTP_HOST", "CONTENT_TYPE", "CONTENT_LENGTH", "HTTP_X_AUTH_TOKEN", "HTTP_AUTHORIZATION",
               "HTTP_X_OPENSTACK_REQUEST_ID", "HTTP_TRANSFER_ENCODING", *_FORWARDED)
_FORWARDED_KEYS = frozenset(_FORWARDED)
#: Environ strings that are not header values (the path is the URL's bytes, checked by the router).
_NOT_HEADERS = frozenset(("PATH_INFO", "SCRIPT_NAME", "QUERY_STRING", "REQUEST_URI", "RAW_URI"))
_HOST_CACHE_LIMIT = 64
_READ_SIZE = 65536
#: :meth:`ServingGuard.body_size` of a request without a body.
NO_BODY = object()


class RequestTimeout(HTTPError):
    status = 408
    default_message = "The request was not received in time."


class NotImplementedByServer(HTTPError):
    status = 501
    default_message = "The request uses a feature this server does not implement."


@dataclass(frozen=True)
class GuardOptions:
    """What the guard enforces; ``cravat serve``'s options fill it in.

    >>> GuardOptions(trusted_proxies=("10.0.0.0/8",), public_endpoint="https://kms.example.com")
    """

    #: Bodies over this many bytes are 413 before they are read.
    max_body_size: int = 1024 * 1024
    #: Seconds from the start of the body read to its last byte; past it the answer is 408.
    body_timeout: float = 30.0
    #: Host names the service answers to (``*.example.com`` for subdomains); empty: any valid host.
    allowed_hosts: tuple[str, ...] = ()
    #: Peers (addresses or networks) whose X-Forwarded-* and Forwarded headers are believed.
    trusted_proxies: tuple[str, ...] = ()
    #: Build links from this URL (``https://kms.example.com/key-manager``), not from the request.
    public_endpoint: str | None = None
    #: The fault style; None: the app's own (its ``error_style``), else nova.
    error_style: str | None = None
    #: Whether the server's wsgi.input reports a truncated or malformed chunked body (granian's does not).
    chunked_input: bool = True
    #: Whether the server hands a header value with invalid bytes over as an empty one (granian does).
    empty_is_invalid: bool = False
    #: The scheme the server itself speaks (``cravat serve``: http). Some servers set ``wsgi.url_scheme``
    #: from X-Forwarded-Proto themselves (uWSGI does); this undoes that for untrusted peers.
    server_scheme: str | None = None
    #: Whether the app may answer ``Connection: close`` (a hop-by-hop header, which PEP 3333 forbids and
    #: wsgiref and mod_wsgi refuse; granian, gunicorn and uWSGI close the connection on it).
    connection_close: bool = False
    #: Answer every request with ``Connection: close``: for a server that closes after each answer without
    #: saying so (uWSGI's http-socket), so a client does not write its next request into a closed connection.
    close_every_connection: bool = False

    def __post_init__(self) -> None:
        if self.max_body_size < 0:
            raise ValueError(f"max_body_size must be >= 0, not {self.max_body_size}")
        if self.body_timeout <= 0:
            raise ValueError(f"body_timeout must be > 0, not {self.body_timeout}")
        if self.error_style is not None and self.error_style not in STYLES:
            raise ValueError(f"error_style {self.error_style!r} is not one of {', '.join(STYLES)}")
        if self.public_endpoint is not None:
            check_public_endpoint(self.public_endpoint)


class BodyReader:
    """Reads a request body whole within a deadline, on the app's thread.

    Each read of ``wsgi.input`` is bounded by the server's own socket timeout
    (uWSGI's ``--socket-timeout``, the dev server's); the deadline is checked
    between reads.
    """

    def read(self, stream: Any, size: int | None, limit: int, deadline: float) -> bytes:
        """``size`` bytes (None: to the end, at most ``limit + 1``), or an :class:`HTTPError`."""
        return _read(stream, size, limit, deadline)


class ServingGuard:
    """WSGI middleware enforcing :class:`GuardOptions` in front of ``app``; see the module."""

    def __init__(self, app: WSGIApp, options: GuardOptions | None = None, *, reader: BodyReader | None = None,
                 admission: Admission | None = None) -> None:
        self.app = app
        self.options = options = options or GuardOptions()
        self.error_style = options.error_style or error_style_of(app) or "nova"
        self._faults = FaultRenderer(self.error_style)
        self._reader = reader or BodyReader()
        self.admission = admission
        self._allowed = AllowedHosts.of(options.allowed_hosts)
        self._proxies = TrustedProxies.of(options.trusted_proxies)
        self._endpoint = _endpoint_parts(options.public_endpoint) if options.public_endpoint else None
        self._good_hosts: dict[str, bool] = {}
        #: Set when the server stops: every answer from then on carries ``Connection: close``.
        self.draining = threading.Event()
        #: The lifecycles the server started with this app, stopped when its worker stops.
        self.lifecycles: list[Any] = []

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        # The request's path through the guard; a server adapter may run these steps apart (granian's does).
        try:
            self.check_head(environ)
            size = self.body_size(environ)
            if size is not NO_BODY:
                deadline = time.monotonic() + self.options.body_timeout
                body = self._reader.read(environ["wsgi.input"], size, self.options.max_body_size, deadline)
                self.use_body(environ, body)
        except HTTPError as error:
            return self.answer_fault(error, environ, start_response)
        return self.call_app(environ, start_response)

    def call_app(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Run the app on a request the guard passed (in an admission slot, if there are slots)."""
        if self.admission is None:
            return self.run_app(environ, start_response)
        with self.admission:
            # The app's answer is consumed inside the slot, so a slot is held for all of the app's work.
            result = self.run_app(environ, start_response)
            close = getattr(result, "close", None)
            try:
                chunks = list(result)
            except BaseException:
                if close is not None:
                    close()
                raise
        if close is None:
            return chunks
        # Its close() (an after-answer hook's work) runs once the answer is sent, in a slot of its own.
        return ThenClose(chunks, lambda: self._close_in_slot(close))

    def _close_in_slot(self, close: Any) -> None:
        assert self.admission is not None
        with self.admission:
            close()

    def run_app(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        """Run the app on a request the guard passed, in the admission slot the caller holds (if any)."""
        if (self.draining.is_set() or self.options.close_every_connection) and self.options.connection_close:
            start_response = _closing(start_response)
        try:
            return self.app(environ, start_response)
        except Exception:
            # A filter's bug (the app renders its own): still a fault in the app's style, not the server's page.
            request_id = environ.get(ENV_REQUEST_ID) or new_request_id()
            LOG.exception("Unexpected error in %s %s, request %s", environ.get("REQUEST_METHOD"),
                          environ.get("PATH_INFO"), request_id)
            status, headers, body = self.fault(InternalServerError(
                "Unexpected error while handling the request; quote request id "
                f"{request_id} when reporting it."), request_id, close=False)
            # With exc_info, start_response re-raises if the app had already started its answer.
            start_response(status, headers, sys.exc_info())
            return [body]

    # --- the head --------------------------------------------------------------

    def check_head(self, environ: Environ, request_part: Environ | None = None) -> None:
        """Refuse (``HTTPError``) a request whose method, header bytes, Host or forwarded headers are bad.

        ``request_part``: the part of the environ the request made, where the server's environ also
        holds the process's own variables (granian's holds all of ``os.environ``); its values are checked.
        """
        method = environ.get("REQUEST_METHOD")
        if method not in _COMMON_METHODS and (not method or not _TOKEN.fullmatch(method)):
            raise BadRequest("The request line has no method: it must be METHOD TARGET HTTP/1.1.")
        if environ.get("SERVER_PROTOCOL", "HTTP/1.1") not in _PROTOCOLS:
            raise BadRequest(f"The request line's protocol {environ['SERVER_PROTOCOL'][:20]!r} is not HTTP/1.1 "
                             "or HTTP/1.0.")
        # PERF: one C pass over every header value at once; the per-header walk runs only when it fails.
        request_part = request_part or environ
        values = [v for k, v in request_part.items() if type(v) is str and k not in _NOT_HEADERS]
        text = "".join(values)
        if not (text.isascii() and text.isprintable()) or self.options.empty_is_invalid and "" in values:
            self._check_header_bytes(environ)
        self._check_host(environ)
        if environ.get("wsgi.url_scheme") not in ("http", "https"):
            environ["wsgi.url_scheme"] = self.options.server_scheme or "http"
        # PERF: a set's isdisjoint walks its argument; the request's part is the short one.
        if not _FORWARDED_KEYS.isdisjoint(request_part):
            self._check_forwarded(environ)

    def _check_header_bytes(self, environ: Environ) -> None:
        for key, value in environ.items():
            if (key[:5] == "HTTP_" or key in ("CONTENT_TYPE", "CONTENT_LENGTH")) and type(value) is str:
                bad = bad_value_char(value)
                if bad is not None:
                    raise BadRequest(f"The value of header {_header_name(key)} has the character "
                                     f"{bad!r} (U+{ord(bad):04X}); header values are visible ASCII.")
                if not value and self.options.empty_is_invalid and (key in _MEANINGFUL or
                                                                    key.endswith("_API_VERSION")):
                    raise BadRequest(f"The value of header {_header_name(key)} is empty or not visible ASCII.")

    def _check_host(self, environ: Environ) -> None:
        host = environ.get("HTTP_HOST")
        if not host:
            if environ.get("SERVER_PROTOCOL", "HTTP/1.1") in ("HTTP/1.0", "HTTP/1"):
                return
            raise BadRequest("An HTTP/1.1 request needs a Host header.")
        # PERF: a service answers to few hosts; each is checked once, then found in a bounded dict.
        if host not in self._good_hosts:
            if "," in host:
                raise BadRequest("The request has more than one Host header.")
            try:
                name, _ = parse_host(host)
            except ValueError as exc:
                raise BadRequest(f"Host header: {exc}.") from None
            if not self._allowed.allows(name):
                raise BadRequest(f"Host {name!r} is not a host this service answers to.")
            if len(self._good_hosts) >= _HOST_CACHE_LIMIT:  # the Host is the client's to choose
                self._good_hosts.clear()
            self._good_hosts[host] = True
        if self._endpoint is not None:
            scheme, netloc, prefix = self._endpoint
            environ[ENV_REQUEST_HOST] = host
            environ[ENV_PUBLIC_ENDPOINT] = self.options.public_endpoint
            environ["wsgi.url_scheme"] = scheme
            environ["HTTP_HOST"] = netloc
            environ["SCRIPT_NAME"] = prefix + environ.get("SCRIPT_NAME", "")

    def _check_forwarded(self, environ: Environ) -> None:
        present = [key for key in _FORWARDED if key in environ]
        if self._endpoint is not None or not self._proxies.trusts(environ.get("REMOTE_ADDR")):
            for key in present:
                del environ[key]
            if self._endpoint is None and self.options.server_scheme is not None:
                environ["wsgi.url_scheme"] = self.options.server_scheme
            return
        proto = environ.get("HTTP_X_FORWARDED_PROTO")
        try:
            if proto is not None:
                for value in proto.split(","):
                    check_scheme(value, "X-Forwarded-Proto")
            forwarded_host = environ.get("HTTP_X_FORWARDED_HOST")
            if forwarded_host is not None:
                for value in forwarded_host.split(","):
                    self._check_forwarded_host(value.strip(), "X-Forwarded-Host")
            forwarded = environ.get("HTTP_FORWARDED")
            if forwarded is not None:
                for element in forwarded_elements(forwarded):
                    if "proto" in element:
                        check_scheme(element["proto"], "Forwarded proto")
                    if "host" in element:
                        self._check_forwarded_host(element["host"], "Forwarded host")
        except ValueError as exc:
            raise BadRequest(f"{exc}.") from None

    def _check_forwarded_host(self, value: str, header: str) -> None:
        try:
            name, _ = parse_host(value)
        except ValueError as exc:
            raise ValueError(f"{header} {value[:100]!r} is not valid: {exc}") from None
        if not self._allowed.allows(name):
            raise ValueError(f"{header} {name!r} is not a host this service answers to")

    # --- the body --------------------------------------------------------------

    def body_size(self, environ: Environ) -> int | None | object:
        """The body's announced size, None for a chunked body, :data:`NO_BODY`; ``HTTPError`` if refused."""
        length = environ.get("CONTENT_LENGTH")
        coding = environ.get("HTTP_TRANSFER_ENCODING")
        if not length and coding is None:
            return NO_BODY
        limit = self.options.max_body_size
        if coding is not None:
            codings = [c.strip().lower() for c in coding.split(",") if c.strip()]
            if length:
                raise BadRequest("The request has both Transfer-Encoding and Content-Length; send one.")
            if not codings or codings[-1] != "chunked":
                raise BadRequest(f"Transfer-Encoding {coding!r} does not end with chunked, so the body has no end.")
            if codings != ["chunked"]:
                raise NotImplementedByServer(f"Transfer-Encoding {coding!r} is not supported; send chunked alone.")
            if not self.options.chunked_input:
                raise LengthRequired("This server cannot tell a truncated chunked body from a whole one; "
                                     "send Content-Length.")
            return None
        if not length.isdigit() or not length.isascii():
            raise BadRequest(f"Content-Length {length[:40]!r} is not a whole number of bytes.")
        size = int(length)
        if size > limit:
            raise RequestEntityTooLarge(f"The request body is {size} bytes; the limit is {limit}.")
        return size if size else NO_BODY

    def read_body(self, stream: Any, size: int | None, deadline: float) -> bytes:
        """The whole body from a server's ``wsgi.input`` (``size`` bytes, or chunked to its end), or ``HTTPError``."""
        return _read(stream, size, self.options.max_body_size, deadline)

    @staticmethod
    def use_body(environ: Environ, body: bytes) -> None:
        """Hand the app the body read whole: a buffer with an exact Content-Length."""
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ["wsgi.input_terminated"] = True
        environ.pop("HTTP_TRANSFER_ENCODING", None)

    # --- faults ----------------------------------------------------------------

    def fault(self, error: HTTPError, request_id: str | None = None, close: bool = True
              ) -> tuple[str, list[tuple[str, str]], bytes]:
        """``error`` in the app's style: status line, headers (``Connection: close`` unless told), body."""
        status, headers, body = self._faults.render(error, request_id or new_request_id())
        if close and self.options.connection_close:
            headers.append(("Connection", "close"))
        return status, headers, body

    def fault_bytes(self, status: int, message: str) -> bytes:
        """A whole HTTP/1.1 response for a fault a server finds before any WSGI call (framing, a timeout)."""
        line, headers, body = self.fault(HTTPError(message, status=status), close=False)
        head = "".join(f"{k}: {v}\r\n" for k, v in headers)
        head += "Connection: close\r\n"  # the server closes after it: the rest of the stream is not read
        return f"HTTP/1.1 {line}\r\n{head}\r\n".encode("latin-1") + body

    def answer_fault(self, error: HTTPError, environ: Environ, start_response: StartResponse,
                      close: bool = True) -> list[bytes]:
        status, headers, body = self.fault(error, environ.get(ENV_REQUEST_ID), close=close)
        start_response(status, headers)
        return [body] if environ.get("REQUEST_METHOD") != "HEAD" else []


def error_style_of(app: Any, depth: int = 32) -> str | None:
    """The error style of the first cravat app (API, URL map) found down a filter chain, or None.

    Filters keep the app they wrap as ``app`` (cravat's), ``application``
    (oslo.middleware's) or ``_app`` (keystonemiddleware's).
    """
    for _ in range(depth):
        if app is None:
            return None
        style = getattr(app, "error_style", None)
        if isinstance(style, str) and style in STYLES:
            return style
        options = getattr(app, "options", None)
        style = getattr(options, "error_style", None)
        if isinstance(style, str) and style in STYLES:
            return style
        app = next((getattr(app, name) for name in ("app", "application", "_app") if hasattr(app, name)), None)
    return None


def _read(stream: Any, size: int | None, limit: int, deadline: float) -> bytes:
    """Read ``size`` bytes (or to the end, ``limit`` at most) from a server's wsgi.input; faults as HTTPError."""
    chunks = []
    got = 0
    want = size if size is not None else limit + 1
    try:
        while got < want:
            if time.monotonic() > deadline:
                raise RequestTimeout(_timeout_message(size))
            chunk = stream.read(min(_READ_SIZE, want - got))
            if not chunk:
                break
            chunks.append(chunk)
            got += len(chunk)
    except HTTPError:
        raise
    except Exception as exc:  # each server has its own: OSError (uWSGI), NoMoreData, InvalidChunkSize (gunicorn)
        text = f"{type(exc).__name__}: {exc}"
        if isinstance(exc, TimeoutError) or "timeout" in text.lower() or "timed out" in text.lower():
            raise RequestTimeout(_timeout_message(size)) from None
        if size is None:
            raise BadRequest(f"The chunked request body is malformed or truncated ({text[:200]}).") from None
        raise BadRequest(f"The request body ended after {got} of the {size} bytes its Content-Length "
                         f"announced ({text[:200]}).") from None
    if size is None:
        if got > limit:
            raise RequestEntityTooLarge(f"The chunked request body is over the limit of {limit} bytes.")
    elif got < size:
        raise BadRequest(f"The request body ended after {got} of the {size} bytes its Content-Length announced.")
    return b"".join(chunks)


def _timeout_message(size: int | None) -> str:
    what = f"the {size}-byte body" if size is not None else "the chunked body"
    return f"The client did not send {what} in time."


def _closing(start_response: StartResponse) -> StartResponse:
    def closing_start_response(status: str, headers: list, exc_info: Any = None) -> Callable:
        headers = [(k, v) for k, v in headers if k.lower() != "connection"]
        headers.append(("Connection", "close"))
        return start_response(status, headers, exc_info)

    return closing_start_response


def _endpoint_parts(url: str) -> tuple[str, str, str]:
    parts = urlsplit(url)
    return parts.scheme, parts.netloc, parts.path.rstrip("/")


def _header_name(key: str) -> str:
    name = key[5:] if key.startswith("HTTP_") else key
    return "-".join(part.capitalize() for part in name.split("_"))


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
# granian names HTTP/1.0 "HTTP/1" and serves HTTP/2 too.
_PROTOCOLS = frozenset(("HTTP/1.1", "HTTP/1.0", "HTTP/1", "HTTP/2"))
_COMMON_METHODS = frozenset(("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"))
