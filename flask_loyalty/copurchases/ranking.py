"""Reading the counts: pairs ranked by lift, with a minimum support.

For products a and b, with n(a) customers who bought a, n(a, b) who bought both
and N who bought anything: support is n(a, b) (customers, never a share, so the
owner can judge it) and lift = P(a, b) / (P(a) P(b)) = n(a, b) N / (n(a) n(b)),
how many times more often the two go together than if customers picked them
independently. Pairs below the minimum support are noise in a small shop; pairs
with lift 1 or less go together no more than chance, and are left out.
"""

from __future__ import annotations

import functools
import typing as t
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased

from ..db import run_core
from .models import EVERYONE
from .models import CoPurchase


@dataclass(frozen=True)
class Pair:
    """Two products bought by the same ``customers``, ``lift`` times as often as
    chance would have it."""

    sku_a: str
    sku_b: str
    customers: int
    lift: float


_A = aliased(CoPurchase, name="a")
_B = aliased(CoPurchase, name="b")
_EVERYONE = (
    sa.select(CoPurchase.customers)
    .where(CoPurchase.sku_a == EVERYONE, CoPurchase.sku_b == EVERYONE)
    .scalar_subquery()
)
_LIFT = (
    sa.cast(CoPurchase.customers, sa.Float)
    * _EVERYONE
    / (sa.cast(_A.customers, sa.Float) * _B.customers)
)
_PAIRS = (
    sa.select(CoPurchase.sku_a, CoPurchase.sku_b, CoPurchase.customers, _LIFT)
    .join(_A, sa.and_(_A.sku_a == CoPurchase.sku_a, _A.sku_b == CoPurchase.sku_a))
    .join(_B, sa.and_(_B.sku_a == CoPurchase.sku_b, _B.sku_b == CoPurchase.sku_b))
    .where(
        CoPurchase.sku_a < CoPurchase.sku_b,
        CoPurchase.customers >= sa.bindparam("least"),
        _LIFT > 1,
    )
)


_WANTED = sa.bindparam("skus", expanding=True)
_PAIRS_WITH = _PAIRS.where(
    sa.or_(CoPurchase.sku_a.in_(_WANTED), CoPurchase.sku_b.in_(_WANTED))
)
"""The pairs with any of ``skus``: built once (a statement built per order costs
about as much as running it)."""
FEW = 8
"""Up to this many SKUs, the pairs' statement has one plain parameter per SKU
(:func:`_pairs_with`): an expanding ``IN`` is rewritten into the SQL on every
execution, which cost about a third of the read."""


@functools.cache
def _pairs_with(count: int) -> sa.Select[t.Any]:
    wanted = [sa.bindparam(f"sku_{n}") for n in range(count)]
    return _PAIRS.where(
        sa.or_(CoPurchase.sku_a.in_(wanted), CoPurchase.sku_b.in_(wanted))
    )


def top_pairs(
    session: Session, least: int, *, offset: int = 0, limit: int = 50
) -> list[Pair]:
    """The pairs bought by at least ``least`` customers, highest lift first (then
    most customers)."""
    rows = session.execute(
        _PAIRS.order_by(
            _LIFT.desc(),
            CoPurchase.customers.desc(),
            CoPurchase.sku_a,
            CoPurchase.sku_b,
        )
        .offset(offset)
        .limit(limit),
        {"least": least},
    )
    return [Pair(*row) for row in rows]


def bought_with(session: Session, skus: t.Collection[str], least: int) -> list[Pair]:
    """The pairs of each of ``skus`` with another product, bought by at least
    ``least`` customers, best first: highest lift, then most customers. In each,
    ``sku_a`` is the one of ``skus`` and ``sku_b`` the other (the best pair of
    each other product only)."""
    if not skus:
        return []
    if len(skus) <= FEW:
        values = {f"sku_{n}": sku for n, sku in enumerate(sorted(skus))}
        rows = run_core(
            session, CoPurchase, _pairs_with(len(skus)), {"least": least, **values}
        )
    else:
        rows = run_core(
            session, CoPurchase, _PAIRS_WITH, {"least": least, "skus": sorted(skus)}
        )
    best: dict[str, Pair] = {}
    for a, b, customers, lift in rows:
        anchor, other = (a, b) if a in skus else (b, a)
        pair = Pair(anchor, other, customers, lift)
        found = best.get(other)
        if found is None or _rank(pair) < _rank(found):
            best[other] = pair
    return sorted(best.values(), key=_rank)


def _rank(pair: Pair) -> tuple[float, int, str, str]:
    return (-pair.lift, -pair.customers, pair.sku_b, pair.sku_a)


def buyers(session: Session) -> int:
    """How many customers bought anything (N)."""
    return int(session.scalar(sa.select(_EVERYONE)) or 0)


def pair_count(session: Session, least: int) -> int:
    """How many pairs :func:`top_pairs` has in all."""
    return int(
        session.scalar(
            sa.select(sa.func.count()).select_from(_PAIRS.subquery()),
            {"least": least},
        )
        or 0
    )
