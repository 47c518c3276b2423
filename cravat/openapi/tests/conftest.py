"""Writing small specs for the tests: ``spec(tmp_path, paths=..., ...)`` -> the file's path."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml


@pytest.fixture(autouse=True)
def _spec_cache(tmp_path_factory, monkeypatch):
    """Each test's own cache of specs that passed the validator: none is shared with the machine's."""
    monkeypatch.setenv("CRAVAT_CACHE_DIR", str(tmp_path_factory.mktemp("cravat-cache")))

SPECS = Path(__file__).parent / "specs"


def openapi(paths: dict[str, Any], version: str = "3.0.3", **rest: Any) -> dict[str, Any]:
    return {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": paths, **rest}


@pytest.fixture
def write(tmp_path: Path):
    """``write(document_or_text, name="api.yaml")``: the spec file's path."""
    def write(document: Any, name: str = "api.yaml") -> str:
        path = tmp_path / name
        path.write_text(document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False))
        return str(path)

    return write
