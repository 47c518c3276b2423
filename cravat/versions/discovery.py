"""Version discovery: ``GET /`` lists an API's versions, ``GET /{version}/`` describes one.

Two shapes, as clients meet them in the field:

- ``nova``: ``200 {"versions": [{"id": "v2.1", "status": "CURRENT", "version": "2.90",
  "min_version": "2.1", "updated": ..., "links": [...]}]}``, and
  ``{"version": {...}}`` for one version;
- ``barbican``: ``300 Multiple Choices``; at the API's first microversion (or
  without one) the original ``{"versions": {"values": [{"id": "v1", "status":
  "stable", ...}]}}``, from the next microversion on ``{"versions": [{"id":
  "v1", "status": "CURRENT", "min_version": "1.0", "max_version": "1.1", ...}]}``.

keystoneauth, and so python-barbicanclient and openstacksdk, read both.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from cravat.http.response import Result
from cravat.versions.negotiation import Microversions

STYLES = ("nova", "barbican")
STATUSES = ("CURRENT", "SUPPORTED", "DEPRECATED")


@dataclass(frozen=True)
class VersionInfo:
    """One major version of an API, as discovery documents describe it.

    >>> VersionInfo.of("v2.1", Microversions("compute", "2.1", "2.90"), updated="2024-01-01T00:00:00Z")
    """

    id: str                     # "v2.1"; also its path under the root: /v2.1/
    status: str = "CURRENT"     # CURRENT, SUPPORTED or DEPRECATED
    min_version: str = ""       # first microversion; "" where the version has none
    max_version: str = ""       # last microversion
    updated: str = ""           # ISO 8601
    media_type: str = ""        # "application/vnd.openstack.compute+json;version=2.1"
    docs: str = "https://docs.openstack.org/"

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"version {self.id}: status {self.status!r} is not one of {', '.join(STATUSES)}")

    @classmethod
    def of(cls, id: str, microversions: Microversions | None, **fields: Any) -> VersionInfo:
        """The version whose microversion range is ``microversions``."""
        if microversions is not None:
            fields.setdefault("min_version", microversions.min_version)
            fields.setdefault("max_version", microversions.max_version)
        return cls(id, **fields)


def _links(info: VersionInfo, href: str) -> list[dict[str, str]]:
    return [{"rel": "self", "href": href}, {"rel": "describedby", "type": "text/html", "href": info.docs}]


def _media_types(info: VersionInfo) -> list[dict[str, str]]:
    return [{"base": "application/json", "type": info.media_type}] if info.media_type else []


def nova_entry(info: VersionInfo, href: str) -> dict[str, Any]:
    return {"id": info.id, "status": info.status, "version": info.max_version, "min_version": info.min_version,
            "updated": info.updated, "links": _links(info, href), "media-types": _media_types(info)}


def barbican_entry(info: VersionInfo, href: str, *, legacy: bool) -> dict[str, Any]:
    if legacy:
        return {"id": info.id, "status": "stable", "updated": info.updated, "links": _links(info, href),
                "media-types": _media_types(info)}
    return {"id": info.id, "status": info.status, "min_version": info.min_version,
            "max_version": info.max_version, "links": _links(info, href)}


def _legacy(req: Any, info: VersionInfo) -> bool:
    """Barbican keeps its original shape for requests at its first microversion."""
    return req.version is None or not info.min_version or req.version <= info.min_version


class VersionList:
    """Responder for ``GET /``: every version, each linking to ``/{id}/`` under this app's URL.

    >>> api.route("/", VersionList([v1], style="barbican"))

    It answers the question "which versions are there?", so it does not
    negotiate one: a version header out of range or malformed is no error
    here (``negotiate_version`` tells the API so).
    """

    negotiate_version = False

    def __init__(self, versions: list[VersionInfo], *, style: str = "nova",
                 multiple_choices: bool | None = None) -> None:
        if style not in STYLES:
            raise ValueError(f"discovery style {style!r} is not one of {', '.join(STYLES)}")
        if not versions:
            raise ValueError("a version list needs at least one version")
        self.versions = list(versions)
        self.style = style
        self.status = 300 if (multiple_choices if multiple_choices is not None else style == "barbican") else 200

    def on_get(self, req: Any) -> Result:
        base = req.application_url
        if self.style == "nova":
            body: Any = {"versions": [nova_entry(v, f"{base}/{v.id}/") for v in self.versions]}
        elif _legacy(req, self.versions[0]):
            body = {"versions": {"values": [barbican_entry(v, f"{base}/{v.id}/", legacy=True)
                                            for v in self.versions]}}
        else:
            body = {"versions": [barbican_entry(v, f"{base}/{v.id}/", legacy=False) for v in self.versions]}
        return Result(body, status=self.status)


class VersionDetail:
    """Responder for the root of one version (``GET /v2.1/``): ``{"version": {...}}``; it does not negotiate."""

    negotiate_version = False

    def __init__(self, info: VersionInfo, *, style: str = "nova") -> None:
        if style not in STYLES:
            raise ValueError(f"discovery style {style!r} is not one of {', '.join(STYLES)}")
        self.info = info
        self.style = style

    def on_get(self, req: Any) -> dict[str, Any]:
        href = req.application_url + "/"
        if self.style == "nova":
            return {"version": nova_entry(self.info, href)}
        return {"version": barbican_entry(self.info, href, legacy=_legacy(req, self.info))}
