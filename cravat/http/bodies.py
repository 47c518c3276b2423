"""Reading a request body: its framing (RFC 9112), its size limit, its media type and its decoding.

A body is framed by ``Content-Length`` (1*DIGIT, nothing else) or by
``Transfer-Encoding: chunked``, which the server decodes; any other transfer
coding is a 501. ``int()`` alone would take ``1_0``, `` 10 `` and digits of
other scripts, and a request smuggled past a proxy starts with exactly such
a disagreement about where a body ends.

>>> reader = BodyReader(("application/json",), max_size=1024, max_depth=32, where="servers:create")
>>> reader.read({"CONTENT_LENGTH": "2", "wsgi.input": io.BytesIO(b"{}")})
{}
"""

from __future__ import annotations

from typing import Any

from cravat.http import codecs
from cravat.http.errors import BadRequest, HTTPError, LengthRequired, RequestEntityTooLarge, UnsupportedMediaType
from cravat.types import Environ

#: What ``read`` returns for a request without a body.
NO_BODY: Any = type("NoBody", (), {"__repr__": lambda self: "NO_BODY", "__bool__": lambda self: False})()

_DIGITS = frozenset("0123456789")


def content_length(environ: Environ) -> int | None:
    """The request's Content-Length, None when it has none, or a 400 naming what is wrong with it."""
    text = environ.get("CONTENT_LENGTH")
    if not text:
        return None
    # PERF: the common case is a short run of ASCII digits; set() is the exact check.
    if len(text) > 18 or not _DIGITS.issuperset(text):
        raise BadRequest(f"Content-Length {text[:40]!r} is not a length: it must be digits 0-9 only.")
    return int(text)


def chunked(environ: Environ) -> bool:
    """Whether the body is chunked; 501 for a transfer coding other than ``chunked``."""
    coding = environ.get("HTTP_TRANSFER_ENCODING")
    if not coding:
        return False
    codings = [c.strip().lower() for c in coding.split(",")]
    if codings != ["chunked"]:
        raise HTTPError(f"Transfer-Encoding {coding[:60]!r} is not supported: only 'chunked' is.", status=501)
    return True


def read_raw(environ: Environ, max_size: int) -> bytes:
    """The body's bytes, or b"" for none; 413 over ``max_size``, 411 for a chunked body the server cannot end."""
    # PERF: the usual body, a short ASCII Content-Length and no Transfer-Encoding, checked inline.
    text = environ.get("CONTENT_LENGTH")
    if text and len(text) <= 18 and _DIGITS.issuperset(text) and not environ.get("HTTP_TRANSFER_ENCODING"):
        is_chunked, size = False, int(text)
    else:
        is_chunked = chunked(environ)
        size = content_length(environ)
    if size is not None and not is_chunked:
        if size > max_size:
            raise RequestEntityTooLarge(f"The request body is {size} bytes; the limit is {max_size}.")
        if not size:
            return b""
        raw = environ["wsgi.input"].read(size)
        if len(raw) != size:
            raise BadRequest(f"The request body ended after {len(raw)} of the {size} bytes its Content-Length "
                             "announced.")
        return raw
    if is_chunked:
        # Reading to the end is safe only where the server promises the input
        # ends with the body (gunicorn, uWSGI, granian, mod_wsgi); elsewhere it would block.
        if not environ.get("wsgi.input_terminated"):
            raise LengthRequired("This server cannot read a chunked request body; send Content-Length.")
        raw = environ["wsgi.input"].read(max_size + 1)
        if len(raw) > max_size:
            raise RequestEntityTooLarge(f"The request body is over the limit of {max_size} bytes.")
        return raw
    return b""


class BodyReader:
    """Reads and decodes the body of one operation's requests; built once, when the API compiles.

    ``accepts`` are the media types the operation takes, the first being
    what a body without ``Content-Type`` is taken as (Nova's rule). JSON
    (and ``+json``) bodies are decoded; others are handed over as bytes.
    """

    __slots__ = ("accepts", "max_size", "max_depth", "allow_duplicate_keys", "where", "_first")

    def __init__(self, accepts: tuple[str, ...], *, max_size: int, max_depth: int, where: str,
                 allow_duplicate_keys: bool = False) -> None:
        self.accepts = accepts
        self.max_size = max_size
        self.max_depth = max_depth
        self.allow_duplicate_keys = allow_duplicate_keys
        self.where = where
        self._first = accepts[0]

    def read(self, environ: Environ) -> Any:
        """The decoded body, ``NO_BODY`` when there is none, or an HTTP error saying what is wrong."""
        raw = read_raw(environ, self.max_size)
        if not raw:
            return NO_BODY
        content_type = environ.get("CONTENT_TYPE")
        media_type = content_type.partition(";")[0].strip().lower() if content_type else self._first
        if media_type not in self.accepts:
            raise UnsupportedMediaType(f"Content-Type {media_type!r} is not accepted by {self.where}; "
                                       f"send {' or '.join(self.accepts)}.")
        if media_type == codecs.JSON or media_type.endswith("+json"):
            return codecs.loads(raw, self.max_depth, allow_duplicate_keys=self.allow_duplicate_keys)
        return raw
