"""Request schema extensions: properties an extension adds to an object in an operation's body schema.

>>> add_properties(CREATE, {"server": {"tags": TAGS}}, "servers:create")["properties"]["server"]["properties"]
{'name': ..., 'tags': {...}}

The path (``"server"``, ``"server.metadata"``, or ``""`` for the body
itself) walks ``properties`` from the top; the schema is copied, never
changed in place. A property the schema already has is an error: two
features must not silently disagree on one field.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any


def add_properties(schema: Mapping[str, Any], additions: Mapping[str, Mapping[str, Any]], operation: str, *,
                   check_only: bool = False) -> Any:
    """``schema`` with ``additions`` ({path: {property: schema}}) added; ``check_only``: whether all paths exist."""
    result = copy.deepcopy(dict(schema))
    for path, properties in additions.items():
        target = result
        for key in [k for k in path.split(".") if k]:
            inner = (target.get("properties") or {}).get(key)
            if not isinstance(inner, dict):
                if check_only:
                    return False
                raise ValueError(f"the body schema of {operation} has no object at {path!r} to add "
                                 f"{', '.join(properties)} to")
            target = inner
        if check_only:
            continue
        existing = target.setdefault("properties", {})
        for name, prop in properties.items():
            if name in existing:
                raise ValueError(f"the body schema of {operation} already has {path + '.' if path else ''}{name}")
            existing[name] = copy.deepcopy(dict(prop))
    return True if check_only else result
