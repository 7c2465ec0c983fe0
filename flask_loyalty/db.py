"""The extension's declarative base, column types and transaction helpers.

The extension's tables live in the host's database and are written through the host's
Flask-SQLAlchemy session, so a shop's own writes and the loyalty writes can share one
transaction. They have their own :class:`~sqlalchemy.MetaData` (the host's
``db.create_all()`` does not touch them) and every table name starts with ``loyalty_``;
``flask loyalty db upgrade`` creates and migrates them.
"""

from __future__ import annotations

import functools
import typing as t
from datetime import UTC
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.orm import Session
from sqlalchemy.orm import make_transient_to_detached

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

ONE_ROW = sa.select(sa.literal(1).label("one")).subquery("one")
"""A subquery of one row, to ``LEFT JOIN`` look-ups to: one query answers several,
each with ``NULL`` (``None``) where nothing matched."""


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
        return None if value is None else stored_utc(value)


def stored_utc(value: datetime) -> datetime:
    """A time as the database gives it back, aware UTC: naive is UTC (SQLite),
    one with an offset is converted (PostgreSQL)."""
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


def run_core(
    session: Session, model: t.Any, statement: t.Any, values: t.Any = None
) -> sa.CursorResult[t.Any]:
    """Execute the Core ``statement`` on the connection that holds ``model``'s
    table, in the session's transaction, after the session writes what it holds
    unwritten: what ``session.execute`` does for it, without the ORM's work
    around each statement (about half the Python time of a small one). The rows
    come back as rows, never as objects in the session."""
    return core_connection(session, model).execute(statement, values)


def core_connection(session: Session, model: t.Any) -> sa.Connection:
    """The connection that holds ``model``'s table, in the session's
    transaction, once the session has written what it holds unwritten (what
    :func:`run_core` executes on; its dialect says which statement to build)."""
    session.flush()
    return session.connection(bind_arguments={"mapper": sa.inspect(model)})


def one_of(column: t.Any, values: t.Iterable[t.Any]) -> sa.ColumnElement[bool]:
    """``column IN (values)`` for a few fixed values, as one equality each: a
    list bound to ``IN`` is expanded into the SQL text on every execution of the
    cached statement (a regular-expression pass over all of it), which costs more
    Python than the rest of a small statement's execution."""
    return sa.or_(*(column == value for value in values))


def dialect_of(session: Session, model: t.Any) -> str:
    """The name of the database ``model`` is stored in (``"postgresql"``...)."""
    return str(session.get_bind(mapper=model).dialect.name)


def insert_for(session: Session, model: t.Any) -> t.Any:
    """An ``INSERT`` into ``model`` with the ``ON CONFLICT`` clauses of the
    session's database (``on_conflict_do_nothing``, ``on_conflict_do_update``):
    PostgreSQL's or SQLite's, which have the same ones."""
    return core_insert(dialect_of(session, model), model)


def core_insert(dialect: str, model: t.Any) -> t.Any:
    """A Core ``INSERT`` into ``model``'s table (a model class or a table) with
    ``dialect``'s ``ON CONFLICT`` clauses. Build it once and execute it with
    parameters: a statement built per call costs more than its execution."""
    table = getattr(model, "__table__", model)
    if dialect == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)


def add_row(
    session: Session,
    model: type[T],
    values: dict[str, t.Any],
    *,
    unique: str | None = None,
) -> T | None:
    """Insert one row of ``model`` (``values``: every column but the id) and
    return its object, persistent in the session, made from ``values`` without
    reading the row back; ``None`` if the row's ``unique`` column clashed.

    One statement, ``INSERT ... ON CONFLICT (unique) DO NOTHING RETURNING id``
    (built once per database): no unique-key error, so no savepoint is needed,
    and on PostgreSQL a concurrent insert of the same key is waited for, then
    gives ``None``. An ORM ``INSERT ... RETURNING`` of the object costs about
    four times the statement in Python; this, about twice.
    """
    new_id = insert_row(session, model, values, unique=unique)
    if new_id is None:
        return None
    return attach(session, model, id=new_id, **values)


def insert_row(
    session: Session,
    model: t.Any,
    values: dict[str, t.Any],
    *,
    unique: str | None = None,
) -> int | None:
    """:func:`add_row`'s statement alone: the new row's id (``None``: its
    ``unique`` column clashed), no object in the session. For a row nothing in
    the transaction reads as an object: making one costs about half the
    statement."""
    return insert_on(core_connection(session, model), model, values, unique=unique)


def insert_on(
    connection: sa.Connection,
    model: t.Any,
    values: dict[str, t.Any],
    *,
    unique: str | None = None,
) -> int | None:
    """:func:`insert_row` on a connection already taken from the session
    (:func:`core_connection`), for a caller that writes several rows."""
    statement = _insert_returning_id(connection.dialect.name, model, unique)
    return t.cast("int | None", connection.execute(statement, values).scalar())


@functools.cache
def _insert_returning_id(dialect: str, model: t.Any, unique: str | None) -> t.Any:
    statement = core_insert(dialect, model)
    if unique is not None:
        statement = statement.on_conflict_do_nothing(index_elements=[unique])
    return statement.returning(model.__table__.c.id)


def attach(session: Session, model: type[T], **values: t.Any) -> T:
    """The object of a row just inserted that ``values`` (all its columns)
    describe, made persistent in the session without SQL; a column left out would
    be read back when used, so :func:`add_row` callers give them all.

    The values go into the new object as a query's load puts them, without the
    attribute events of its constructor (about half the time of attaching).
    An object the session still holds under the same id is of a row rolled back
    (SQLite gives its id again): it is let go."""
    instance = sa.inspect(model).class_manager.new_instance()
    instance.__dict__.update(values)
    make_transient_to_detached(instance)
    stale = session.identity_map.get(sa.inspect(instance).key)
    if stale is not None:
        session.expunge(stale)
    session.add(instance)
    return instance


def read_one(
    session: Session, model: type[T], statement: t.Any, values: t.Any = None
) -> T | None:
    """The object of the first row of ``statement``, a Core ``SELECT`` of all of
    ``model``'s columns, as a query would load it (``None``: no row): persistent
    and unmodified, at about a third of the Python time of an ORM ``SELECT`` (for a
    read on every page, such as the signed-in customer's row). An object the
    session holds under the same id is what comes back, as from a query."""
    row = run_core(session, model, statement, values).first()
    if row is None:
        return None
    values = dict(row._mapping)
    held = session.identity_map.get(
        sa.inspect(model).identity_key_from_primary_key([values["id"]])
    )
    if held is not None:
        return t.cast(T, held)
    return attach(session, model, **values)


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
