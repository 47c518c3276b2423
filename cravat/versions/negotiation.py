"""Microversion negotiation: the request's version from its headers, and the headers of the answer.

The request names its version in ``OpenStack-API-Version: <service type> X.Y``
(or ``latest``), or in an API's legacy header (``X-OpenStack-Nova-API-Version:
X.Y``). No header means the API's default (its minimum unless configured).
Every answer, faults included, says which version it speaks and ``Vary`` on
the headers that chose it.
"""

from __future__ import annotations

from dataclasses import dataclass

import microversion_parse

from cravat.http.errors import BadRequest, HTTPError, NotAcceptable
from cravat.types import Environ
from cravat.versions.microversion import APIVersion

STANDARD_HEADER = "OpenStack-API-Version"
_CACHE_LIMIT = 1024


@dataclass(frozen=True, slots=True)
class Microversions:
    """An API's microversion settings.

    >>> Microversions("compute", "2.1", "2.90", legacy_header="X-OpenStack-Nova-API-Version")
    """

    service_type: str
    min_version: str
    max_version: str
    #: A header older clients send instead of OpenStack-API-Version, if any.
    legacy_header: str | None = None
    #: The version of a request that names none; the minimum unless set.
    default_version: str | None = None
    #: Status for a request whose version no implementation of its operation covers:
    #: 404 as Nova answers, or 406.
    unavailable_status: int = 404

    def __post_init__(self) -> None:
        low, high = APIVersion.parse(self.min_version), APIVersion.parse(self.max_version)
        if high < low:
            raise ValueError(f"microversions of {self.service_type!r}: max {high} is below min {low}")
        if self.default_version is not None and not low <= APIVersion.parse(self.default_version) <= high:
            raise ValueError(f"microversions of {self.service_type!r}: default {self.default_version} is outside "
                             f"{low}-{high}")
        if self.unavailable_status not in (404, 406):
            raise ValueError(f"unavailable_status must be 404 or 406, not {self.unavailable_status}")


class Negotiator:
    """Reads a request's microversion; compiled once per API.

    >>> Negotiator(Microversions("compute", "2.1", "2.90")).negotiate(
    ...     {"HTTP_OPENSTACK_API_VERSION": "compute 2.40"})
    APIVersion(2, 40)
    """

    def __init__(self, settings: Microversions) -> None:
        self.settings = settings
        self.service_type = settings.service_type.lower()
        self.min = APIVersion.parse(settings.min_version)
        self.max = APIVersion.parse(settings.max_version)
        self.default = APIVersion.parse(settings.default_version or settings.min_version)
        self._legacy = settings.legacy_header
        self._legacy_key = "HTTP_" + self._legacy.upper().replace("-", "_") if self._legacy else None
        self._vary = STANDARD_HEADER + (f", {self._legacy}" if self._legacy else "")
        # PERF: clients send a handful of distinct header values; each is parsed
        # once. The cache is bounded because header values are the client's to choose.
        self._cache: dict[tuple[str | None, str | None], APIVersion | tuple[int, str]] = {}
        #: Every version of the range, when it can be listed (one major version); else None.
        self.versions = enumerate_versions(self.min, self.max)
        # Built once: answers only ever read these tuples.
        # PERF: by minor number, not by version: a version hashes as its string, in Python.
        self._min_minor = self.min.minor
        self._headers = tuple(self._headers_of(v) for v in self.versions or ())
        if self.versions is not None:  # the same objects the tables are built from, so identity finds them
            self.default = self.versions[self.default.minor - self._min_minor]
            self.min, self.max = self.versions[0], self.versions[-1]

    def negotiate(self, environ: Environ) -> APIVersion:
        """The request's version, or a 400 (malformed header) or 406 (out of range) saying why."""
        # An empty header is no header, as Nova and microversion-parse take it.
        standard = environ.get("HTTP_OPENSTACK_API_VERSION") or None
        legacy = (environ.get(self._legacy_key) or None) if self._legacy_key else None
        if standard is None and legacy is None:
            return self.default
        key = (standard, legacy)
        found = self._cache.get(key)
        if found is None:
            try:
                found = self._parse(standard, legacy)
            except HTTPError as error:
                found = (error.status, error.message)
            if len(self._cache) >= _CACHE_LIMIT:
                self._cache.clear()
            self._cache[key] = found
        if type(found) is tuple:  # a refusal remembered as (status, message); an APIVersion is a subclass
            raise HTTPError(found[1], status=found[0])
        return found  # type: ignore[return-value]

    def lenient(self, environ: Environ) -> APIVersion | None:
        """The request's version for an operation that does not negotiate (a discovery document):
        the version asked for when it is valid and in range, else None. Never an error."""
        try:
            return self.negotiate(environ)
        except HTTPError:
            return None

    def headers(self, version: APIVersion) -> tuple[tuple[str, str], ...]:
        """The version headers of an answer in ``version``: the standard one, the legacy one, Vary."""
        if self._headers and version[0] == self.min[0]:
            return self._headers[version[1] - self._min_minor]
        return self._headers_of(version)

    def _headers_of(self, version: APIVersion) -> tuple[tuple[str, str], ...]:
        headers = [(STANDARD_HEADER, f"{self.settings.service_type} {version}")]
        if self._legacy:
            headers.append((self._legacy, str(version)))
        headers.append(("Vary", self._vary))
        return tuple(headers)

    def _parse(self, standard: str | None, legacy: str | None) -> APIVersion:
        if standard is not None:
            ours = _entries(standard, self.service_type)
            if len(ours) > 1:
                raise BadRequest(f"{STANDARD_HEADER} {standard!r} names {len(ours)} versions for "
                                 f"{self.service_type!r}; send one.")
            if not ours and legacy is None:
                raise BadRequest(f"{STANDARD_HEADER} {standard!r} names no version for service type "
                                 f"{self.service_type!r}; send '{self.service_type} X.Y' or "
                                 f"'{self.service_type} latest'.")
        elif legacy is not None and "," in legacy:
            raise BadRequest(f"{self._legacy} {legacy!r} names more than one version; send one.")
        headers = {STANDARD_HEADER: standard or "", self._legacy or "": legacy or ""}
        text = microversion_parse.get_version(headers, self.service_type,
                                              legacy_headers=[self._legacy] if self._legacy else None)
        header = STANDARD_HEADER if standard is not None and text is not None else self._legacy
        if not text:
            raise BadRequest(f"{header} names no version; send 'X.Y' or 'latest'.")
        if text == "latest":
            return self.max
        try:
            version = APIVersion.parse(text)
        except ValueError:
            raise BadRequest(f"{header} version {text!r} is malformed; send 'X.Y' or 'latest'.") from None
        if not self.min <= version <= self.max:
            raise NotAcceptable(f"Version {version} is not supported by the API. Minimum is {self.min} and "
                                f"maximum is {self.max}.")
        return self.versions[version[1] - self._min_minor] if self.versions is not None else version


def _entries(header: str, service_type: str) -> list[str]:
    """The entries of ``header`` for ``service_type``: ``"identity 3, compute 2.1"`` -> ``["compute 2.1"]``.

    Other services' entries are theirs to judge; one of ours without a version is refused.
    """
    ours = []
    for entry in (e.strip() for e in header.split(",")):
        words = entry.split(None, 1)
        if not words or words[0].lower() != service_type:
            continue
        if len(words) != 2:
            raise BadRequest(f"{STANDARD_HEADER} entry {entry!r} is not '<service type> <version>'.")
        ours.append(entry)
    return ours


#: A range longer than this is not listed version by version.
_LISTABLE = 10_000


def enumerate_versions(low: APIVersion, high: APIVersion) -> tuple[APIVersion, ...] | None:
    """Every version from ``low`` to ``high`` when both have one major version, else None.

    Across majors (``1.4`` to ``2.3``) the versions between are not known:
    ``1.999`` is in the range.

    >>> enumerate_versions(APIVersion(2, 1), APIVersion(2, 3))
    (APIVersion(2, 1), APIVersion(2, 2), APIVersion(2, 3))
    """
    if low.major != high.major or high.minor - low.minor >= _LISTABLE:
        return None
    return tuple(APIVersion(low.major, minor) for minor in range(low.minor, high.minor + 1))
