"""Counting who bought what together: one statement per recorded order, and a
rebuild from all orders by ``flask loyalty run-due``.

Both count the same thing, so after any mix of the two the table equals a
rebuild: for each pair of products, the customers who bought both (in one order
or across orders), each customer once. A new order adds one to the product rows
of the SKUs she had never bought, to the pairs those SKUs make with everything
she has bought, and to :data:`~.models.EVERYONE` if it is her first order with
items. The order in which orders are recorded does not matter.

Two orders of the same customer recorded at the same moment can both count a
SKU new to her; the rebuild, done once a day by the worker and on every
``flask loyalty run-due``, puts that right. On PostgreSQL the rebuild locks the
table against those updates, which wait for it (a second or so for thousands of
customers).
"""

from __future__ import annotations

import functools
import time
import typing as t
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from ..db import core_connection
from ..db import core_insert
from ..db import dialect_of
from ..orders.models import Order
from ..orders.models import OrderItem
from .models import EVERYONE
from .models import CoPurchase

if t.TYPE_CHECKING:
    from ..state import LoyaltyState

REBUILD_EVERY = timedelta(days=1)
"""How often the worker rebuilds the counts (``run-due`` always does)."""
BATCH = 500
"""Customers counted per statement of the rebuild (a step of its progress bar)."""
LOCK_RETRIES = 5
"""Tries of a rebuild that finds SQLite locked by another writer."""

_TABLE = CoPurchase.__table__
_LOCK = f"LOCK TABLE {_TABLE.name} IN SHARE ROW EXCLUSIVE MODE"
_KEY = ["sku_a", "sku_b"]


def count_order(session: Session, order_id: int, customer_id: int) -> None:
    """Add the order ``order_id`` (just inserted, with its items) of customer
    ``customer_id`` to the counts, in one ``INSERT ... SELECT ... ON CONFLICT DO
    UPDATE`` that reads her items and the order's. Call it once per new order."""
    connection = core_connection(session, CoPurchase)
    connection.execute(
        _count_statement(connection.dialect.name),
        {"order_id": order_id, "customer_id": customer_id},
    )


@functools.cache
def _count_statement(dialect: str) -> t.Any:
    # Each SKU she has bought, fresh (1) when this order is the only one with it.
    her = (
        sa.select(
            OrderItem.sku,
            sa.func.min(
                sa.case((OrderItem.order_id == sa.bindparam("order_id"), 1), else_=0)
            ).label("fresh"),
        )
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.customer_id == sa.bindparam("customer_id"))
        .group_by(OrderItem.sku)
        .cte("her")
    )
    # Each pair with a fresh SKU, once: the fresh one first or the old one
    # first. Nested loops over fresh SKUs times hers, not hers squared.
    new, old = her.alias("new"), her.alias("old")
    fresh_first = (
        sa.select(new.c.sku, old.c.sku, sa.literal(1))
        .select_from(new.join(old, new.c.sku <= old.c.sku))
        .where(new.c.fresh == 1)
    )
    old_first = (
        sa.select(old.c.sku, new.c.sku, sa.literal(1))
        .select_from(old.join(new, old.c.sku < new.c.sku))
        .where(new.c.fresh == 1, old.c.fresh == 0)
    )
    first_buy = sa.select(
        sa.literal(EVERYONE), sa.literal(EVERYONE), sa.literal(1)
    ).where(
        sa.exists(sa.select(her.c.sku)),
        ~sa.exists(sa.select(her.c.sku).where(her.c.fresh == 0)),
    )
    # In key order, so that two orders at once on PostgreSQL lock rows alike.
    rows = sa.union_all(fresh_first, old_first, first_buy).order_by(sa.text("1, 2"))
    statement = core_insert(dialect, CoPurchase).from_select(
        ["sku_a", "sku_b", "customers"], rows
    )
    return statement.on_conflict_do_update(
        index_elements=_KEY, set_={"customers": _TABLE.c.customers + 1}
    )


_BUYERS = (
    sa.select(Order.customer_id)
    .where(sa.exists().where(OrderItem.order_id == Order.id))
    .distinct()
)


def count_buyers(session: Session) -> int:
    """How many customers have an order with items (what a rebuild counts)."""
    return int(
        session.scalar(sa.select(sa.func.count()).select_from(_BUYERS.subquery())) or 0
    )


def rebuild(session: Session, progress: t.Callable[[int], None] | None = None) -> int:
    """Count every recorded order anew, replacing the counts, in the session's
    transaction (the caller commits); return how many customers were counted.
    ``progress(n)`` is called after each batch of ``n`` customers."""
    dialect = dialect_of(session, CoPurchase)
    if dialect == "postgresql":
        # record_order's updates wait: none is lost or counted twice.
        session.execute(
            sa.text(f"LOCK TABLE {_TABLE.name} IN SHARE ROW EXCLUSIVE MODE")
        )
    session.execute(sa.delete(CoPurchase))
    buyers = list(session.scalars(_BUYERS.order_by(Order.customer_id)))
    statement = _rebuild_statement(dialect)
    for start in range(0, len(buyers), BATCH):
        batch = buyers[start : start + BATCH]
        session.execute(statement, {"low": batch[0], "high": batch[-1]})
        if progress is not None:
            progress(len(batch))
    return len(buyers)


@functools.cache
def _rebuild_statement(dialect: str) -> t.Any:
    bought = (
        sa.select(Order.customer_id, OrderItem.sku)
        .join(Order, Order.id == OrderItem.order_id)
        .where(Order.customer_id.between(sa.bindparam("low"), sa.bindparam("high")))
        .distinct()
        .cte("bought")
    )
    x, y = bought.alias("x"), bought.alias("y")
    pairs = (
        sa.select(x.c.sku, y.c.sku, sa.func.count())
        .select_from(
            x.join(y, sa.and_(x.c.customer_id == y.c.customer_id, x.c.sku <= y.c.sku))
        )
        .where(sa.true())
        .group_by(x.c.sku, y.c.sku)
    )
    everyone = sa.select(
        sa.literal(EVERYONE),
        sa.literal(EVERYONE),
        sa.func.count(sa.distinct(bought.c.customer_id)),
    ).having(sa.func.count() > 0)
    statement = core_insert(dialect, CoPurchase).from_select(
        ["sku_a", "sku_b", "customers"], sa.union_all(pairs, everyone)
    )
    return statement.on_conflict_do_update(
        index_elements=_KEY,
        set_={"customers": _TABLE.c.customers + statement.excluded.customers},
    )


class RebuildWhenDue:
    """The due task: rebuild on the first run in a process (so on every
    ``flask loyalty run-due``), then once per :data:`REBUILD_EVERY` (the
    worker)."""

    def __init__(self) -> None:
        self.last: datetime | None = None

    def __call__(
        self, state: LoyaltyState, progress: t.Callable[[int], None] | None
    ) -> int:
        now = state.now()
        if self.last is not None and now - self.last < REBUILD_EVERY:
            return 0
        for attempt in range(LOCK_RETRIES):
            try:
                counted = rebuild(state.session, progress)
                state.session.commit()
            except OperationalError as error:
                # SQLite: another worker writes for longer than its busy timeout.
                state.session.rollback()
                if "locked" not in str(error) or attempt == LOCK_RETRIES - 1:
                    raise
                time.sleep(0.2 * (attempt + 1))
            else:
                self.last = now
                return counted
        raise AssertionError("unreachable")  # pragma: no cover

    def count(self, state: LoyaltyState) -> int:
        """Customers to count now, for the progress bar (0 when not due)."""
        if self.last is not None and state.now() - self.last < REBUILD_EVERY:
            return 0
        return count_buyers(state.session)
