"""The real clients against the key manager (a package, so its conftest does not shadow the parent's)."""
