"""The extension's declarative base, column types and transaction helpers.

The extension's tables live in the host's database and are written through the host's
Flask-SQLAlchemy session, so a shop's own writes and the loyalty writes can share one
transaction. They have their own :class:`~sqlalchemy.MetaData` (the host's
``db.create_all()`` does not touch them) and every table name starts with ``loyalty_``;
``flask loyalty db upgrade`` creates and migrates them.
"""

from __future__ import annotations

import typing as t
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

TABLE_PREFIX = "loyalty_"
MAX_ID = 2**31 - 1
"""The largest id an ``Integer`` primary key holds (PostgreSQL's ``integer``): an id
in an address beyond it names nothing, and the driver would fail on it."""
T = t.TypeVar("T")


class Base(DeclarativeBase):
    """Declarative base of every loyalty model (own metadata, ``loyalty_`` tables)."""

    metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """An aware UTC datetime on every database.

    SQLite keeps no time zone, so values are stored as naive UTC and given back as
    aware UTC. Naive values are refused: they are always a bug.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: sa.Dialect) -> t.Any:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(
        self, value: datetime | None, dialect: sa.Dialect
    ) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def atomic(
    session: Session,
    work: t.Callable[[], T],
    *,
    mapper: t.Any = None,
    retries: int = 3,
) -> T:
    """Run ``work`` so that a unique-key race with a concurrent writer is retried.

    ``work`` runs in a savepoint, so a lost race undoes only its own writes. On
    SQLite it runs without one: pysqlite lets a SAVEPOINT open the transaction, and
    releasing it then commits everything, the shop's pending writes included. There
    a lost race (rare: SQLite serialises writers) rolls the session back.
    """
    nested = session.get_bind(mapper).dialect.name != "sqlite"
    for attempt in range(retries):
        try:
            if not nested:
                result = work()
                session.flush()
                return result
            with session.begin_nested():
                return work()
        except IntegrityError:
            if not nested:
                session.rollback()
            if attempt == retries - 1:
                raise
    raise AssertionError("unreachable")


def commit_unless_duplicate(session: Session) -> bool:
    """Commit; a unique-key clash means another worker or run did it first: roll
    back and return ``False``."""
    try:
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True


def after_commit(session: Session, callback: t.Callable[[], None]) -> None:
    """Run ``callback`` once the session's current transaction commits.

    Used to send signals and similar notices only for changes that were stored. If
    the transaction rolls back, the callback is dropped.
    """
    session.info.setdefault("loyalty_after_commit", []).append(callback)


@event.listens_for(Session, "after_commit")
def _run_after_commit(session: Session) -> None:
    callbacks = session.info.pop("loyalty_after_commit", [])
    for callback in callbacks:
        callback()


@event.listens_for(Session, "after_rollback")
def _drop_after_commit(session: Session) -> None:
    session.info.pop("loyalty_after_commit", None)
