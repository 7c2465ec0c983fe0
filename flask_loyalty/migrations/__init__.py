"""Alembic migrations for the extension's own tables.

They keep their own version table, ``loyalty_alembic_version``, so they never touch
the shop's migrations. Run them with ``flask loyalty db upgrade`` or
:func:`upgrade`. A shop that autogenerates its own migrations should skip the
extension's tables with :func:`skip_loyalty_tables` as Alembic's
``include_name``.
"""

from __future__ import annotations

import typing as t
from importlib.resources import files

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from ..db import TABLE_PREFIX

VERSION_TABLE = "loyalty_alembic_version"


def is_loyalty_table(name: str | None, type_: str, parent_names: t.Any = None) -> bool:
    """Whether a table belongs to the extension (for Alembic ``include_name``)."""
    return type_ != "table" or bool(name and name.startswith(TABLE_PREFIX))


def skip_loyalty_tables(
    name: str | None, type_: str, parent_names: t.Any = None
) -> bool:
    """For the shop's own Alembic ``include_name``: leave the loyalty tables out."""
    return type_ != "table" or not (name and name.startswith(TABLE_PREFIX))


def alembic_config(connection: sa.Connection) -> Config:
    """An Alembic config that runs the extension's scripts on ``connection``."""
    config = Config()
    config.set_main_option(
        "script_location", str(files("flask_loyalty") / "migrations")
    )
    config.attributes["connection"] = connection
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Apply the migrations up to ``revision`` (default: the newest)."""
    with engine.begin() as connection:
        command.upgrade(alembic_config(connection), revision)


def downgrade(engine: sa.Engine, revision: str) -> None:
    """Undo the migrations down to ``revision`` (``"base"`` removes every table)."""
    with engine.begin() as connection:
        command.downgrade(alembic_config(connection), revision)


def current_revision(engine: sa.Engine) -> str | None:
    """The revision the database is at, or ``None`` before the first upgrade."""
    with engine.connect() as connection:
        context = MigrationContext.configure(
            connection, opts={"version_table": VERSION_TABLE}
        )
        return context.get_current_revision()
