"""Resource controllers (Nova's and Tacker's style) compiled into operations.

A controller is a plain class. Its standard methods map to the collection
and member templates of the resource; decorated methods add custom routes and
body-keyed actions. A method the controller does not define is not routed.

=========  ======  ==================  ==============
method     verb    template            success status
=========  ======  ==================  ==============
index      GET     /servers            200
create     POST    /servers            201
show       GET     /servers/{id}       200
update     PUT     /servers/{id}       200
delete     DELETE  /servers/{id}       204
=========  ======  ==================  ==============

``@action("os-start")`` methods share ``POST /servers/{id}/action`` and are
chosen by the body's single top-level key.
"""

from __future__ import annotations

from typing import Any

from cravat.api.declare import Declaration, declaration
from cravat.api.declared import declared_operation
from cravat.api.operation import DeclarationError, Operation, compile_operation, describe_handler
from cravat.routing.template import Template, parse_template

# name: (HTTP method, on the member?, default success status)
STANDARD_METHODS = {
    "index": ("GET", False, 200),
    "create": ("POST", False, 201),
    "show": ("GET", True, 200),
    "update": ("PUT", True, 200),
    "delete": ("DELETE", True, 204),
}


def controller_operations(controller: Any, collection: str, name: str, member: str) -> list[Operation]:
    """The operations of ``controller`` mounted at ``collection`` with member segment ``member``.

    >>> [op.name for op in controller_operations(Servers(), "/servers", "servers", "{id}")]
    ['servers:index', 'servers:show', 'servers:action']
    """
    collection_t = parse_template(collection)
    member_t = _join(collection_t, member)
    ops: list[Operation] = []
    actions: dict[str, Operation] = {}
    for attr in _public_methods(type(controller)):
        handler = getattr(controller, attr)
        decl = declaration(handler) or Declaration()
        op_name = f"{name}:{attr}"
        if attr in STANDARD_METHODS and (decl.action or decl.route):
            raise DeclarationError(f"{describe_handler(handler)}: {attr}() is a standard method; "
                                   "it cannot also be a custom route or action")
        if attr in STANDARD_METHODS:
            method, on_member, default = STANDARD_METHODS[attr]
            template = member_t if on_member else collection_t
        elif decl.route is not None:
            method, path, on_member = decl.route
            default = 200
            base = member_t if on_member else collection_t
            template = _join(base, path) if path else base
        elif decl.action is not None:
            if decl.action in actions:
                raise DeclarationError(f"action {decl.action!r} of {collection} is declared twice: by "
                                       f"{actions[decl.action].source} and {describe_handler(handler)}")
            actions[decl.action] = declared_operation(op_name, "POST", _join(member_t, "action"), handler, decl,
                                                      200, controller)
            continue
        else:
            continue
        ops.append(declared_operation(op_name, method, template, handler, decl, default, controller))
    if actions:
        ops.append(compile_operation(f"{name}:action", "POST", _join(member_t, "action"), None,
                                     source=f"{type(controller).__module__}.{type(controller).__qualname__}",
                                     actions=actions))
    if not ops:
        raise DeclarationError(
            f"controller {type(controller).__qualname__} mounted at {collection} has no operations: define "
            f"{', '.join(STANDARD_METHODS)} or decorate methods with action/collection_action/member_action")
    return ops


def _join(base: Template, tail: str) -> Template:
    return parse_template(base.text.rstrip("/") + "/" + tail)


def _public_methods(cls: type) -> list[str]:
    """Method names in definition order, base classes first."""
    seen: dict[str, None] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            if not attr.startswith("_") and callable(value):
                seen[attr] = None
    return list(seen)
