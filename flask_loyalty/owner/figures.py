"""The owner dashboard's figures: how the programme does over a period beside the
period before it, and what waits for the owner. A few aggregate queries over a
session and the clock's time; money in integer cents of the shop's currency.

A period of ``days`` days is whole UTC days: today and the ``days - 1`` before it,
up to now. The previous period is the ``days`` days before that.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from markupsafe import Markup
from markupsafe import escape
from sqlalchemy.orm import Session

from ..codes.models import CodeRedemption
from ..customers.models import Customer
from ..deliverability.models import COMPLAINT
from ..deliverability.models import HARD_BOUNCE
from ..deliverability.models import SOFT_BOUNCE
from ..deliverability.models import MailEvent
from ..newsletter.models import SCHEDULED
from ..newsletter.models import Campaign
from ..orders.models import Order
from ..outbox.models import FAILED
from ..outbox.models import OutboxMessage
from ..points.models import PointsAccount
from ..points.program import load_program
from ..returns.models import REQUESTED
from ..returns.models import ReturnRequest

PERIODS = (7, 30, 90)
DEFAULT_PERIOD = 30


def read_period(value: object) -> int:
    """The period asked for (``?days=``), or the default for anything else."""
    if isinstance(value, str) and value.strip().isdigit():
        days = int(value.strip())
        if days in PERIODS:
            return days
    return DEFAULT_PERIOD


@dataclass(frozen=True)
class Compared:
    """A figure in this period and in the one before."""

    now: int
    before: int

    @property
    def change(self) -> float | None:
        """The change as a share of the previous figure (None from nothing)."""
        if not self.before:
            return None
        return (self.now - self.before) / self.before


@dataclass(frozen=True)
class Rate:
    """A share: ``part`` of ``whole`` (0 when there is no whole)."""

    part: int
    whole: int

    @property
    def value(self) -> float:
        return self.part / self.whole if self.whole else 0.0


@dataclass(frozen=True)
class Day:
    """One day of the chart: orders with a loyalty code and without."""

    day: date
    with_code: int
    without_code: int


@dataclass(frozen=True)
class Waiting:
    """Things the owner should act on (counts, 0 when nothing waits)."""

    returns_to_approve: int
    campaigns_scheduled: int
    bounces: int
    failed_mail: int


@dataclass(frozen=True)
class Dashboard:
    days: int
    start: datetime
    members: int
    new_members: Compared
    points_outstanding: int
    points_value_cents: int
    codes_redeemed: Compared
    code_revenue_cents: Compared
    revenue_cents: Compared
    repeat_rate: Rate
    repeat_rate_before: Rate
    chart: list[Day]
    waiting: Waiting


def _between(column: t.Any, start: datetime, end: datetime) -> t.Any:
    return sa.and_(column >= start, column < end)


def _count_if(condition: t.Any) -> t.Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, 1), else_=0)), 0)


def _sum_if(condition: t.Any, value: t.Any) -> t.Any:
    return sa.func.coalesce(sa.func.sum(sa.case((condition, value), else_=0)), 0)


def _day(session: Session, column: t.Any) -> t.Any:
    """The UTC day of a time column, as ``YYYY-MM-DD``."""
    if session.get_bind().dialect.name == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", column), "YYYY-MM-DD")
    return sa.func.strftime("%Y-%m-%d", column)


def dashboard(session: Session, now: datetime, days: int, currency: str) -> Dashboard:
    """The dashboard's figures for the ``days`` days up to ``now`` (aware UTC)."""
    start = now.replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(
        days=days - 1
    )
    before = start - timedelta(days=days)
    end = now + timedelta(microseconds=1)  # an order placed at this very moment counts

    members = session.execute(
        sa.select(
            sa.func.count(Customer.id),
            _count_if(_between(Customer.created_at, start, end)),
            _count_if(_between(Customer.created_at, before, start)),
        ).where(Customer.erased_at.is_(None))
    ).one()

    points = session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PointsAccount.balance), 0)).where(
            PointsAccount.balance > 0
        )
    )
    point_value_cents = load_program(session).point_value_cents

    codes = session.execute(
        sa.select(
            _count_if(CodeRedemption.created_at >= start),
            _count_if(CodeRedemption.created_at < start),
        ).where(_between(CodeRedemption.created_at, before, end))
    ).one()

    # Orders per day over both periods: the chart, and the revenue of each period.
    with_code = Order.reference.in_(sa.select(CodeRedemption.order_ref))
    day = _day(session, Order.placed_at).label("day")
    rows = session.execute(
        sa.select(
            day,
            _count_if(with_code),
            sa.func.count(Order.id),
            _sum_if(with_code, Order.total_cents),
            sa.func.sum(Order.total_cents),
        )
        .where(_between(Order.placed_at, before, end), Order.currency == currency)
        .group_by(day)
    ).all()
    by_day = {row[0]: row[1:] for row in rows}
    first_day = start.date().isoformat()
    revenue = {"now": [0, 0], "before": [0, 0]}
    for key, (_coded, _orders, coded_cents, cents) in by_day.items():
        side = revenue["now" if key >= first_day else "before"]
        side[0] += int(coded_cents)
        side[1] += int(cents or 0)
    chart = []
    for i in range(days):
        moment = (start + timedelta(days=i)).date()
        coded, orders = (by_day.get(moment.isoformat()) or (0, 0))[:2]
        chart.append(Day(moment, int(coded), int(orders) - int(coded)))

    # The repeat-purchase rate of a period: of the customers who ordered in it,
    # the share with two orders or more by its end.
    per_customer = (
        sa.select(
            _count_if(Order.placed_at >= start).label("now"),
            sa.func.count(Order.id).label("upto_now"),
            _count_if(_between(Order.placed_at, before, start)).label("before"),
            _count_if(Order.placed_at < start).label("upto_before"),
        )
        .where(Order.placed_at < end)
        .group_by(Order.customer_id)
        .subquery()
    )
    c = per_customer.c
    repeat = session.execute(
        sa.select(
            _count_if(c.now > 0),
            _count_if(sa.and_(c.now > 0, c.upto_now >= 2)),
            _count_if(c.before > 0),
            _count_if(sa.and_(c.before > 0, c.upto_before >= 2)),
        )
    ).one()

    waiting = session.execute(
        sa.select(
            sa.select(sa.func.count(ReturnRequest.id))
            .where(ReturnRequest.status == REQUESTED)
            .scalar_subquery(),
            sa.select(sa.func.count(Campaign.id))
            .where(Campaign.status == SCHEDULED)
            .scalar_subquery(),
            sa.select(sa.func.count(MailEvent.id))
            .where(
                MailEvent.kind.in_((HARD_BOUNCE, SOFT_BOUNCE, COMPLAINT)),
                _between(MailEvent.at, start, end),
            )
            .scalar_subquery(),
            sa.select(sa.func.count(OutboxMessage.id))
            .where(OutboxMessage.status == FAILED)
            .scalar_subquery(),
        )
    ).one()

    return Dashboard(
        days=days,
        start=start,
        members=int(members[0]),
        new_members=Compared(int(members[1]), int(members[2])),
        points_outstanding=int(points or 0),
        points_value_cents=int(points or 0) * point_value_cents,
        codes_redeemed=Compared(int(codes[0]), int(codes[1])),
        code_revenue_cents=Compared(revenue["now"][0], revenue["before"][0]),
        revenue_cents=Compared(revenue["now"][1], revenue["before"][1]),
        repeat_rate=Rate(int(repeat[1]), int(repeat[0])),
        repeat_rate_before=Rate(int(repeat[3]), int(repeat[2])),
        chart=chart,
        waiting=Waiting(*(int(n or 0) for n in waiting)),
    )


def chart_svg(
    chart: list[Day],
    *,
    with_label: str,
    without_label: str,
    day_label: t.Callable[[date], str],
    bar_title: t.Callable[[Day], str],
) -> Markup:
    """Orders per day as stacked bars (with a code below, without above), inline
    SVG drawn here like the offers report's chart. ``day_label`` names a day under
    the axis (about six of them), ``bar_title`` is each bar's tooltip."""
    width, height, top, bottom, left = 640, 214, 16, 58, 30
    peak = max([d.with_code + d.without_code for d in chart] + [1])
    slot = (width - left) / max(len(chart), 1)
    bar = max(slot * 0.7, 1.0)
    scale = (height - top - bottom) / peak
    base = height - bottom
    every = max(1, round(len(chart) / 6))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}"'
        ' role="img" class="chart" width="100%"'
        f' aria-label="{escape(with_label)} / {escape(without_label)}">',
        f'<line x1="{left}" y1="{base}" x2="{width}" y2="{base}" stroke="#999"/>',
        f'<text x="{left - 4}" y="{top + 4}" font-size="11" text-anchor="end">'
        f"{peak}</text>",
        f'<text x="{left - 4}" y="{base}" font-size="11" text-anchor="end">0</text>',
    ]
    for i, d in enumerate(chart):
        x = left + i * slot + (slot - bar) / 2
        h_with, h_without = d.with_code * scale, d.without_code * scale
        parts.append(
            f'<g data-day="{d.day.isoformat()}"><title>{escape(bar_title(d))}</title>'
            f'<rect x="{x:.1f}" y="{base - h_with:.1f}" width="{bar:.1f}"'
            f' height="{h_with:.1f}" fill="#5b3a29"/>'
            f'<rect x="{x:.1f}" y="{base - h_with - h_without:.1f}"'
            f' width="{bar:.1f}" height="{h_without:.1f}" fill="#d9b99b"/>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{x + bar / 2:.1f}" y="{base + 14}" font-size="10"'
                f' text-anchor="middle">{escape(day_label(d.day))}</text>'
            )
        parts.append("</g>")
    # The legend, one line each: a long label ("παραγγελίες με κωδικό
    # επιβράβευσης") has the whole width and never runs into the other.
    parts.append(
        f'<rect x="{left}" y="{height - 30}" width="10" height="10" fill="#5b3a29"/>'
        f'<text x="{left + 14}" y="{height - 21}" font-size="11">'
        f"{escape(with_label)}</text>"
        f'<rect x="{left}" y="{height - 14}" width="10" height="10"'
        ' fill="#d9b99b"/>'
        f'<text x="{left + 14}" y="{height - 5}" font-size="11">'
        f"{escape(without_label)}</text></svg>"
    )
    return Markup("".join(parts))
