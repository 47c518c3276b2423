"""Functional tests: cravat APIs served over a real HTTP server on 127.0.0.1."""
