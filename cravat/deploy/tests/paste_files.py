"""Helpers the deploy tests share: paste files written to a temporary directory, and load errors."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from cravat.deploy.pasteload import PasteLoadError, load_paste_app


def write(tmp_path: Path, text: str, name: str = "api-paste.ini") -> str:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text))
    return str(path)


def load_error(path: str, name: str = "main") -> PasteLoadError:
    with pytest.raises(PasteLoadError) as caught:
        load_paste_app(path, name)
    return caught.value
