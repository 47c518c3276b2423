"""Media types: the ``Accept`` header against what an operation produces.

An operation declares the media types it produces, best first. A request
without ``Accept`` (or with ``*/*``) gets the first; otherwise the offer with
the highest quality the header gives it, ties going to the operation's order
(RFC 9110 section 12.5.1: a more specific range beats a less specific one).
None fitting is a 406 that lists the offers.

>>> choose("text/plain;q=0.5, application/octet-stream", ("text/plain", "application/octet-stream"))
'application/octet-stream'
"""

from __future__ import annotations

from cravat.http.errors import BadRequest, NotAcceptable


def media_range(text: str) -> tuple[str, str]:
    """``"Text/Plain; charset=utf-8"`` -> ``("text", "plain")``."""
    kind, _, rest = text.partition(";")
    major, _, minor = kind.strip().lower().partition("/")
    return major, minor


def parse_accept(header: str) -> list[tuple[str, str, float]]:
    """``"text/*;q=0.5, */*;q=0.1"`` -> ``[("text", "*", 0.5), ("*", "*", 0.1)]``; 400 when malformed."""
    ranges = []
    for item in header.split(","):
        item = item.strip()
        if not item:
            continue
        kind, *params = item.split(";")
        major, slash, minor = kind.strip().lower().partition("/")
        if not slash or not major or not minor or (major == "*" and minor != "*"):
            raise BadRequest(f"Accept {header[:100]!r} is malformed: {item[:40]!r} is not a media range.")
        quality = 1.0
        for param in params:
            name, _, value = param.strip().partition("=")
            if name.strip().lower() == "q":
                quality = _quality(header, value.strip())
        ranges.append((major, minor, quality))
    return ranges


def _quality(header: str, value: str) -> float:
    # RFC 9110: qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] )
    if not value or len(value) > 5 or not value.replace(".", "", 1).isdigit() or not value.isascii():
        raise BadRequest(f"Accept {header[:100]!r} is malformed: q={value[:10]!r} is not a quality value.")
    quality = float(value)
    if quality > 1:
        raise BadRequest(f"Accept {header[:100]!r} is malformed: q={value} is above 1.")
    return quality


def choose(header: str, offers: tuple[str, ...]) -> str | None:
    """The offer ``header`` prefers, or None when it accepts none of them."""
    ranges = parse_accept(header)
    if not ranges:
        return offers[0]
    best, best_quality = None, 0.0
    for offer in offers:
        major, minor = media_range(offer)
        quality, specificity = 0.0, -1
        for r_major, r_minor, r_quality in ranges:
            if r_major == major and r_minor == minor:
                level = 2
            elif r_major == major and r_minor == "*":
                level = 1
            elif r_major == "*":
                level = 0
            else:
                continue
            if level > specificity:
                quality, specificity = r_quality, level
        if quality > best_quality:
            best, best_quality = offer, quality
    return best


def negotiate(header: str | None, offers: tuple[str, ...], where: str) -> str:
    """The media type to answer with, or a 406 naming the offers."""
    if not header or header == "*/*":
        return offers[0]
    chosen = choose(header, offers)
    if chosen is None:
        raise NotAcceptable(f"{where} answers {', '.join(offers)}; the request accepts none of them "
                            f"(Accept: {header[:100]}).")
    return chosen
