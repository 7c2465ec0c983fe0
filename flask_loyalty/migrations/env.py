"""Alembic environment: runs on the connection handed in by flask_loyalty.migrations."""

from __future__ import annotations

from alembic import context

import flask_loyalty.models  # noqa: F401  (registers every model on Base.metadata)
from flask_loyalty.db import Base
from flask_loyalty.migrations import VERSION_TABLE
from flask_loyalty.migrations import is_loyalty_table

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    version_table=VERSION_TABLE,
    include_name=is_loyalty_table,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
