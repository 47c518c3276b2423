"""Resource controllers (Nova's and Tacker's style), read into declarations.

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

from collections.abc import Callable
from typing import Any

from cravat.api.binding import describe_handler
from cravat.api.declarations import DeclarationError, OperationDecl, Where
from cravat.api.declare import Declaration, declaration
from cravat.routing.template import Template, extend_template, parse_template

# name: (HTTP method, on the member?, default success status)
STANDARD_METHODS = {
    "index": ("GET", False, 200),
    "create": ("POST", False, 201),
    "show": ("GET", True, 200),
    "update": ("PUT", True, 200),
    "delete": ("DELETE", True, 204),
}


def controller_declarations(controller: Any, collection: str, name: str, member: str, where: Where, *,
                            override: bool = False, negotiate_version: bool = True,
                            mounts: Callable[[Template], tuple[Template, ...]] | None = None) -> list[OperationDecl]:
    """The declarations of ``controller`` mounted at ``collection`` with member segment ``member``.

    >>> [d.name for d in controller_declarations(Servers(), "/servers", "servers", "{id}", where)]
    ['servers:index', 'servers:show', 'servers:start']
    """
    collection_t = parse_template(collection)
    member_t = join(collection_t, member)
    decls: list[OperationDecl] = []
    actions: dict[str, OperationDecl] = {}
    for attr in _public_methods(type(controller)):
        handler = getattr(controller, attr)
        facts = declaration(handler) or Declaration()
        if attr in STANDARD_METHODS and (facts.action or facts.route):
            raise DeclarationError(f"{describe_handler(handler)}: {attr}() is a standard method; "
                                   "it cannot also be a custom route or action")
        action = None
        if attr in STANDARD_METHODS:
            method, on_member, default = STANDARD_METHODS[attr]
            template = member_t if on_member else collection_t
        elif facts.route is not None:
            method, path, on_member = facts.route
            default = 200
            base = member_t if on_member else collection_t
            template = join(base, path) if path else base
        elif facts.action is not None:
            if facts.action in actions:
                raise DeclarationError(f"action {facts.action!r} of {collection} is declared twice: by "
                                       f"{actions[facts.action].source} and {describe_handler(handler)}")
            method, template, default, action = "POST", join(member_t, "action"), 200, facts.action
        else:
            continue
        decl = OperationDecl(
            name=f"{name}:{attr}", method=method, template=template, handler=handler, facts=facts, owner=controller,
            source=describe_handler(handler), where=where, default_status=default, action=action,
            negotiate_version=negotiate_version if facts.negotiate_version is None else facts.negotiate_version,
            override=override, mounts=mounts(template) if mounts is not None else ())
        if action is not None:
            actions[action] = decl
        decls.append(decl)
    if not decls:
        raise DeclarationError(
            f"controller {type(controller).__qualname__} mounted at {collection} (at {where}) has no operations: "
            f"define {', '.join(STANDARD_METHODS)} or decorate methods with action/collection_action/member_action")
    return decls


def join(base: Template, tail: str) -> Template:
    return extend_template(base, tail)


def _public_methods(cls: type) -> list[str]:
    """Method names in definition order, base classes first."""
    seen: dict[str, None] = {}
    for klass in reversed(cls.__mro__):
        for attr, value in vars(klass).items():
            if not attr.startswith("_") and callable(value):
                seen[attr] = None
    return list(seen)
