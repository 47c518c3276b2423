"""Loading a WSGI application from a Paste Deploy INI file, with errors that name the file and section.

``paste.deploy.loadapp`` reports most failures as a bare ``LookupError`` or the
factory's own exception, often without saying which section was being built.
:func:`load_paste_app` loads the same way (it is Paste Deploy's loader) but
turns every failure into a :class:`PasteLoadError` naming the file, the
section and the reason::

    >>> load_paste_app("etc/api-paste.ini", name="main")
    <cravat.deploy.urlmap.URLMap object at ...>
    >>> load_paste_app("etc/api-paste.ini", name="nope")
    PasteLoadError: etc/api-paste.ini: no application section named 'nope' ...
"""

from __future__ import annotations

import configparser
import os
from importlib.metadata import PackageNotFoundError
from typing import Any

from paste.deploy.loadwsgi import APP, ConfigLoader

from cravat.deploy.loading import make_cwd_importable
from cravat.types import WSGIApp

#: The section prefixes Paste Deploy accepts for an application, in its order.
_APP_SECTIONS = ("app", "application", "composite", "composit", "pipeline", "filter-app")


class PasteLoadError(Exception):
    """A paste file could not be loaded; ``file``, ``section`` and ``reason`` say where and why.

    ``section`` is the section being built when it failed (``"pipeline:main"``),
    or ``None`` when the failure is not inside one (missing file, broken syntax).
    """

    def __init__(self, file: str, section: str | None, reason: str) -> None:
        self.file = file
        self.section = section
        self.reason = reason
        where = f"{file} [{section}]" if section else file
        super().__init__(f"{where}: {reason}")


def load_paste_app(path: str, name: str = "main", global_conf: dict[str, str] | None = None) -> WSGIApp:
    """The application ``name`` from the paste file at ``path`` (relative paths are from the current directory).

    ``name`` names an ``[app:NAME]``, ``[composite:NAME]``, ``[pipeline:NAME]`` or
    ``[filter-app:NAME]`` section. Raises :class:`PasteLoadError` for a missing or
    unreadable file, broken INI syntax, no such section, an unknown ``use =``
    egg or entry point, an unimportable factory, or a factory that raised.
    """
    # Like the cravat command's module:attribute loading: a checkout's packages are importable.
    make_cwd_importable()
    loader = _open(path)
    section = _app_section(loader, name)
    try:
        context = loader.get_context(APP, name=name, global_conf=global_conf)
        return context.create()
    except PasteLoadError:
        raise
    except Exception as exc:
        raise PasteLoadError(path, section, _reason(exc)) from exc


def _open(path: str) -> _SectionNamingLoader:
    if not os.path.exists(path):
        raise PasteLoadError(path, None, "no such file")
    if os.path.isdir(path):
        raise PasteLoadError(path, None, "is a directory, not a paste INI file")
    try:
        return _SectionNamingLoader(path)
    except configparser.Error as exc:
        raise PasteLoadError(path, None, f"not a valid INI file: {_one_line(exc)}") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise PasteLoadError(path, None, f"cannot be read: {exc}") from exc


def _app_section(loader: ConfigLoader, name: str) -> str:
    candidates = [f"{prefix}:{name}" for prefix in _APP_SECTIONS]
    found = [s for s in loader.parser.sections() if s.partition(":")[0] in _APP_SECTIONS
             and s.partition(":")[2].strip() == name]
    if not found:
        have = ", ".join(f"[{s}]" for s in loader.parser.sections()) or "none"
        raise PasteLoadError(
            loader.filename, None,
            f"no application section named {name!r} (looked for [{candidates[0]}], [{candidates[2]}], "
            f"[{candidates[4]}] or [{candidates[5]}]; sections: {have})",
        )
    if len(found) > 1:
        raise PasteLoadError(loader.filename, None, f"ambiguous: sections {found} are all named {name!r}")
    return found[0]


class _SectionNamingLoader(ConfigLoader):
    """Paste Deploy's INI loader, remembering which section each context came from.

    Every section's context is resolved through ``get_context`` (pipelines,
    ``use =``, ``filter-with``, and composites such as the URL map asking their
    loader for each entry), so wrapping it here annotates a failure with the
    innermost section that was being resolved or built.
    """

    def get_context(self, object_type: Any, name: str | None = None, global_conf: dict | None = None) -> Any:
        if self.absolute_name(name):
            # egg:..., call:..., config:...: the section that named it reports the failure.
            return super().get_context(object_type, name=name, global_conf=global_conf)
        # A missing section raises LookupError here; the section that named it reports it.
        section = self.find_config_section(object_type, name=name)
        try:
            context = super().get_context(object_type, name=name, global_conf=global_conf)
        except PasteLoadError:
            raise
        except Exception as exc:
            raise PasteLoadError(self.filename, section, _reason(exc)) from exc
        build = context.create

        def create() -> Any:
            try:
                return build()
            except PasteLoadError:
                raise
            except Exception as exc:
                raise PasteLoadError(self.filename, section, _reason(exc)) from exc

        context.create = create
        return context


def _reason(exc: BaseException) -> str:
    if isinstance(exc, LookupError) and not isinstance(exc, (KeyError, IndexError)):
        # Paste Deploy's own messages ("No section 'x' (prefixed by 'filter') found in config f").
        return _one_line(exc)
    if isinstance(exc, PackageNotFoundError):
        return f"no installed distribution {exc.name!r} (named by a 'use = egg:...')"
    if isinstance(exc, ImportError):
        return f"cannot import the factory: {_one_line(exc)}"
    return f"{type(exc).__name__}: {_one_line(exc)}"


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())
