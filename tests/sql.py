"""What tests see of the SQL a piece of work sends."""

from __future__ import annotations

import contextlib
import typing as t

import sqlalchemy as sa


@contextlib.contextmanager
def sent_statements(engine: sa.Engine) -> t.Iterator[list[str]]:
    """The SQL statements sent to ``engine`` inside the block, in order, each on
    one line (``BEGIN`` and ``COMMIT`` are not statements of a cursor)."""
    sent: list[str] = []

    def record(*args: t.Any) -> None:
        sent.append(" ".join(args[2].split()))

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
