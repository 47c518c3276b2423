"""Storing and reading secret payloads through the crypto plugin (placeholder; lands with secrets)."""
