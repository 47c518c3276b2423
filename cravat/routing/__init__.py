"""Routing: path templates, the compiled router and its verb maps, URL building."""

from cravat.routing.router import Route, RouteConflict, Router, allowed_methods
from cravat.routing.template import Template, TemplateError, parse_template
from cravat.routing.urls import URLBuilder

__all__ = [
    "Route",
    "RouteConflict",
    "Router",
    "Template",
    "TemplateError",
    "URLBuilder",
    "allowed_methods",
    "parse_template",
]
