"""Microversions as values: ``APIVersion(2, 40)``, comparable with ``"2.40"``.

Parsing is microversion-parse's (``parse_version_string``); this module adds
the comparisons handlers want (``req.version >= "2.40"``) and version ranges.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import microversion_parse


class APIVersion(tuple):
    """A microversion ``major.minor``; compares with others and with strings.

    >>> APIVersion.parse("2.40") >= "2.4"
    True
    >>> str(APIVersion(2, 1))
    '2.1'
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
        return tuple.__eq__(self, _coerce(other))

    def __ne__(self, other: object) -> bool:
        return tuple.__ne__(self, _coerce(other))

    def __lt__(self, other: Any) -> bool:
        return tuple.__lt__(self, _coerce(other))

    def __le__(self, other: Any) -> bool:
        return tuple.__le__(self, _coerce(other))

    def __gt__(self, other: Any) -> bool:
        return tuple.__gt__(self, _coerce(other))

    def __ge__(self, other: Any) -> bool:
        return tuple.__ge__(self, _coerce(other))

    __hash__ = tuple.__hash__


@lru_cache(maxsize=256)
def _parse(text: str) -> APIVersion:
    if not isinstance(text, str) or text.strip() != text or " " in text:
        raise ValueError(f"version {text!r} is not of the form X.Y")
    try:
        parsed = microversion_parse.parse_version_string(text)
    except TypeError:
        raise ValueError(f"version {text!r} is not of the form X.Y") from None
    if parsed.major < 0 or parsed.minor < 0:
        raise ValueError(f"version {text!r} is not of the form X.Y")
    return APIVersion(parsed.major, parsed.minor)


def _coerce(other: Any) -> Any:
    return _parse(other) if isinstance(other, str) else other


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
