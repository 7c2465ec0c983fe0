"""The points ledger: append-only entries, each with an idempotency key, and a
cached balance per customer kept in the same transaction.

Adding points inserts an entry and adds to the cache. Taking points (a redemption)
first runs ``UPDATE ... SET balance = balance - n WHERE balance >= n``: on
PostgreSQL the row lock makes concurrent redemptions wait their turn, on SQLite the
database write lock does, so the balance never goes below zero through a
redemption. :func:`check_balances` compares the cache with the ledger.
"""

from __future__ import annotations

import functools
import typing as t
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..db import add_row
from ..db import attach
from ..db import core_insert
from ..db import dialect_of
from ..db import insert_for
from ..db import run_core
from .models import PointsAccount
from .models import PointsEntry


def ensure_account(session: Session, customer_id: int) -> None:
    """Create her balance row if it does not exist yet (race-free)."""
    session.execute(
        insert_for(session, PointsAccount)
        .values(customer_id=customer_id, balance=0)
        .on_conflict_do_nothing(index_elements=["customer_id"])
    )


def find_entry(session: Session, key: str) -> PointsEntry | None:
    """The entry with this idempotency key, if it was made."""
    return session.scalar(sa.select(PointsEntry).where(PointsEntry.key == key))


def balance(session: Session, customer_id: int) -> int:
    """Her cached balance (0 without an account)."""
    value = session.scalar(
        sa.select(PointsAccount.balance).where(PointsAccount.customer_id == customer_id)
    )
    return int(value or 0)


def ledger_balance(session: Session, customer_id: int) -> int:
    """Her balance as the sum of her entries."""
    return int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0)).where(
                PointsEntry.customer_id == customer_id
            )
        )
        or 0
    )


def take(session: Session, customer_id: int, points: int) -> bool:
    """Take ``points`` off her cached balance if she has that many; say whether."""
    ensure_account(session, customer_id)
    result = session.execute(
        sa.update(PointsAccount)
        .where(
            PointsAccount.customer_id == customer_id,
            PointsAccount.balance >= points,
        )
        .values(balance=PointsAccount.balance - points)
        .execution_options(synchronize_session=False)
    )
    return t.cast(int, result.rowcount) == 1  # type: ignore[attr-defined]


def post(
    session: Session,
    now: datetime,
    *,
    customer_id: int,
    kind: str,
    points: int,
    key: str,
    order_id: int | None = None,
    code_id: int | None = None,
    note: str | None = None,
    actor: str | None = None,
    taken: bool = False,
) -> PointsEntry | None:
    """Append an entry and move the cached balance with it; ``None`` if ``key``
    was posted before (the call changes nothing).

    Two statements: the entry's ``INSERT ... ON CONFLICT (key) DO NOTHING
    RETURNING`` (no row back: posted before, by this call's earlier run or by a
    concurrent one, which PostgreSQL waits for), then the balance's upsert.
    ``taken=True`` means the points were already taken off the cache by
    :func:`take` (a redemption): a ``key`` posted before then raises
    ``IntegrityError``, so the caller's rollback gives the points back.
    """
    if points == 0:
        return None
    values = {
        "key": key,
        "customer_id": customer_id,
        "kind": kind,
        "points": points,
        "order_id": order_id,
        "code_id": code_id,
        "note": note,
        "actor": actor,
        "created_at": now,
    }
    if taken:
        return add_row(session, PointsEntry, values)
    dialect = dialect_of(session, PointsEntry)
    if dialect == "postgresql":  # one round trip for both
        new_id = run_core(session, PointsEntry, _entry_and_balance(), values).scalar()
        return (
            None
            if new_id is None
            else attach(session, PointsEntry, id=new_id, **values)
        )
    entry = add_row(session, PointsEntry, values, unique="key")
    if entry is not None:  # one statement: create her row or add to it
        run_core(
            session,
            PointsAccount,
            _add_to_balance(dialect),
            {"customer_id": customer_id, "points": points},
        )
    return entry


@functools.cache
def _add_to_balance(dialect: str) -> t.Any:
    upsert = core_insert(dialect, PointsAccount).values(
        customer_id=sa.bindparam("customer_id"), balance=sa.bindparam("points")
    )
    return upsert.on_conflict_do_update(
        index_elements=["customer_id"],
        set_={"balance": PointsAccount.balance + upsert.excluded.balance},
    )


@functools.cache
def _entry_and_balance() -> t.Any:
    """PostgreSQL's ``WITH entry AS (INSERT ... ON CONFLICT (key) DO NOTHING
    RETURNING ...) INSERT INTO accounts SELECT ... FROM entry ON CONFLICT DO
    UPDATE ... RETURNING (SELECT id FROM entry)``: the entry's id, or no row when
    its key was posted before (then the balance is left alone too)."""
    entries = PointsEntry.__table__
    entry = (
        core_insert("postgresql", entries)
        .values({column: sa.bindparam(column) for column in _ENTRY_COLUMNS})
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(entries.c.id, entries.c.customer_id, entries.c.points)
        .cte("entry")
    )
    upsert = core_insert("postgresql", PointsAccount).from_select(
        ["customer_id", "balance"], sa.select(entry.c.customer_id, entry.c.points)
    )
    return upsert.on_conflict_do_update(
        index_elements=["customer_id"],
        set_={"balance": PointsAccount.balance + upsert.excluded.balance},
    ).returning(sa.select(entry.c.id).scalar_subquery())


_ENTRY_COLUMNS = (
    "key",
    "customer_id",
    "kind",
    "points",
    "order_id",
    "code_id",
    "note",
    "actor",
    "created_at",
)


def check_balances(session: Session) -> list[tuple[int, int, int]]:
    """Every customer whose cached balance differs from her ledger:
    ``[(customer_id, cached, ledger)]``; empty when all agree."""
    sums = (
        sa.select(
            PointsEntry.customer_id.label("customer_id"),
            sa.func.sum(PointsEntry.points).label("total"),
        )
        .group_by(PointsEntry.customer_id)
        .subquery()
    )
    cached = sa.select(
        PointsAccount.customer_id,
        PointsAccount.balance,
        sa.func.coalesce(sums.c.total, 0),
    ).outerjoin(sums, sums.c.customer_id == PointsAccount.customer_id)
    orphans = sa.select(sums.c.customer_id, sa.literal(0), sums.c.total).where(
        ~sa.exists().where(PointsAccount.customer_id == sums.c.customer_id)
    )
    rows = session.execute(cached).all() + session.execute(orphans).all()
    return [(int(c), int(a), int(b)) for c, a, b in rows if int(a) != int(b)]


def history(
    session: Session, customer_id: int, *, page: int, size: int
) -> tuple[list[PointsEntry], bool]:
    """A page of her entries, newest first, and whether an older page exists."""
    rows = session.scalars(
        sa.select(PointsEntry)
        .where(PointsEntry.customer_id == customer_id)
        .order_by(PointsEntry.id.desc())
        .offset((page - 1) * size)
        .limit(size + 1)
    ).all()
    return list(rows[:size]), len(rows) > size
