"""The URL map: which application a request goes to, by host, path prefix or pattern, and verb.

A drop-in replacement for ``egg:Paste#urlmap`` in a paste file::

    [composite:main]
    use = egg:cravat#urlmap
    / = versions
    /v1 = api_v1
    /v1/secrets mount /v1 methods GET = api_v1_debugged
    ~^/v(?P<version>[0-9]+)/(?P<project_id>[0-9a-f]{32}) = api_by_project
    domain admin.example.com /v1 = admin_api
    domain *.example.com port 8443 /v1 = regional_api

A key is whitespace-separated words, in any order: at most one path, and
optionally a host, a port, a list of methods and a mount point
(docs/deploy.md has the full description).

- ``/prefix``: a path prefix, as paste.urlmap: it matches the path itself and
  anything under it at a ``/`` boundary (``/v1`` matches ``/v1`` and
  ``/v1/servers``, not ``/v10``). Repeated and trailing slashes are ignored;
  ``/`` matches every path.
- ``~PATTERN``: a regular expression matched at the start of the path and
  ending at a ``/`` boundary (the map adds that, so write no trailing ``/``).
  Named groups go into ``environ["wsgiorg.routing_args"][1]``. The key cannot
  hold a space (write ``\\x20``), ``:`` or ``=`` (INI syntax ends a key there,
  so ``(?:...)`` and lookarounds cannot be written; use plain groups).
- ``domain HOST``: the host, exactly (``example.com``), any subdomain
  (``*.example.com``: ``a.example.com``, ``a.b.example.com``, not
  ``example.com``), or a regular expression the whole host name must match
  (``~(?P<region>[a-z]+)\\.example\\.com``). Case is ignored. Without a path,
  the key means ``/`` on that host.
- ``port N``: the port the request was made to (the ``Host`` header's, else
  the server's, else the scheme's default).
- ``methods GET,POST``: only these verbs; GET allows HEAD. A location whose
  every entry lists methods answers OPTIONS itself and other verbs with 405
  and ``Allow``. One unrestricted entry at the same location takes the rest.
- ``mount /prefix``: move only this leading part of a ``/prefix`` path to
  ``SCRIPT_NAME``. ``/v2.1/servers mount /v2.1 = compute_debug`` puts a filter
  in front of one controller of the API mounted at ``/v2.1``, which still sees
  ``/servers/...`` in ``PATH_INFO``.

Precedence, stated once. The host decides first: an exact host, then a
``*.`` wildcard (longest first), then a host pattern (in file order), then
keys with a port and no host, then keys with neither; at each host a key with
a port comes before one without. Among the entries of the first host that has a path match, the
longest match wins (the most path consumed); at equal length a prefix beats a
pattern, and an earlier pattern beats a later one. The location that wins
answers: its verbs do not fall through to a less specific entry.

The part of the path matched moves from ``PATH_INFO`` to ``SCRIPT_NAME``, as
paste.urlmap does. No match is a 404 and a refused verb a 405, both JSON in
the map's ``error_style`` (as an API's faults), never a page listing the mounts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from cravat.http.errors import HTTPError, MethodNotAllowed, NotFound
from cravat.http.faults import REQUEST_ID_HEADER, STYLES, FaultRenderer
from cravat.http.request import wsgi_text
from cravat.http.request_id import ENV_REQUEST_ID, new_request_id
from cravat.routing.router import allowed_methods
from cravat.types import Environ, StartResponse, WSGIApp

#: Where named groups of a pattern go: ``(positional args, named args)`` (the wsgiorg convention).
ROUTING_ARGS = "wsgiorg.routing_args"

_METHOD_RE = re.compile(r"[A-Z][A-Z0-9_-]*")
_SLASHES = re.compile("//+")


class URLMapError(ValueError):
    """A URL map key or option that cannot be used; the message names it."""


@dataclass(frozen=True)
class MapKey:
    """One parsed key: where it matches (host, port, path) and which verbs it takes.

    >>> parse_key("domain *.example.com /v1 methods GET,POST")
    MapKey(text='domain *.example.com /v1 methods GET,POST', host='*.example.com', port=None,
           path='/v1', methods=('GET', 'POST'))
    """

    text: str
    host: str | None        # "example.com", "*.example.com", "~pattern", or None for any host
    port: int | None
    path: str               # "/prefix" normalized ("" is the root), or "~pattern"
    methods: tuple[str, ...] | None
    mount: str | None = None  # the part of the path that moves to SCRIPT_NAME, when not the whole match

    @property
    def location(self) -> tuple[str | None, int | None, str]:
        """What two keys must differ in, unless their methods do not overlap."""
        return self.host, self.port, self.path


def parse_key(text: str) -> MapKey:
    """Parse one URL map key; raises :class:`URLMapError` naming the key and what is wrong with it."""
    words = text.split()
    path = None
    given: dict[str, str] = {}
    i = 0
    while i < len(words):
        word = words[i]
        if word[0] in "/~":
            if path is not None:
                raise URLMapError(f"URL map key {text!r}: more than one path ({path!r} and {word!r})")
            path = word
            i += 1
            continue
        if word not in _WORDS:
            raise URLMapError(f"URL map key {text!r}: {word!r} is not a path ('/prefix' or '~pattern') nor one "
                              "of 'domain HOST', 'port N', 'methods GET,POST', 'mount /prefix'")
        if word in given:
            raise URLMapError(f"URL map key {text!r}: {word!r} is given twice")
        if i + 1 == len(words):
            raise URLMapError(f"URL map key {text!r}: {word!r} must be followed by a value")
        value = words[i + 1]
        i += 2
        # "methods GET, POST" arrives as several words; a trailing comma continues the list.
        while word == "methods" and value.endswith(",") and i < len(words):
            value += words[i]
            i += 1
        given[word] = value
    host = _parse_host(text, given["domain"]) if "domain" in given else None
    port = _parse_port(text, given["port"]) if "port" in given else None
    methods = _parse_methods(text, given["methods"]) if "methods" in given else None
    if path is None:
        if host is None and port is None:
            raise URLMapError(f"URL map key {text!r} has no path ('/prefix' or '~pattern')")
        path = "/"
    if path[0] == "/":
        path = _SLASHES.sub("/", path).rstrip("/")
    else:
        _check_pattern(text, path[1:], "path")
    mount = _parse_mount(text, given["mount"], path) if "mount" in given else None
    return MapKey(text, host, port, path, methods, mount)


_WORDS = ("domain", "port", "methods", "mount")


def _parse_port(text: str, value: str) -> int:
    if not value.isdigit() or not 0 < int(value) < 65536:
        raise URLMapError(f"URL map key {text!r}: port {value!r} is not a number from 1 to 65535")
    return int(value)


def _parse_mount(text: str, value: str, path: str) -> str:
    if path.startswith("~"):
        raise URLMapError(f"URL map key {text!r}: 'mount' needs a '/prefix' path; a pattern moves what it "
                          "matches to SCRIPT_NAME")
    if not value.startswith("/"):
        raise URLMapError(f"URL map key {text!r}: mount {value!r} is not a path prefix ('/v1')")
    mount = _SLASHES.sub("/", value).rstrip("/")
    if not (path == mount or path.startswith(mount + "/")):
        raise URLMapError(f"URL map key {text!r}: mount {value!r} is not a prefix of the path {path or '/'!r}")
    return mount


def _parse_host(text: str, value: str) -> str:
    if value.startswith("~"):
        _check_pattern(text, value[1:], "host")
        return value
    host = value.lower()
    name = host[2:] if host.startswith("*.") else host
    if not name or not re.fullmatch(r"[a-z0-9_-]+(\.[a-z0-9_-]+)*\.?|\[[0-9a-f:.]+\]", name):
        raise URLMapError(f"URL map key {text!r}: {value!r} is not a host name, '*.' and a domain, or "
                          "'~' and a pattern")
    return host


def _parse_methods(text: str, value: str) -> tuple[str, ...]:
    names = [m.strip() for m in value.split(",")]
    for name in names:
        if not _METHOD_RE.fullmatch(name):
            raise URLMapError(f"URL map key {text!r}: {name!r} in 'methods {value}' is not an HTTP method "
                              "(upper case, comma-separated: 'methods GET,POST')")
    if len(set(names)) != len(names):
        raise URLMapError(f"URL map key {text!r}: 'methods {value}' names a method twice")
    return tuple(names)


def _check_pattern(text: str, pattern: str, where: str) -> None:
    try:
        re.compile(pattern)
    except re.error as exc:
        hint = ""
        if text.rstrip().endswith(("(?", "(?<", "(?P")):
            hint = ("; an INI key ends at the first ':' or '=', so '(?:...)', '(?=...)' and '(?<=...)' cannot be "
                    "written in a URL map key: use plain groups")
        raise URLMapError(f"URL map key {text!r}: bad {where} pattern {pattern!r}: {exc}{hint}") from None
    if where == "path" and pattern.endswith("/") and not pattern.endswith("\\/"):
        raise URLMapError(f"URL map key {text!r}: the path pattern ends with '/'; drop it, the map matches "
                          "up to a '/' boundary itself")


class _Location:
    """One place in the map (host, port, path) and the application for each verb there."""

    __slots__ = ("keys", "prefix", "match", "groups", "by_method", "any_target", "allow")

    def __init__(self, key: MapKey) -> None:
        self.keys: list[MapKey] = []
        self.prefix: str | None = key.path if not key.path.startswith("~") else None
        # The pattern must end where a segment does, so PATH_INFO is left empty or starting with '/'.
        # \Z, not $: '$' also matches before a final newline, which a path may hold (%0A).
        self.match = re.compile(f"(?:{key.path[1:]})(?=/|\\Z)").match if self.prefix is None else None
        self.groups = bool(self.match) and bool(re.compile(key.path[1:]).groupindex)
        # A target is the app and how much of the path moves to SCRIPT_NAME (None: all that matched).
        self.by_method: dict[str, tuple[WSGIApp, int | None]] = {}
        self.any_target: tuple[WSGIApp, int | None] | None = None
        self.allow = ""

    def add(self, key: MapKey, app: WSGIApp) -> None:
        for other in self.keys:
            if other.methods is None and key.methods is None or (
                    other.methods and key.methods and set(other.methods) & set(key.methods)):
                raise URLMapError(f"URL map keys {other.text!r} and {key.text!r} name the same location "
                                  "and verbs; give them different paths, hosts or methods")
        self.keys.append(key)
        target = (app, len(key.mount) if key.mount is not None else None)
        if key.methods is None:
            self.any_target = target
        else:
            for method in key.methods:
                self.by_method[method] = target
            if "GET" in self.by_method and "HEAD" not in self.by_method:
                self.by_method["HEAD"] = self.by_method["GET"]
            self.allow = ", ".join(allowed_methods(self.by_method))


class _Site:
    """The locations under one host: prefixes by dict, patterns in file order."""

    __slots__ = ("prefixes", "patterns")

    def __init__(self) -> None:
        self.prefixes: dict[str, _Location] = {}
        self.patterns: list[_Location] = []

    def location(self, key: MapKey) -> _Location:
        existing = self.prefixes.get(key.path) if not key.path.startswith("~") else next(
            (loc for loc in self.patterns if loc.keys[0].path == key.path), None)
        if existing is None:
            existing = _Location(key)
            if existing.prefix is not None:
                self.prefixes[key.path] = existing
            else:
                self.patterns.append(existing)
        return existing

    def find(self, path: str) -> tuple[_Location, int, Any] | None:
        """The best location for ``path``, how much of it matched, and the pattern's match (or None)."""
        # PERF: the longest prefix by one dict lookup per '/' in the path, whatever the number of entries.
        prefix = path
        found = self.prefixes.get(prefix)
        while found is None:
            cut = prefix.rfind("/")
            if cut < 0:
                break
            prefix = prefix[:cut]
            found = self.prefixes.get(prefix)
        best = (found, len(prefix), None) if found is not None else None
        for location in self.patterns:
            m = location.match(path)  # type: ignore[misc]
            if m is not None and (best is None or m.end() > best[1]):
                best = (location, m.end(), m)
        return best


class URLMap:
    """A WSGI application sending each request to the application its host, path and verb select.

    >>> URLMap([("/", versions), ("/v1", api), ("~^/v(?P<version>[0-9]+)", by_version)])

    ``entries`` are ``(key, app)`` pairs in the order written (pattern order
    matters only between patterns of equal match length). See the module for
    the key syntax and precedence.
    """

    def __init__(self, entries: Iterable[tuple[str | MapKey, WSGIApp]], *, error_style: str = "nova",
                 not_found_app: WSGIApp | None = None) -> None:
        if error_style not in STYLES:
            raise URLMapError(f"URL map error_style {error_style!r} is not one of {', '.join(STYLES)}")
        self._faults = FaultRenderer(error_style)
        self.error_style = error_style
        self._not_found_app = not_found_app
        self._any_host: _Site | None = None
        self._exact: dict[tuple[str, int | None], _Site] = {}
        self._wildcards: dict[tuple[str, int | None], _Site] = {}
        self._host_patterns: list[tuple[Any, int | None, _Site]] = []
        self._port_only: dict[int, _Site] = {}
        self.keys: list[MapKey] = []
        for key, app in entries:
            key = key if isinstance(key, MapKey) else parse_key(key)
            self._site(key).location(key).add(key, app)
            self.keys.append(key)
        # PERF: with no host or port in any key, a request skips reading the host at all.
        self._host_free = not (self._exact or self._wildcards or self._host_patterns or self._port_only)

    def _site(self, key: MapKey) -> _Site:
        if key.host is None:
            if key.port is not None:
                return self._port_only.setdefault(key.port, _Site())
            if self._any_host is None:
                self._any_host = _Site()
            return self._any_host
        if key.host[0] == "~":
            if key.path.startswith("~") and set(re.compile(key.path[1:]).groupindex) & set(
                    re.compile(key.host[1:]).groupindex):
                raise URLMapError(f"URL map key {key.text!r}: the host and path patterns share a group name")
            for pattern, port, site in self._host_patterns:
                if pattern.pattern == key.host[1:] and port == key.port:
                    return site
            site = _Site()
            self._host_patterns.append((re.compile(key.host[1:]), key.port, site))
            return site
        if key.host.startswith("*."):
            return self._wildcards.setdefault((key.host[1:], key.port), _Site())
        return self._exact.setdefault((key.host, key.port), _Site())

    def __call__(self, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if "//" in path:
            path = _SLASHES.sub("/", path)
        if self._host_free:
            found = self._any_host.find(path) if self._any_host is not None else None
            host_match = None
        else:
            found, host_match = self._find_with_host(environ, path)
        if found is None:
            if self._not_found_app is not None:
                return self._not_found_app(environ, start_response)
            return self._error(NotFound(f"No API is mounted at {environ.get('SCRIPT_NAME', '')}{path}."),
                               environ, start_response)
        location, end, match = found
        method = environ["REQUEST_METHOD"]
        target = location.by_method.get(method) or location.any_target
        if target is None:
            if method == "OPTIONS":
                request_id = environ.get(ENV_REQUEST_ID) or new_request_id()
                start_response("200 OK", [("Allow", location.allow), ("Content-Length", "0"),
                                          (REQUEST_ID_HEADER, request_id)])
                return []
            return self._error(MethodNotAllowed(f"The method {method} is not allowed for {path}; allowed: "
                                                f"{location.allow}.", allow=location.allow),
                               environ, start_response)
        if match is not None and location.groups or host_match is not None:
            _add_routing_args(environ, host_match, match)
        app, mount = target
        if mount is not None:
            end = mount
        environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + path[:end]
        environ["PATH_INFO"] = path[end:]
        return app(environ, start_response)

    def _find_with_host(self, environ: Environ, path: str) -> tuple[tuple[_Location, int, Any] | None, Any]:
        host, port = _host_and_port(environ)
        for site, host_match in self._sites_for(host, port):
            found = site.find(path)
            if found is not None:
                return found, host_match
        return None, None

    def _sites_for(self, host: str, port: int) -> Iterable[tuple[_Site, Any]]:
        """The sites whose host part matches, most specific first (the order the module states)."""
        for key in ((host, port), (host, None)):
            site = self._exact.get(key)
            if site is not None:
                yield site, None
        if self._wildcards:
            dot = host.find(".")
            while dot >= 0:
                for key in ((host[dot:], port), (host[dot:], None)):
                    site = self._wildcards.get(key)
                    if site is not None:
                        yield site, None
                dot = host.find(".", dot + 1)
        for with_port in (True, False):
            for pattern, want, site in self._host_patterns:
                if (want is not None) == with_port and (want is None or want == port):
                    m = pattern.fullmatch(host)
                    if m is not None:
                        yield site, m
        site = self._port_only.get(port)
        if site is not None:
            yield site, None
        if self._any_host is not None:
            yield self._any_host, None

    def _error(self, error: HTTPError, environ: Environ, start_response: StartResponse) -> Iterable[bytes]:
        request_id = environ.get(ENV_REQUEST_ID) or new_request_id()
        status, headers, payload = self._faults.render(error, request_id)
        start_response(status, headers)
        return [payload] if environ["REQUEST_METHOD"] != "HEAD" else []


def _host_and_port(environ: Environ) -> tuple[str, int]:
    """The request's host name (lower case, no port) and port, as the client addressed it."""
    host = environ.get("HTTP_HOST")
    if host is None:
        return environ.get("SERVER_NAME", "").lower(), _port(environ.get("SERVER_PORT"), environ)
    host = host.lower()
    # "[::1]:8080": the port follows the bracket, not the last colon inside it.
    colon = host.rfind(":")
    if colon > host.rfind("]"):
        return host[:colon], _port(host[colon + 1:], environ)
    return host, _port(None, environ)


def _port(value: str | None, environ: Environ) -> int:
    if value and value.isdigit():
        return int(value)
    return 443 if environ.get("wsgi.url_scheme") == "https" else 80


def _add_routing_args(environ: Environ, *matches: Any) -> None:
    named: dict[str, str] = {}
    for m in matches:
        if m is not None:
            named.update({k: _text(v) for k, v in m.groupdict().items() if v is not None})
    args, kwargs = environ.get(ROUTING_ARGS, ((), {}))
    environ[ROUTING_ARGS] = (args, {**kwargs, **named})


def _text(value: str) -> str:
    """A matched group as text; bytes that are not UTF-8 stay as the server gave them."""
    try:
        return wsgi_text(value)
    except UnicodeError:
        return value


def urlmap_factory(loader: Any, global_conf: dict[str, str], **local_conf: str) -> URLMap:
    """``use = egg:cravat#urlmap``: a URL map from a ``[composite:...]`` section, each value an app's name.

    ``error_style`` (nova, barbican, problem) shapes the 404 and 405 bodies;
    ``not_found_app`` names an application to answer unmatched requests instead.
    """
    error_style = local_conf.pop("error_style", "nova")
    not_found_name = local_conf.pop("not_found_app", None) or global_conf.get("not_found_app")
    keys = [(parse_key(text), text, name) for text, name in local_conf.items()]
    entries = []
    for key, text, name in keys:
        if not name.strip():
            raise URLMapError(f"URL map key {text!r} names no application")
        entries.append((key, _load(loader, name.strip(), global_conf, f"URL map key {text!r}")))
    not_found_app = None
    if not_found_name:
        not_found_app = _load(loader, not_found_name, global_conf, "URL map option not_found_app")
    return URLMap(entries, error_style=error_style, not_found_app=not_found_app)


def _load(loader: Any, name: str, global_conf: dict[str, str], what: str) -> WSGIApp:
    from cravat.deploy.pasteload import PasteLoadError

    try:
        return loader.get_app(name, global_conf=global_conf)
    except PasteLoadError:
        raise  # it already names the section that failed
    except LookupError as exc:
        raise URLMapError(f"{what} = {name}: {' '.join(str(exc).split())}") from exc
