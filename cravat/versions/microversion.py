"""Microversions as values: ``APIVersion(2, 40)``, comparable with ``"2.40"``.

Headers are read by microversion-parse (in :mod:`cravat.versions.negotiation`);
this module holds the values: the comparisons handlers want
(``req.version >= "2.40"``) and version ranges.
"""

from __future__ import annotations

import re
from typing import Any


class APIVersion(tuple):
    """A microversion ``major.minor``; compares with others and with strings.

    >>> APIVersion.parse("2.40") >= "2.4"
    True
    >>> str(APIVersion(2, 1))
    '2.1'

    It equals another ``APIVersion`` of the same numbers and the string that
    writes it (``"2.1"``), and hashes as that string does, so ``"2.1" in
    {APIVersion(2, 1)}`` holds as ``APIVersion(2, 1) == "2.1"`` does. It
    equals nothing else: not the tuple ``(2, 1)`` (whose hash differs), not
    ``"latest"`` nor ``"2.01"``. Ordering parses the string:
    ``APIVersion(2, 1) < "2.01"`` is False.
    """

    __slots__ = ()

    def __new__(cls, major: int, minor: int) -> APIVersion:
        return tuple.__new__(cls, (major, minor))

    @property
    def major(self) -> int:
        return self[0]

    @property
    def minor(self) -> int:
        return self[1]

    @classmethod
    def parse(cls, text: str) -> APIVersion:
        """``"2.40"`` -> ``APIVersion(2, 40)``; ``ValueError`` naming the text when it is not ``X.Y``."""
        return _parse(text)

    def __str__(self) -> str:
        return f"{self[0]}.{self[1]}"

    def __repr__(self) -> str:
        return f"APIVersion({self[0]}, {self[1]})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, APIVersion):
            return tuple.__eq__(self, other)
        if isinstance(other, str):
            return other == f"{self[0]}.{self[1]}"
        return False

    def __ne__(self, other: object) -> bool:
        return not self.__eq__(other)

    def __lt__(self, other: Any) -> bool:
        return tuple.__lt__(self, _coerce(other))

    def __le__(self, other: Any) -> bool:
        return tuple.__le__(self, _coerce(other))

    def __gt__(self, other: Any) -> bool:
        return tuple.__gt__(self, _coerce(other))

    def __ge__(self, other: Any) -> bool:
        return tuple.__ge__(self, _coerce(other))

    def __hash__(self) -> int:
        return hash(f"{self[0]}.{self[1]}")


_VERSION = re.compile(r"([0-9]{1,9})\.([0-9]{1,9})\Z")


def _parse(text: str) -> APIVersion:
    """``"2.40"`` -> ``APIVersion(2, 40)``: ASCII digits only, as the header's grammar says.

    microversion-parse reads the header (``cravat.versions.negotiation``); a
    version alone is this one pattern, which ``int()`` would widen to
    ``" 2"``, ``"2_0"`` and digits of other scripts.
    """
    found = _VERSION.match(text) if isinstance(text, str) else None
    if found is None:
        raise ValueError(f"version {text!r} is not of the form X.Y")
    return APIVersion(int(found[1]), int(found[2]))


def _coerce(other: Any) -> APIVersion:
    if isinstance(other, APIVersion):
        return other
    if isinstance(other, str):
        try:
            return _parse(other)
        except ValueError:
            raise TypeError(f"cannot compare a version with {other!r}: it is not of the form X.Y") from None
    raise TypeError(f"cannot compare a version with {type(other).__name__} {other!r}")


class VersionRange(tuple):
    """An inclusive range of microversions; ``max`` None means "up to the API's latest".

    >>> VersionRange.parse("2.1", "2.39").contains(APIVersion(2, 10))
    True
    """

    __slots__ = ()

    def __new__(cls, low: APIVersion, high: APIVersion | None) -> VersionRange:
        return tuple.__new__(cls, (low, high))

    @classmethod
    def parse(cls, low: str, high: str | None = None) -> VersionRange:
        lo = APIVersion.parse(low)
        hi = APIVersion.parse(high) if high is not None else None
        if hi is not None and hi < lo:
            raise ValueError(f"version range {low}-{high} ends before it starts")
        return cls(lo, hi)

    @property
    def low(self) -> APIVersion:
        return self[0]

    @property
    def high(self) -> APIVersion | None:
        return self[1]

    def contains(self, version: APIVersion) -> bool:
        return self[0] <= version and (self[1] is None or version <= self[1])

    def __str__(self) -> str:
        return f"{self[0]}-{self[1] if self[1] is not None else 'latest'}"


def follows(earlier: VersionRange, later: VersionRange) -> bool:
    """Whether ``later`` starts right after ``earlier`` ends (2.39 then 2.40, or 1.9 then 2.0)."""
    end = earlier.high
    if end is None:
        return False
    return later.low in (APIVersion(end.major, end.minor + 1), APIVersion(end.major + 1, 0))
