"""Verb responders (Falcon's and Pecan's style), read into declarations.

A responder is a class mounted at one template; each ``on_<verb>`` method
answers that verb. It returns its answer, as a controller method does:

>>> class Ping:
...     def on_get(self, req):
...         return {"ping": "pong"}
>>> api.route("/ping", Ping())
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from cravat.api.binding import describe_handler
from cravat.api.declarations import DeclarationError, OperationDecl, Where
from cravat.api.declare import Declaration, declaration
from cravat.routing.template import Template, parse_template

RESPONDER_METHODS = {
    "on_get": "GET",
    "on_head": "HEAD",
    "on_post": "POST",
    "on_put": "PUT",
    "on_patch": "PATCH",
    "on_delete": "DELETE",
    "on_options": "OPTIONS",
}


def responder_declarations(responder: Any, template_text: str, name: str, where: Where, *,
                           override: bool = False, negotiate_version: bool = True,
                           mounts: Callable[[Template], tuple[Template, ...]] | None = None) -> list[OperationDecl]:
    """One declaration per ``on_<verb>`` method of ``responder``, named ``name:<verb>``."""
    template = parse_template(template_text)
    mounted = mounts(template) if mounts is not None else ()
    decls = []
    for attr, method in RESPONDER_METHODS.items():
        handler = getattr(responder, attr, None)
        if handler is None:
            continue
        facts = declaration(handler) or Declaration()
        decls.append(OperationDecl(
            name=f"{name}:{method.lower()}", method=method, template=template, handler=handler, facts=facts,
            owner=responder, source=describe_handler(handler), where=where,
            negotiate_version=negotiate_version if facts.negotiate_version is None else facts.negotiate_version,
            override=override, mounts=mounted))
    if not decls:
        raise DeclarationError(f"responder {type(responder).__qualname__} mounted at {template_text} (at {where}) "
                               f"has no responders: define one of {', '.join(RESPONDER_METHODS)}")
    return decls
