"""The spec and the interactive docs page, served beside an API.

- ``{base_path}/openapi.json`` (``swagger.json`` for Swagger 2.0): the
  document, its server URL set to where this request reached it;
- ``{base_path}/ui/``: Swagger UI 5.x from the ``swagger-ui-bundle-v2``
  package (``pip install cravat[docs]``), every asset served from this
  app: no CDN, it works offline. Without the package the page is not
  mounted and the log says how to get it.

Both are mounted the same way for a spec-first API (the spec it was
loaded from) and a code-first one (:func:`add_docs`: the document
generated from the app's own route table, per microversion).

>>> add_docs(api)            # GET /openapi.json, GET /openapi.json?version=2.5, GET /ui/
"""

from __future__ import annotations

import html
import json
import logging
import mimetypes
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cravat.api import API, produces, unversioned
from cravat.http.errors import NotFound
from cravat.http.response import Result

LOG = logging.getLogger(__name__)

#: Names of the docs' own operations: generated documents leave them out.
DOCS_PREFIX = "openapi:"

_ASSETS = ("swagger-ui.css", "swagger-ui-bundle.js", "swagger-ui-standalone-preset.js", "index.css",
           "favicon-32x32.png", "favicon-16x16.png", "oauth2-redirect.html", "oauth2-redirect.js")
_ASSET_TYPES = ("text/css", "application/javascript", "image/png", "text/html")


def swagger_ui_dir() -> Path | None:
    """Where the installed Swagger UI distribution is, or None without the docs extra."""
    try:
        from swagger_ui_bundle import swagger_ui_path  # type: ignore[import-not-found]
    except ImportError:
        return None
    path = Path(str(swagger_ui_path))
    return path if (path / "swagger-ui-bundle.js").is_file() else None


class SpecDocument:
    """``GET .../openapi.json``: the document, with its server URL as this request reached it."""

    def __init__(self, document: Callable[[Any], dict[str, Any]], version: str, base_path: str) -> None:
        self._document = document
        self._version = version
        self._base_path = base_path

    @unversioned
    def on_get(self, req: Any) -> dict[str, Any]:
        document = dict(self._document(req))
        root = req.script_name + self._base_path
        if self._version == "2.0":
            # The spec's own host and schemes would send the docs page's requests elsewhere.
            document.pop("host", None)
            document.pop("schemes", None)
            document["basePath"] = root or "/"
        else:
            document["servers"] = [{"url": root or "/"}]
        return document


class SwaggerUIPage:
    """``GET .../ui/``: Swagger UI's page, pointing at the spec beside it."""

    def __init__(self, spec_file: str, base_path: str, title: str) -> None:
        self._spec_file = spec_file
        self._base_path = base_path
        self._title = title

    @unversioned
    @produces("text/html")
    def on_get(self, req: Any) -> Result:
        root = req.script_name + self._base_path
        return Result(page(f"{root}/{self._spec_file}", f"{root}/ui", self._title),
                             content_type="text/html; charset=UTF-8")


class SwaggerUIAsset:
    """``GET .../ui/{asset}``: one file of the Swagger UI distribution, read once and kept."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._cache: dict[str, tuple[bytes, str]] = {}
        self._lock = threading.Lock()

    @unversioned
    @produces(*_ASSET_TYPES)
    def on_get(self, req: Any, asset: str) -> Result:
        if asset not in _ASSETS:
            raise NotFound(f"The docs page has no file {asset!r}.")
        with self._lock:
            cached = self._cache.get(asset)
            if cached is None:
                kind = mimetypes.guess_type(asset)[0] or "application/octet-stream"
                cached = self._cache[asset] = ((self._directory / asset).read_bytes(), kind)
        body, kind = cached
        return Result(body, content_type=kind, headers={"Cache-Control": "public, max-age=3600"})


def page(spec_url: str, assets: str, title: str) -> str:
    """Swagger UI's HTML, with its assets at ``assets`` and the document at ``spec_url``."""
    config = json.dumps({"url": spec_url, "dom_id": "#swagger-ui", "deepLinking": True})
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <title>{html.escape(title)}</title>
  <link rel="stylesheet" type="text/css" href="{html.escape(assets)}/swagger-ui.css">
  <link rel="stylesheet" type="text/css" href="{html.escape(assets)}/index.css">
  <link rel="icon" type="image/png" href="{html.escape(assets)}/favicon-32x32.png" sizes="32x32">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="{html.escape(assets)}/swagger-ui-bundle.js" charset="UTF-8"></script>
  <script src="{html.escape(assets)}/swagger-ui-standalone-preset.js" charset="UTF-8"></script>
  <script>
    window.onload = function () {{
      var config = {config};
      config.presets = [SwaggerUIBundle.presets.apis, SwaggerUIStandalonePreset];
      config.plugins = [SwaggerUIBundle.plugins.DownloadUrl];
      config.layout = "StandaloneLayout";
      window.ui = SwaggerUIBundle(config);
    }};
  </script>
</body>
</html>
"""


def mount_docs(api: API, base_path: str, document: Callable[[Any], dict[str, Any]], version: str, title: str,
               *, ui: bool = True, name: str = "") -> None:
    """Mount ``{base_path}/openapi.json`` (or ``swagger.json``) and, when Swagger UI is installed, ``/ui/``."""
    spec_file = "swagger.json" if version == "2.0" else "openapi.json"
    prefix = f"{DOCS_PREFIX}{name}" if name else DOCS_PREFIX.rstrip(":")
    api.route(f"{base_path}/{spec_file}", SpecDocument(document, version, base_path), name=f"{prefix}:spec")
    if not ui:
        return
    directory = swagger_ui_dir()
    if directory is None:
        LOG.info("No docs page at %s/ui/: Swagger UI is not installed (pip install 'cravat[docs]')", base_path)
        return
    api.route(f"{base_path}/ui", SwaggerUIPage(spec_file, base_path, title), name=f"{prefix}:ui")
    api.route(f"{base_path}/ui/{{asset}}", SwaggerUIAsset(directory), name=f"{prefix}:asset")


def add_docs(api: API, *, base_path: str = "", title: str | None = None, samples: str | None = None,
             ui: bool = True) -> None:
    """Serve a code-first API's generated document and its docs page.

    ``GET {base_path}/openapi.json`` is the document for the API's latest
    microversion; ``?version=2.5`` picks another. ``samples`` is a folder
    of API samples whose exchanges become the document's examples.
    """
    from cravat.openapi.generate import DocumentCache

    cache = DocumentCache(api, title=title, samples=samples)
    mount_docs(api, base_path.rstrip("/"), cache.for_request, "3.1", title or "API", ui=ui)
