"""Extensions: descriptors, loading by entry point, extension points (hooks), the /extensions listing."""

from cravat.extensions.descriptor import (
    ALIAS_PATTERN,
    ControllerExtension,
    Extension,
    ResourceExtension,
    extends,
    hook,
)
from cravat.extensions.loading import ExtensionError
from cravat.extensions.points import ExtensionPointError, ExtensionPoints
from cravat.extensions.registry import ExtensionRegistry, LoadedExtension, load_extensions

__all__ = [
    "ALIAS_PATTERN",
    "ControllerExtension",
    "Extension",
    "ExtensionError",
    "ExtensionPointError",
    "ExtensionPoints",
    "ExtensionRegistry",
    "LoadedExtension",
    "ResourceExtension",
    "extends",
    "hook",
    "load_extensions",
]
