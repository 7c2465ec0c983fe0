"""An offer's figures (issued, redeemed, revenue, discount), and orders from new
vs returning customers. Whether it brings people back is measured against its
holdout group (:mod:`flask_loyalty.measure.uplift`). The monthly chart is an SVG
drawn here, without scripts.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from markupsafe import Markup
from markupsafe import escape
from sqlalchemy.orm import Session

from ..codes.models import CodeRedemption
from ..formats import format_month
from ..orders.models import Order
from ..points.program import add_months
from . import models as om


@dataclass(frozen=True)
class OfferReport:
    issued: int
    redeemed: int
    revenue_cents: int
    discount_cents: int

    @property
    def redemption_rate(self) -> float:
        return self.redeemed / self.issued if self.issued else 0.0


def offer_report(session: Session, offer_id: int) -> OfferReport:
    """The figures of one offer, in a few aggregate queries."""
    grants = om.OfferGrant
    issued = session.scalar(
        sa.select(sa.func.count(grants.id)).where(grants.offer_id == offer_id)
    )
    used = session.execute(
        sa.select(
            sa.func.count(CodeRedemption.id),
            sa.func.coalesce(sa.func.sum(CodeRedemption.discount_cents), 0),
        ).where(CodeRedemption.offer_id == offer_id)
    ).one()
    revenue = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Order.total_cents), 0)).where(
            Order.reference.in_(
                sa.select(CodeRedemption.order_ref).where(
                    CodeRedemption.offer_id == offer_id
                )
            )
        )
    )
    return OfferReport(
        issued=int(issued or 0),
        redeemed=int(used[0]),
        revenue_cents=int(revenue or 0),
        discount_cents=int(used[1]),
    )


def _month(session: Session, column: t.Any) -> t.Any:
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM")
    return sa.func.strftime("%Y-%m", column)


def new_vs_returning(
    session: Session, now: datetime, months: int = 12
) -> list[tuple[str, int, int]]:
    """``(YYYY-MM, orders from new customers, from returning ones)`` per month for
    the last ``months`` months (a customer is new in the order that is her first)."""
    start = add_months(now, -(months - 1)).replace(
        day=1, hour=0, minute=0, second=0, microsecond=0
    )
    first = (
        sa.select(sa.func.min(Order.id).label("id"))
        .group_by(Order.customer_id)
        .subquery()
    )
    month = _month(session, Order.placed_at).label("month")
    is_new = Order.id.in_(sa.select(first.c.id))
    rows = session.execute(
        sa.select(
            month,
            sa.func.sum(sa.case((is_new, 1), else_=0)),
            sa.func.sum(sa.case((is_new, 0), else_=1)),
        )
        .where(Order.placed_at >= start, Order.placed_at <= now)
        .group_by(month)
    ).all()
    found = {row[0]: (int(row[1]), int(row[2])) for row in rows}
    result = []
    for i in range(months):
        moment = add_months(start, i)
        key = f"{moment.year:04d}-{moment.month:02d}"
        result.append((key, *found.get(key, (0, 0))))
    return result


def chart_svg(
    data: list[tuple[str, int, int]],
    *,
    new_label: str,
    returning_label: str,
    month_label: t.Callable[..., str] = format_month,
) -> Markup:
    """Stacked bars per month (new below, returning above) as inline SVG.

    ``month_label(month, skeleton)`` names a ``YYYY-MM`` month in the reader's
    language: the whole month in each bar's title, its short name under the bar
    and the year under the first bar and each January (each bar's group keeps
    the ISO month in ``data-month``)."""
    width, height, top, bottom, left = 640, 252, 24, 48, 36
    peak = max([n + r for _m, n, r in data] + [1])
    slot = (width - left) / max(len(data), 1)
    bar = slot * 0.6
    scale = (height - top - bottom) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        ' role="img" class="chart" width="100%"'
        f' aria-label="{escape(new_label)} / {escape(returning_label)}">',
        f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}"'
        ' stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" font-size="11" text-anchor="end">'
        f"{peak}</text>",
        f'<text x="{left - 4}" y="{height - bottom}" font-size="11"'
        ' text-anchor="end">0</text>',
    ]
    for i, (month, new, returning) in enumerate(data):
        x = left + i * slot + (slot - bar) / 2
        h_new, h_ret = new * scale, returning * scale
        base = height - bottom
        name = escape(month_label(month))
        parts.append(
            f'<g data-month="{escape(month)}"><rect x="{x:.1f}"'
            f' y="{base - h_new:.1f}" width="{bar:.1f}"'
            f' height="{h_new:.1f}" fill="#c98b5b"><title>{name}:'
            f" {new} {escape(new_label)}</title></rect>"
        )
        parts.append(
            f'<rect x="{x:.1f}" y="{base - h_new - h_ret:.1f}" width="{bar:.1f}"'
            f' height="{h_ret:.1f}" fill="#5b3a29"><title>{name}:'
            f" {returning} {escape(returning_label)}</title></rect>"
        )
        parts.append(
            f'<text x="{x + bar / 2:.1f}" y="{base + 14}" font-size="10"'
            f' text-anchor="middle">{escape(month_label(month, "MMM"))}</text>'
        )
        if i == 0 or month.endswith("-01"):
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{base + 26}" font-size="10"'
                f' text-anchor="middle">{escape(month_label(month, "y"))}</text>'
            )
        parts.append("</g>")
    parts.append(
        f'<rect x="{left}" y="{height - 14}" width="10" height="10" fill="#c98b5b"/>'
        f'<text x="{left + 14}" y="{height - 5}" font-size="11">'
        f"{escape(new_label)}</text>"
        f'<rect x="{left + 180}" y="{height - 14}" width="10" height="10"'
        ' fill="#5b3a29"/>'
        f'<text x="{left + 194}" y="{height - 5}" font-size="11">'
        f"{escape(returning_label)}</text></svg>"
    )
    return Markup("".join(parts))
