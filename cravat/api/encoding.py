"""Encoding a handler's answer: status line, headers and body bytes.

A handler returns data (encoded as JSON), ``bytes`` or ``str`` (sent as they
are), ``None`` (no body), a :class:`cravat.Result` (its own status, headers
or media type) or a WebOb response (answered as it is). The media type is
the Result's, else the one the request negotiated among those the
operation produces.
"""

from __future__ import annotations

import logging
from typing import Any

import webob

from cravat.api.implementation import Implementation
from cravat.http import codecs
from cravat.http.errors import InternalServerError
from cravat.http.faults import REQUEST_ID_HEADER
from cravat.http.request import Request
from cravat.http.response import Result
from cravat.http.status import status_line
from cravat.types import Headers

LOG = logging.getLogger(__name__)

# Entity headers a 204 or 304 must not carry.
_NO_CONTENT = ("204", "304")
_JSON = codecs.JSON
_encode_json = codecs.encode_json


def encode(impl: Implementation, req: Request, result: Any) -> tuple[str, Headers, bytes]:
    if (type(result) is dict or type(result) is list) and impl.plain_json:
        # PERF: the usual answer, data as JSON with the declared status, without the general walk below.
        payload = _encode_json(result).encode()
        headers = [("Content-Type", _JSON), ("Content-Length", str(len(payload))), (REQUEST_ID_HEADER, req.request_id)]
        if impl.headers:
            headers.extend(impl.headers)
        return impl.status_line, headers, payload
    status = impl.status_line
    extra: Any = impl.headers
    content_type = None
    if type(result) is Result:
        if result.status is not None:
            status = status_line(result.status)
        if result.headers:
            content_type, extra = _result_headers(result, extra)
        content_type = result.content_type or content_type
        result = result.body
    elif isinstance(result, webob.Response):
        return webob_answer(result, req.request_id)
    if result is not None and status[:3] in _NO_CONTENT:
        LOG.warning("%s answered %s with a body; a %s has none, so it was dropped", impl, status[:3], status[:3])
        result = None
    if result is None:
        headers: Headers = [] if status[:3] in _NO_CONTENT else [("Content-Length", "0")]
        headers.append((REQUEST_ID_HEADER, req.request_id))
        headers.extend(extra)
        return status, headers, b""
    media_type = req.media_type
    if isinstance(result, bytes):
        payload = result
        content_type = content_type or (media_type if not _is_json(media_type) else "application/octet-stream")
    elif isinstance(result, str):
        payload = result.encode("utf-8")
        content_type = content_type or (_with_charset(media_type) if not _is_json(media_type)
                                        else "text/plain; charset=UTF-8")
    else:
        if content_type is None and not _is_json(media_type):
            LOG.error("%s returned %s for a request that asked for %s; return bytes or str for it",
                      impl, type(result).__name__, media_type)
            raise InternalServerError(f"{impl.name} could not answer in {media_type}.")
        payload, content_type = codecs.dumps(result), content_type or codecs.JSON
    headers = [("Content-Type", content_type), ("Content-Length", str(len(payload))),
               (REQUEST_ID_HEADER, req.request_id)]
    headers.extend(extra)
    return status, headers, payload


def _is_json(media_type: str | None) -> bool:
    return media_type is None or media_type == codecs.JSON or media_type.endswith("+json")


def _with_charset(media_type: str) -> str:
    return f"{media_type}; charset=UTF-8" if media_type.startswith("text/") and "charset" not in media_type \
        else media_type


def _result_headers(result: Result, extra: Any) -> tuple[str | None, Any]:
    """A Result's headers over the operation's: its Content-Type is the media type; Content-Length is cravat's."""
    content_type = None
    own = []
    for name, value in result.headers.items():  # type: ignore[union-attr]
        lowered = name.lower()
        if lowered == "content-type":
            content_type = value
        elif lowered != "content-length":
            own.append((name, str(value)))
    return content_type, (*extra, *own)


def webob_answer(response: webob.Response, request_id: str) -> tuple[str, Headers, bytes]:
    """A WebOb response a handler returned or raised, answered as it is, with this request's id.

    Its header list is copied: the same response object may answer many
    requests, on many threads.
    """
    headers = [(k, v) for k, v in response.headerlist if k.lower() != REQUEST_ID_HEADER]
    headers.append((REQUEST_ID_HEADER, request_id))
    return response.status, headers, response.body
