"""``record_order``'s first query: the order by its id, her customer rows, the
order hooks' gates and what the hooks read, in one statement.

A hook with nothing to do unless the database holds something registers a gate
(an SQL condition); a hook that reads something for every order registers an
:class:`OrderRead` (SQL columns, and the tables they come from), so that a new
order asks the database once instead of once per hook: on PostgreSQL each
statement is a round trip.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from ..customers.models import Customer
from ..customers.service import her_rows
from ..db import ONE_ROW
from .models import Order


@dataclass(frozen=True)
class OrderRead:
    """What an order hook reads in ``record_order``'s first query, for a new
    order. Build it once, at import (a statement's cache key is costly to make).

    ``columns`` are labelled SQL expressions (labels the hook's own, to be told
    apart from other hooks'); they may use the columns of her customer row
    (:class:`~flask_loyalty.customers.models.Customer`, ``NULL`` for a customer
    new with the order), the bind parameter ``now`` and those of ``params``.
    ``joins`` are ``(table, on clause)`` pairs outer-joined to the query, with no
    reference to her row; each row they match repeats her rows, so they should
    match a few rows at most. ``params(placed_at, currency)``, given the order's
    time (aware UTC) and currency, returns the values of the bind parameters of
    ``columns`` beyond ``now`` (named after the hook, too).

    The hook gets the rows with :func:`first_rows`.
    """

    columns: tuple[sa.ColumnElement[t.Any], ...]
    joins: tuple[tuple[t.Any, sa.ColumnElement[bool]], ...] = ()
    params: t.Callable[[datetime, str], dict[str, t.Any]] | None = None


_LOOK_UPS: dict[t.Any, sa.Select[t.Any]] = {}


def look_up(
    login: bool,
    gates: tuple[sa.ColumnElement[bool], ...],
    reads: tuple[OrderRead, ...] = (),
) -> sa.Select[t.Any]:
    """The order with this ``reference``, her customer rows, the hooks' gates
    (from the third column on) and the columns of ``reads`` (after the gates),
    in one query; built once per kind."""
    key = (login, gates, reads)  # the objects themselves: an id could come back
    if key not in _LOOK_UPS:
        query = (
            sa.select(Order, Customer, *gates)
            .add_columns(*(column for read in reads for column in read.columns))
            .select_from(ONE_ROW)
            .outerjoin(Order, Order.reference == sa.bindparam("reference"))
            .outerjoin(
                Customer,
                her_rows(
                    sa.bindparam("email"), sa.bindparam("login") if login else None
                ),
            )
        )
        for read in reads:
            for table, on in read.joins:
                query = query.outerjoin(table, on)
        _LOOK_UPS[key] = query
    return _LOOK_UPS[key]


def read_params(
    reads: t.Sequence[OrderRead], placed_at: datetime, currency: str
) -> dict[str, t.Any]:
    """The values of the bind parameters of ``reads`` for an order."""
    values: dict[str, t.Any] = {}
    for read in reads:
        if read.params is not None:
            values.update(read.params(placed_at, currency))
    return values


_FIRST_ROWS = "loyalty_first_rows"


def keep_rows(
    order: Order,
    reads: t.Sequence[OrderRead],
    rows: t.Sequence[sa.Row[t.Any]],
    customer: Customer,
    new_customer: bool,
) -> None:
    """Keep the first query's rows of her customer row with ``order`` for the
    hooks that asked ``reads``: all rows if she is new with it (none is hers);
    nothing if her row was not among them (a concurrent first order of hers
    inserted it since), and the hooks read for themselves."""
    if not reads:
        return
    hers = [row for row in rows if row[1] is customer]
    if hers or new_customer:
        sa.inspect(order).info[_FIRST_ROWS] = (frozenset(reads), hers or rows)


def first_rows(order: Order, read: OrderRead) -> t.Sequence[sa.Row[t.Any]] | None:
    """The rows of ``record_order``'s first query with the columns of ``read``,
    for her customer row (each row of the ``joins`` repeats it); ``None`` unless
    ``order`` was just recorded with ``read`` asked."""
    kept = sa.inspect(order).info.get(_FIRST_ROWS)
    if kept is None or read not in kept[0]:
        return None
    return t.cast(t.Sequence[sa.Row[t.Any]], kept[1])
