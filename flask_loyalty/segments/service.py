"""Customer segments, computed in SQL from recorded orders.

One ``GROUP BY`` over the orders gives each buyer's orders and spend in the last 12
months and her last order; a window function ranks buyers by 12-month spend. The
segments are conditions on those figures (a buyer can be in several):

- regular heavy / regular light / rare heavy / rare light: buyers of the last 12
  months, regular with at least ``regular_orders`` orders, heavy with a spend of
  at least ``heavy_spend_cents``;
- former: no order in ``former_months`` months;
- first-time: exactly one order ever, and not a former buyer;
- top 20% and next 40%: by 12-month spend, among buyers of the last 12 months.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..customers.models import Customer
from ..errors import InvalidSegment
from ..i18n import _
from ..i18n import lazy_gettext
from ..newsletter.models import Subscriber
from ..orders.models import Order
from ..points.program import add_months
from .models import CampaignSegment
from .models import SegmentSettings

SEGMENTS: dict[str, t.Any] = {
    "regular_heavy": lazy_gettext("Regular heavy buyers"),
    "regular_light": lazy_gettext("Regular light buyers"),
    "rare_heavy": lazy_gettext("Rare heavy buyers"),
    "rare_light": lazy_gettext("Rare light buyers"),
    "first_time": lazy_gettext("First-time buyers"),
    "former": lazy_gettext("Former buyers"),
    "top_20": lazy_gettext("Top 20% by 12-month spend"),
    "next_40": lazy_gettext("The next 40% by 12-month spend"),
}
"""Segment key -> label, in the order the owner sees them."""


@dataclass(frozen=True)
class Thresholds:
    regular_orders: int = 3
    heavy_spend_cents: int = 20_000
    former_months: int = 12


def load_thresholds(session: Session) -> Thresholds:
    row = session.scalar(sa.select(SegmentSettings).order_by(SegmentSettings.id))
    if row is None:
        return Thresholds()
    return Thresholds(row.regular_orders, row.heavy_spend_cents, row.former_months)


def save_thresholds(session: Session, now: datetime, values: Thresholds) -> None:
    """Store the owner's thresholds.

    :raises InvalidSegment: a threshold that cannot work.
    """
    if not 2 <= values.regular_orders <= 1000:
        raise InvalidSegment(_("A regular buyer needs 2 to 1,000 orders a year."))
    if not 0 < values.heavy_spend_cents <= 10**12:
        raise InvalidSegment(_("The spend of a heavy buyer must be above zero."))
    if not 1 <= values.former_months <= 120:
        raise InvalidSegment(_("Former buyers: give 1 to 120 months."))
    row = session.scalar(sa.select(SegmentSettings).order_by(SegmentSettings.id))
    if row is None:
        row = SegmentSettings()
        session.add(row)
    row.regular_orders = values.regular_orders
    row.heavy_spend_cents = values.heavy_spend_cents
    row.former_months = values.former_months
    row.updated_at = now


RANKED = ("top_20", "next_40")
"""Segments by rank of 12-month spend (the others are conditions on one buyer)."""


def grouped(now: datetime) -> sa.Subquery:
    """Per buyer, one ``GROUP BY`` over the orders: ``cid``, ``orders_all``,
    ``orders_12m``, ``spend_12m``, ``last_at``."""
    recent = Order.placed_at >= add_months(now, -12)
    return (
        sa.select(
            Order.customer_id.label("cid"),
            sa.func.count(Order.id).label("orders_all"),
            sa.func.sum(sa.case((recent, 1), else_=0)).label("orders_12m"),
            sa.func.sum(sa.case((recent, Order.total_cents), else_=0)).label(
                "spend_12m"
            ),
            sa.func.max(Order.placed_at).label("last_at"),
        )
        .group_by(Order.customer_id)
        .subquery("grouped")
    )


def stats(now: datetime, thresholds: Thresholds) -> sa.Subquery:
    """:func:`grouped`, with ``rn`` / ``n``: her rank by 12-month spend among the
    ``n`` buyers of the last 12 months (ties by customer id)."""
    g = grouped(now)
    buyer = g.c.orders_12m > 0
    return sa.select(
        g,
        sa.func.row_number()
        .over(order_by=(sa.case((buyer, 0), else_=1), g.c.spend_12m.desc(), g.c.cid))
        .label("rn"),
        sa.func.sum(sa.case((buyer, 1), else_=0)).over().label("n"),
    ).subquery("stats")


def _source(now: datetime, segment: str, thresholds: Thresholds) -> sa.Subquery:
    return stats(now, thresholds) if segment in RANKED else grouped(now)


def ranked_sizes(buyers: int) -> dict[str, int]:
    """How many of ``buyers`` are in the top 20% and the next 40% (rounded up)."""
    top = (buyers * 20 + 99) // 100
    return {"top_20": top, "next_40": (buyers * 60 + 99) // 100 - top}


def condition(
    s: t.Any, segment: str, now: datetime, thresholds: Thresholds
) -> sa.ColumnElement[bool]:
    """The SQL condition of ``segment`` over :func:`stats` columns ``s``.

    :raises InvalidSegment: an unknown segment.
    """
    former_cutoff = add_months(now, -thresholds.former_months)
    regular = s.orders_12m >= thresholds.regular_orders
    rare = sa.and_(s.orders_12m >= 1, s.orders_12m < thresholds.regular_orders)
    heavy = s.spend_12m >= thresholds.heavy_spend_cents
    light = sa.and_(s.orders_12m >= 1, s.spend_12m < thresholds.heavy_spend_cents)
    if segment in RANKED:
        ranked = s.orders_12m > 0
        if segment == "top_20":
            return sa.and_(ranked, s.rn * 100 <= s.n * 20 + 99)
        return sa.and_(ranked, s.rn * 100 > s.n * 20 + 99, s.rn * 100 <= s.n * 60 + 99)
    conditions = {
        "regular_heavy": sa.and_(regular, heavy),
        "regular_light": sa.and_(regular, light),
        "rare_heavy": sa.and_(rare, heavy),
        "rare_light": sa.and_(rare, light),
        "former": s.last_at < former_cutoff,
        "first_time": sa.and_(s.orders_all == 1, s.last_at >= former_cutoff),
    }
    if segment not in conditions:
        raise InvalidSegment(_("There is no segment %(name)s.", name=repr(segment)))
    return conditions[segment]


def sizes(
    session: Session, now: datetime, thresholds: Thresholds | None = None
) -> dict[str, int]:
    """How many customers each segment has, in one ``GROUP BY`` query (the ranked
    segments' sizes follow from the number of buyers)."""
    thresholds = thresholds or load_thresholds(session)
    g = grouped(now).c
    plain = [key for key in SEGMENTS if key not in RANKED]
    row = session.execute(
        sa.select(
            *(
                sa.func.coalesce(
                    sa.func.sum(
                        sa.case((condition(g, key, now, thresholds), 1), else_=0)
                    ),
                    0,
                ).label(key)
                for key in plain
            ),
            sa.func.coalesce(
                sa.func.sum(sa.case((g.orders_12m > 0, 1), else_=0)), 0
            ).label("buyers"),
        )
    ).one()
    result = {key: int(getattr(row, key)) for key in plain}
    result.update(ranked_sizes(int(row.buyers)))
    return {key: result[key] for key in SEGMENTS}


def members(
    session: Session,
    now: datetime,
    segment: str,
    *,
    page: int = 1,
    size: int = 50,
    thresholds: Thresholds | None = None,
) -> list[t.Any]:
    """A page of the segment's members: ``(Customer, orders_12m, spend_12m,
    last_at)`` rows, the biggest 12-month spenders first.

    :raises InvalidSegment: an unknown segment.
    """
    thresholds = thresholds or load_thresholds(session)
    sub = _source(now, segment, thresholds)
    s = sub.c
    return list(
        session.execute(
            sa.select(Customer, s.orders_12m, s.spend_12m, s.last_at)
            .join(sub, s.cid == Customer.id)
            .where(condition(s, segment, now, thresholds))
            .order_by(s.spend_12m.desc(), Customer.id)
            .offset((page - 1) * size)
            .limit(size)
        ).all()
    )


def member_ids(session: Session, now: datetime, segment: str) -> list[int]:
    """Every member's customer id, in id order.

    :raises InvalidSegment: an unknown segment.
    """
    thresholds = load_thresholds(session)
    s = _source(now, segment, thresholds).c
    return list(
        session.scalars(
            sa.select(s.cid)
            .where(condition(s, segment, now, thresholds))
            .order_by(s.cid)
        )
    )


def member_emails(
    now: datetime, segment: str, thresholds: Thresholds
) -> sa.Select[t.Any]:
    """A subquery of the segment's addresses (for a campaign's audience)."""
    sub = _source(now, segment, thresholds)
    s = sub.c
    return (
        sa.select(Customer.email)
        .join_from(Customer, sub, Customer.id == s.cid)
        .where(condition(s, segment, now, thresholds))
    )


def campaign_segment(session: Session, campaign_id: int) -> str | None:
    """The segment a campaign's audience is narrowed to, if any."""
    return session.scalar(
        sa.select(CampaignSegment.segment).where(
            CampaignSegment.campaign_id == campaign_id
        )
    )


def set_campaign_segment(
    session: Session, campaign_id: int, segment: str | None
) -> None:
    """Narrow a campaign's audience to ``segment`` (``None``: everyone again).

    :raises InvalidSegment: an unknown segment.
    """
    if segment is not None and segment not in SEGMENTS:
        raise InvalidSegment(_("There is no segment %(name)s.", name=repr(segment)))
    row = session.get(CampaignSegment, campaign_id)
    if segment is None:
        if row is not None:
            session.delete(row)
        return
    if row is None:
        session.add(CampaignSegment(campaign_id=campaign_id, segment=segment))
    else:
        row.segment = segment


def narrow(
    session: Session, now: datetime, campaign_id: int | None, audience: t.Any
) -> t.Any:
    """A campaign's audience query, kept to subscribers whose address is a
    customer in the campaign's segment (unchanged without one)."""
    segment = campaign_segment(session, campaign_id) if campaign_id else None
    if segment is None:
        return audience
    emails = member_emails(now, segment, load_thresholds(session))
    return audience.where(Subscriber.email.in_(emails))
