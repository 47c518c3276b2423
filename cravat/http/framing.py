"""HTTP/1.1 request framing (RFC 9112): where a request ends in a byte stream, and what is wrong with it.

Pure and incremental, with no socket: a server feeds bytes as they arrive and
learns when the request is complete, so it hands a request to an
application thread only once its head and body are all there, or answers a
framing fault without reading further::

    >>> framing = RequestFraming(max_head=65536, max_body=1 << 20)
    >>> framing.feed(b"POST /v1/secrets HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 2\\r\\n\\r\\n{")
    >>> framing.complete
    False
    >>> framing.feed(b"}")
    >>> framing.complete, framing.end
    (True, 64)

A fault is a :class:`FramingError` with the status to answer (400, 413,
431, 501) and a message naming the problem.
"""

from __future__ import annotations

import re

# RFC 9110 section 5.6.2: token = 1*tchar.
_TOKEN = re.compile(rb"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_VERSION = re.compile(rb"HTTP/[0-9]\.[0-9]")
_HEX = re.compile(rb"[0-9A-Fa-f]{1,16}")
_DIGITS = re.compile(rb"[0-9]+")
#: Bytes a header value may hold: visible ASCII, space and tab (RFC 9110's obs-text is refused).
_BAD_VALUE_BYTE = re.compile(rb"[^\t\x20-\x7e]")
_BAD_VALUE_CHAR = re.compile(r"[^\t\x20-\x7e]")


class FramingError(Exception):
    """A request that cannot be framed: ``status`` to answer and a message naming the problem."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad_value_char(value: str) -> str | None:
    """The first character of a header value (a WSGI latin-1 string) that is not allowed, or None.

    >>> bad_value_char("compute 2.5"), bad_value_char("compute \\uff12.5")
    (None, '\\uff12')
    """
    found = _BAD_VALUE_CHAR.search(value)
    return found.group() if found else None


class RequestFraming:
    """Finds the end of one HTTP/1.x request in the bytes fed to it.

    After each :meth:`feed`, ``complete`` says whether the whole request
    (head and body) has arrived and ``end`` is then its length in the stream;
    ``head_complete`` whether the head has. A malformed request raises
    :class:`FramingError` from :meth:`feed`.
    """

    def __init__(self, max_head: int, max_body: int) -> None:
        self.max_head = max_head
        self.max_body = max_body
        self.buffer = bytearray()
        self.head_complete = False
        self.complete = False
        self.end = 0
        self.method = b""
        self._body_start = 0
        self._length: int | None = None  # Content-Length, when framed by one
        self._chunked = False
        self._pos = 0  # chunked: where the next chunk-size line starts
        self._body_size = 0
        self._trailers = False

    def feed(self, data: bytes) -> None:
        if self.complete:
            return
        self.buffer += data
        if not self.head_complete:
            self._scan_head()
            if not self.head_complete:
                return
        if self._chunked:
            self._scan_chunks()
        else:
            if len(self.buffer) - self._body_start >= (self._length or 0):
                self.complete = True
                self.end = self._body_start + (self._length or 0)

    @property
    def body_started(self) -> bool:
        """Whether any byte of the body has arrived (the body deadline then applies, not the head's)."""
        return self.head_complete

    def _scan_head(self) -> None:
        buf = self.buffer
        # RFC 9112 section 2.2: a server ought to ignore empty lines before the request line.
        start = 0
        while buf.startswith(b"\r\n", start):
            start += 2
        end = buf.find(b"\r\n\r\n", start)
        if end < 0:
            if len(buf) > self.max_head:
                raise FramingError(431, f"The request head is larger than {self.max_head} bytes.")
            return
        if end - start > self.max_head:
            raise FramingError(431, f"The request head is larger than {self.max_head} bytes.")
        lines = bytes(buf[start:end]).split(b"\r\n")
        self._request_line(lines[0])
        self._headers(lines[1:])
        self.head_complete = True
        self._body_start = self._pos = end + 4

    def _request_line(self, line: bytes) -> None:
        parts = line.split(b" ")
        if len(parts) != 3 or not _TOKEN.fullmatch(parts[0]):
            shown = line[:60].decode("latin-1")
            if not parts[0] or not _TOKEN.fullmatch(parts[0]) or len(parts) == 1:
                raise FramingError(400, f"The request line {shown!r} has no method: it must be METHOD TARGET "
                                        "HTTP/1.1.")
            raise FramingError(400, f"The request line {shown!r} is not METHOD TARGET HTTP/1.1.")
        if not parts[1] or not _VERSION.fullmatch(parts[2]):
            shown = line[:60].decode("latin-1")
            raise FramingError(400, f"The request line {shown!r} is not METHOD TARGET HTTP/1.1.")
        self.method = parts[0]

    def _headers(self, lines: list[bytes]) -> None:
        lengths: list[bytes] = []
        codings: list[bytes] = []
        for line in lines:
            name, sep, value = line.partition(b":")
            if not sep or not _TOKEN.fullmatch(name):
                shown = line[:60].decode("latin-1")
                if line[:1] in (b" ", b"\t"):
                    raise FramingError(400, f"The header line {shown!r} is folded (obsolete line folding).")
                raise FramingError(400, f"The header line {shown!r} is not NAME: VALUE.")
            bad = _BAD_VALUE_BYTE.search(value)
            if bad:
                raise FramingError(400, f"The value of header {name.decode()} has the byte 0x{bad.group()[0]:02x}; "
                                        "header values are visible ASCII.")
            lowered = name.lower()
            if lowered == b"content-length":
                lengths.append(value.strip())
            elif lowered == b"transfer-encoding":
                codings.extend(c.strip().lower() for c in value.split(b",") if c.strip())
        if codings:
            if lengths:
                raise FramingError(400, "The request has both Transfer-Encoding and Content-Length; send one.")
            if codings[-1] != b"chunked":
                raise FramingError(400, f"Transfer-Encoding {b', '.join(codings).decode()!r} does not end with "
                                        "chunked, so the body has no end.")
            if codings != [b"chunked"]:
                raise FramingError(501, f"Transfer-Encoding {b', '.join(codings).decode()!r} is not supported; "
                                        "send chunked alone.")
            self._chunked = True
            return
        if lengths:
            if any(not _DIGITS.fullmatch(v) for v in lengths) or len(set(lengths)) > 1:
                shown = ", ".join(v.decode("latin-1") for v in lengths)
                raise FramingError(400, f"Content-Length {shown!r} is not one whole number of bytes.")
            self._length = int(lengths[0])
            if self._length > self.max_body:
                raise FramingError(413, f"The request body is {self._length} bytes; the limit is {self.max_body}.")

    def _scan_chunks(self) -> None:
        buf = self.buffer
        while True:
            if self._trailers:
                # Trailer fields, then an empty line.
                line_end = buf.find(b"\r\n", self._pos)
                if line_end < 0:
                    self._check_line_length(self._pos)
                    return
                if line_end == self._pos:
                    self.complete = True
                    self.end = line_end + 2
                    return
                if b":" not in buf[self._pos:line_end]:
                    raise FramingError(400, "A trailer field of the chunked body is not NAME: VALUE.")
                self._pos = line_end + 2
                continue
            line_end = buf.find(b"\r\n", self._pos)
            if line_end < 0:
                self._check_line_length(self._pos)
                return
            size_text = bytes(buf[self._pos:line_end]).partition(b";")[0].strip()
            if not _HEX.fullmatch(size_text):
                shown = bytes(buf[self._pos:line_end])[:20].decode("latin-1")
                raise FramingError(400, f"The chunked body has a malformed chunk size {shown!r}; a chunk size is "
                                        "hexadecimal digits.")
            size = int(size_text, 16)
            if size == 0:
                self._trailers = True
                self._pos = line_end + 2
                continue
            self._body_size += size
            if self._body_size > self.max_body:
                raise FramingError(413, f"The chunked request body is over the limit of {self.max_body} bytes.")
            data_end = line_end + 2 + size
            if len(buf) < data_end + 2:
                return
            if buf[data_end:data_end + 2] != b"\r\n":
                raise FramingError(400, f"A chunk of the chunked body is longer than its size ({size} bytes) says.")
            self._pos = data_end + 2

    def _check_line_length(self, start: int) -> None:
        if len(self.buffer) - start > 4096:
            raise FramingError(400, "A chunk-size line of the chunked body is longer than 4096 bytes.")

    def truncated(self) -> FramingError:
        """The fault for a stream that ended (the client half-closed) before the request was complete."""
        if not self.head_complete:
            return FramingError(400, "The connection ended before the request head was complete.")
        if self._chunked:
            return FramingError(400, "The chunked request body ended before its last (zero-size) chunk.")
        got = len(self.buffer) - self._body_start
        return FramingError(400, f"The request body ended after {got} of the {self._length} bytes its "
                                 "Content-Length announced.")
