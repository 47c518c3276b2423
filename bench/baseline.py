"""An older cravat beside the current one in the same process: ``bench/run.py --baseline REV``.

``materialize(rev)`` writes the ``cravat`` package as it was at git revision
``rev`` into ``.bench/``, renamed ``cravat_before`` (its imports rewritten to
match), so the benchmark can time old and new code in one run, interleaved,
where the machine's drift falls on both alike. Nothing of it is committed.

    >>> cravat_before = load("6e4ff4e")
"""

import importlib
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "cravat_before"
_IMPORTS = re.compile(r"\b(from|import)\s+cravat\b")


def materialize(rev: str) -> Path:
    """The directory holding ``cravat_before`` (cravat at ``rev``); built once per commit."""
    sha = subprocess.run(["git", "rev-parse", "--verify", f"{rev}^{{commit}}"], cwd=ROOT, check=True,
                         capture_output=True, text=True).stdout.strip()
    home = ROOT / ".bench" / f"{NAME}-{sha[:12]}"
    if (home / NAME / "__init__.py").exists():
        return home
    with tempfile.TemporaryDirectory() as tmp:
        archive = Path(tmp) / "cravat.tar"
        subprocess.run(["git", "archive", "--format=tar", "-o", str(archive), sha, "cravat"], cwd=ROOT, check=True)
        with tarfile.open(archive) as tar:
            tar.extractall(tmp, filter="data")
        package = Path(tmp) / "cravat"
        for source in package.rglob("*.py"):
            text = _IMPORTS.sub(lambda m: f"{m[1]} {NAME}", source.read_text())
            source.write_text(text.replace("cravat.", f"{NAME}."))
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(parents=True)
        shutil.move(str(package), str(home / NAME))
    return home


def load(rev: str):
    """Import ``cravat_before``: cravat as it was at ``rev``."""
    home = str(materialize(rev))
    if home not in sys.path:
        sys.path.insert(0, home)
    return importlib.import_module(NAME)
