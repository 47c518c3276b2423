"""Verb responders (Falcon's and Pecan's style) compiled into operations.

A responder is a class mounted at one template; each ``on_<verb>`` method
answers that verb. It returns its answer, as a controller method does:

>>> class Ping:
...     def on_get(self, req):
...         return {"ping": "pong"}
>>> api.route("/ping", Ping())
"""

from __future__ import annotations

from typing import Any

from cravat.api.declare import Declaration, declaration
from cravat.api.declared import declared_operation
from cravat.api.operation import DeclarationError, Operation
from cravat.routing.template import parse_template

RESPONDER_METHODS = {
    "on_get": "GET",
    "on_head": "HEAD",
    "on_post": "POST",
    "on_put": "PUT",
    "on_patch": "PATCH",
    "on_delete": "DELETE",
    "on_options": "OPTIONS",
}


def responder_operations(responder: Any, template_text: str, name: str) -> list[Operation]:
    """One operation per ``on_<verb>`` method of ``responder``, named ``name:<verb>``."""
    template = parse_template(template_text)
    ops = []
    for attr, method in RESPONDER_METHODS.items():
        handler = getattr(responder, attr, None)
        if handler is None:
            continue
        decl = declaration(handler) or Declaration()
        ops.append(declared_operation(f"{name}:{method.lower()}", method, template, handler, decl, 200, responder))
    if not ops:
        raise DeclarationError(f"responder {type(responder).__qualname__} mounted at {template_text} has "
                               f"no responders: define one of {', '.join(RESPONDER_METHODS)}")
    return ops
