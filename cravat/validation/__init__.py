"""Validation: compiled request and response schema validators, and their error messages."""

from cravat.validation.schemas import open_objects
from cravat.validation.validators import SchemaError, compile_schema, request_validator

__all__ = ["SchemaError", "compile_schema", "open_objects", "request_validator"]
