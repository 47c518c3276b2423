"""A small widgets API and extensions of it, installed for cravat's tests through entry points."""
