"""What a handler returns when the operation's declared success is not enough."""

from __future__ import annotations

from typing import Any


class Result:
    """A handler's answer with its own status, headers or media type.

    A handler usually returns plain data and the operation's success status
    applies. It returns a ``Result`` when the answer varies per call:

    >>> return Result({"server": server}, status=202,
    ...               headers={"Location": req.url_for("servers:show", id=server["id"])})

    ``body`` may be data (encoded as JSON), ``bytes`` or ``str`` (sent as they
    are, with ``content_type``), or ``None`` for no body.
    """

    __slots__ = ("body", "status", "headers", "content_type")

    def __init__(self, body: Any = None, *, status: int | None = None,
                 headers: dict[str, str] | None = None, content_type: str | None = None) -> None:
        self.body = body
        self.status = status
        self.headers = headers
        self.content_type = content_type
