"""Validation: compiled request and response schema validators, and their error messages."""

from cravat.validation.query import coerce_text, query_coercer
from cravat.validation.schemas import open_objects
from cravat.validation.validators import DEFAULT_FORMATS, SchemaCompiler, SchemaError, describe

__all__ = ["DEFAULT_FORMATS", "SchemaCompiler", "SchemaError", "coerce_text", "describe", "open_objects",
           "query_coercer"]
