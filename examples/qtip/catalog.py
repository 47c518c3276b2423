"""The definitions behind the API: one YAML file per plan, QPI and metric, under ``specs/``."""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import yaml

#: Where the definitions are; QTIP_SPECS names another folder with the same layout.
SPECS = Path(os.environ.get("QTIP_SPECS") or Path(__file__).parent / "specs")

_NAME = re.compile(r"[a-z0-9][a-z0-9_.-]*\Z")


class ResourceNotFound(LookupError):
    """No definition of that kind has that name."""

    def __init__(self, kind: str, name: str) -> None:
        super().__init__(f"{kind} {name!r} not found")
        self.kind = kind
        self.name = name


def names(kind: str) -> list[str]:
    """The names of every definition of ``kind`` ("plans", "qpis", "metrics"), sorted."""
    return sorted(p.stem for p in (SPECS / kind).glob("*.yaml"))


def load(kind: str, name: str) -> dict[str, Any]:
    """The definition ``kind/name.yaml``; ``ResourceNotFound`` when there is none."""
    if not _NAME.match(name):
        raise ResourceNotFound(kind[:-1], name)
    path = SPECS / kind / f"{name}.yaml"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ResourceNotFound(kind[:-1], name) from None
    content = yaml.safe_load(text) or {}
    content.setdefault("name", name)
    return content


def summaries(kind: str) -> list[dict[str, Any]]:
    return [{"name": n, "description": load(kind, n).get("description", "")} for n in names(kind)]
