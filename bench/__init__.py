"""Benchmarks of cravat beside the frameworks it replaces."""
