"""Which host and scheme a request's links may name: RFC 9110 Host syntax, allowed hosts, trusted proxies.

Pure functions and small values, no WSGI. A link built from a ``Host`` header
carries whatever the client wrote, so the header must first be a host::

    >>> parse_host("api.example.com:8774")
    ('api.example.com', 8774)
    >>> parse_host("x/y")
    Traceback (most recent call last):
    ValueError: 'x/y' is not a host[:port]: '/' cannot appear in a host

RFC 9110 section 7.2: ``Host = uri-host [ ":" port ]``, where ``uri-host`` is
RFC 3986's ``host``: an IP literal in brackets, an IPv4 address, or a
``reg-name`` of unreserved characters, percent-escapes and sub-delimiters.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

# RFC 3986: reg-name = *( unreserved / pct-encoded / sub-delims ).
_REG_NAME = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*")
_PORT = re.compile(r"[0-9]*")
#: The schemes a link may carry; anything else a proxy claims is refused.
LINK_SCHEMES = ("http", "https")


def parse_host(value: str) -> tuple[str, int | None]:
    """``host[:port]`` -> ``(host, port or None)``, the host lower-cased; ``ValueError`` saying what is wrong.

    >>> parse_host("[::1]:9311")
    ('[::1]', 9311)
    """
    if not value:
        raise ValueError("the host is empty")
    if value[0] == "[":
        close = value.find("]")
        if close < 0:
            raise ValueError(f"{value!r} is not a host[:port]: the IP literal has no ']'")
        host, rest = value[:close + 1], value[close + 1:]
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            if not re.fullmatch(r"v[0-9A-Fa-f]+\.[A-Za-z0-9\-._~!$&'()*+,;=:]+", host[1:-1]):
                raise ValueError(f"{value!r} is not a host[:port]: {host} is not an IP literal") from None
        if rest and rest[0] != ":":
            raise ValueError(f"{value!r} is not a host[:port]: {rest[0]!r} after the IP literal")
        port_text = rest[1:] if rest else None
    else:
        host, sep, port_text = value.partition(":")
        if not sep:
            port_text = None
        if not host:
            raise ValueError(f"{value!r} is not a host[:port]: the host is empty")
        if not _REG_NAME.fullmatch(host):
            bad = next(c for c in host if not _REG_NAME.fullmatch(c))
            raise ValueError(f"{value!r} is not a host[:port]: {bad!r} cannot appear in a host")
    port = None
    if port_text is not None:
        if not _PORT.fullmatch(port_text):
            raise ValueError(f"{value!r} is not a host[:port]: the port {port_text!r} is not a number")
        if port_text:
            port = int(port_text)
            if port > 65535:
                raise ValueError(f"{value!r} is not a host[:port]: the port {port} is above 65535")
    return host.lower(), port


def check_public_endpoint(url: str) -> str:
    """``url`` if it is an ``http(s)://host[:port][/path]`` URL links can start with, else ``ValueError``.

    >>> check_public_endpoint("https://keymanager.example.com")
    'https://keymanager.example.com'
    """
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ValueError(f"public_endpoint {url!r} is not an http(s)://host[:port][/path] URL such as "
                         "https://api.example.com or https://example.com/compute")
    try:
        parse_host(parts.netloc)
    except ValueError as exc:
        raise ValueError(f"public_endpoint {url!r}: {exc}") from None
    return url


@dataclass(frozen=True)
class AllowedHosts:
    """Host names a request may name; ``*.example.com`` allows any subdomain, ``*`` any host.

    >>> AllowedHosts.of(["api.example.com", "*.internal"]).allows("kms.internal")
    True
    """

    exact: frozenset[str]
    suffixes: tuple[str, ...]
    any: bool

    @classmethod
    def of(cls, names: Iterable[str]) -> AllowedHosts:
        exact, suffixes, any_host = set(), [], False
        for name in names:
            name = name.strip().lower().rstrip(".")
            if not name:
                continue
            if name == "*":
                any_host = True
            elif name.startswith("*."):
                suffixes.append(name[1:])
            else:
                parse_host(name)  # a typo in the configuration is an error at start-up
                exact.add(name)
        return cls(frozenset(exact), tuple(suffixes), any_host or not (exact or suffixes))

    def allows(self, host: str) -> bool:
        if self.any:
            return True
        host = host.rstrip(".")
        return host in self.exact or any(host.endswith(s) for s in self.suffixes)


@dataclass(frozen=True)
class TrustedProxies:
    """The peers whose ``X-Forwarded-*`` and ``Forwarded`` headers are believed: addresses or networks.

    >>> TrustedProxies.of(["10.0.0.0/8", "::1"]).trusts("10.1.2.3")
    True
    """

    networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]

    @classmethod
    def of(cls, specs: Iterable[str]) -> TrustedProxies:
        networks = []
        for spec in specs:
            spec = spec.strip()
            if spec:
                try:
                    networks.append(ipaddress.ip_network(spec, strict=False))
                except ValueError:
                    raise ValueError(f"trusted proxy {spec!r} is not an IP address or network") from None
        return cls(tuple(networks))

    def trusts(self, address: str | None) -> bool:
        if not self.networks or not address:
            return False
        try:
            ip = ipaddress.ip_address(address.strip("[]"))
        except ValueError:
            return False
        return any(ip in network for network in self.networks)


def check_scheme(value: str, header: str) -> str:
    """``value`` lower-cased if it is a scheme a link may carry, else ``ValueError`` naming ``header``."""
    scheme = value.strip().lower()
    if scheme not in LINK_SCHEMES:
        raise ValueError(f"{header} {value!r} is not http or https")
    return scheme


def forwarded_elements(value: str) -> list[dict[str, str]]:
    """RFC 7239 ``Forwarded``: one dict of lower-cased parameter names per hop; ``ValueError`` if malformed.

    >>> forwarded_elements('for=192.0.2.60;proto=https;host="api.example.com", for=198.51.100.17')
    [{'for': '192.0.2.60', 'proto': 'https', 'host': 'api.example.com'}, {'for': '198.51.100.17'}]
    """
    elements = []
    for element in _split(value, ","):
        pairs: dict[str, str] = {}
        for pair in _split(element, ";"):
            name, sep, text = pair.partition("=")
            name = name.strip().lower()
            text = text.strip()
            if not sep or not re.fullmatch(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+", name):
                raise ValueError(f"Forwarded {value!r}: {pair.strip()!r} is not name=value")
            if text.startswith('"'):
                if len(text) < 2 or not text.endswith('"'):
                    raise ValueError(f"Forwarded {value!r}: an unterminated quoted value")
                text = re.sub(r"\\(.)", r"\1", text[1:-1])
            pairs[name] = text
        if pairs:
            elements.append(pairs)
    return elements


def _split(value: str, sep: str) -> list[str]:
    """Split on ``sep`` outside double quotes; empty parts dropped."""
    parts, current, quoted, escaped = [], [], False, False
    for char in value:
        if escaped:
            escaped = False
        elif char == "\\" and quoted:
            escaped = True
        elif char == '"':
            quoted = not quoted
        elif char == sep and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(char)
    parts.append("".join(current))
    return [p for p in parts if p.strip()]
