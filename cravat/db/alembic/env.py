"""Alembic's environment for every cravat service: the database comes from ``cravat db``."""

from alembic import context

from cravat.db.migrations import run_environment

run_environment(context)
