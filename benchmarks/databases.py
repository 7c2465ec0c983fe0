"""The PostgreSQL database a benchmark measures on beside SQLite: a schema of its
own on ``LOYALTY_TEST_POSTGRES_URL`` (or the default local server), dropped after."""

from __future__ import annotations

import os
import typing as t
import uuid

import sqlalchemy as sa

POSTGRES_URL = os.environ.get(
    "LOYALTY_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


def postgres_database() -> tuple[str, t.Callable[[], None]] | None:
    try:
        admin = sa.create_engine(POSTGRES_URL)
        with admin.begin() as connection:
            schema = f"bench_{uuid.uuid4().hex[:10]}"
            connection.execute(sa.text(f'CREATE SCHEMA "{schema}"'))
    except Exception:  # noqa: BLE001 - no server: SQLite only
        return None
    url = sa.make_url(POSTGRES_URL).update_query_dict(
        {"options": f"-csearch_path={schema}"}
    )

    def drop() -> None:
        with admin.begin() as connection:
            connection.execute(sa.text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()

    return url.render_as_string(hide_password=False), drop
