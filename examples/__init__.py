"""Example services built on cravat's public surface."""
