"""Versions: microversion values and negotiation, version discovery documents."""

from cravat.versions.discovery import VersionDetail, VersionInfo, VersionList
from cravat.versions.microversion import APIVersion, VersionRange
from cravat.versions.negotiation import Microversions, Negotiator

__all__ = ["APIVersion", "Microversions", "Negotiator", "VersionDetail", "VersionInfo", "VersionList",
           "VersionRange"]
