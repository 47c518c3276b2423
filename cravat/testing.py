"""An in-process test client: requests straight into a WSGI app, no socket.

>>> client = Client(api)
>>> client.post("/servers", json={"server": {"name": "a"}}).status_code
202
"""

from __future__ import annotations

import json as jsonlib
from typing import Any

import webob

from cravat.types import WSGIApp


class Client:
    """Sends WebOb requests to ``app`` and returns WebOb responses (``.status_code``, ``.headers``, ``.json``)."""

    def __init__(self, app: WSGIApp, *, base_url: str = "http://127.0.0.1") -> None:
        self.app = app
        self.base_url = base_url

    def request(self, method: str, path: str, *, json: Any = None, body: bytes | str | None = None,
                content_type: str | None = None, headers: dict[str, str] | None = None,
                environ: dict[str, Any] | None = None) -> webob.Response:
        req = webob.Request.blank(path, base_url=self.base_url, method=method.upper())
        if json is not None:
            body = jsonlib.dumps(json)
            content_type = content_type or "application/json"
        if body is not None:
            req.body = body.encode("utf-8") if isinstance(body, str) else body
        if content_type is not None:
            req.content_type = content_type
        elif body is not None:
            del req.content_type
        for name, value in (headers or {}).items():
            req.headers[name] = value
        # Last, so a test can set what the lines above derive (SCRIPT_NAME, CONTENT_LENGTH, ...).
        req.environ.update(environ or {})
        return req.get_response(self.app)

    def get(self, path: str, **kw: Any) -> webob.Response:
        return self.request("GET", path, **kw)

    def post(self, path: str, **kw: Any) -> webob.Response:
        return self.request("POST", path, **kw)

    def put(self, path: str, **kw: Any) -> webob.Response:
        return self.request("PUT", path, **kw)

    def patch(self, path: str, **kw: Any) -> webob.Response:
        return self.request("PATCH", path, **kw)

    def delete(self, path: str, **kw: Any) -> webob.Response:
        return self.request("DELETE", path, **kw)
