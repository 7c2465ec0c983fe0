"""What the customer's account page reads, in a fixed number of queries.

The page's sections (offers, points, orders, returns) share four reads, each one
statement however long her history, each run when a section first asks for it:

- :attr:`Account.rules`: the points program and its tiers, the return rules, the
  running stamp cards, and her standing (12-month spend, balance, birthday, number
  of orders), from one row per tier and stamp card;
- :attr:`Account.orders`: her newest orders with their refunds, and her newest
  return requests with their orders;
- :attr:`Account.history`: a page of her points ledger, with what tells whether
  points expire soon;
- :attr:`Account.codes`: her discount codes still open: those bought with points,
  and her newest offers' codes with their offers.

Plain reads over a session and a clock, no request: the views keep one
:class:`Account` per request.
"""

from __future__ import annotations

import functools
import typing as t
from dataclasses import dataclass
from datetime import date
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm import aliased
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from ..codes.models import POINTS
from ..codes.models import DiscountCode
from ..db import ONE_ROW
from ..offers.models import STAMP_CARD
from ..offers.models import Offer
from ..offers.models import OfferGrant
from ..offers.service import running_where
from ..orders.models import Order
from ..points.due import expiring_from
from ..points.due import expiry_columns
from ..points.due import expiry_moment
from ..points.models import PointsAccount
from ..points.models import PointsEntry
from ..points.program import ProgramSettings
from ..points.program import add_months
from ..points.program import rules_from_rows
from ..points.program import rules_query
from ..points.program import spend_expression
from ..points.tiers import TierRule
from ..policies.models import ReturnRules
from ..policies.rules import ReturnPolicy
from ..policies.rules import policy_from_row
from ..returns.models import ReturnRequest

RECENT_ORDERS = 20
"""Orders the page lists (the returns block offers the newest of them)."""
RECENT_REQUESTS = 10
"""Return requests the page lists."""
RECENT_OFFERS = 10
"""Offer codes the page lists."""
HISTORY_PAGE = 20
"""Points ledger entries a page of her history shows."""


@dataclass(frozen=True)
class Rules:
    program: ProgramSettings
    tiers: list[TierRule]
    return_policy: ReturnPolicy
    stamp_cards: list[Offer]
    spend_cents: int
    """Her spend of the last 12 months in the shop's currency, less refunds."""
    balance: int
    birthday: date | None
    order_count: int


@dataclass(frozen=True)
class Orders:
    orders: list[Order]
    """Her newest orders, newest first, with their refunds."""
    requests: list[ReturnRequest]
    """Her newest return requests, newest first, with their orders."""


@dataclass(frozen=True)
class OrderOfEntry:
    """The order a ledger entry is for: its number and when it was placed."""

    number: str
    placed_at: datetime


@dataclass(frozen=True)
class History:
    entries: list[PointsEntry]
    has_next: bool
    expiring: int
    expiring_when: datetime | None
    orders: dict[int, OrderOfEntry]
    """By entry id, the order of each entry that has one (earned, reversed)."""


@dataclass(frozen=True)
class Codes:
    points_codes: list[DiscountCode]
    """Codes bought with points, unused and unexpired, newest first."""
    grants: list[OfferGrant]
    """Her newest offers whose code she can still use, with code and offer."""


HER = sa.bindparam("customer_id")
NOW = sa.bindparam("now", type_=Order.placed_at.type)

# The statements are built once, with bind parameters: building a statement of
# this size costs about as much as running it.
_RULES = (
    rules_query(
        spend_expression(
            HER,
            sa.bindparam("since", type_=Order.placed_at.type),
            NOW,
            currency=sa.bindparam("currency"),
        )
    )
    .add_columns(
        sa.select(sa.func.count(Order.id))
        .where(Order.customer_id == HER)
        .scalar_subquery()
        .label("order_count"),
        PointsAccount.balance.label("balance"),
        PointsAccount.birthday.label("birthday"),
        ReturnRules,
        Offer,
    )
    # Single rows (program, return rules, her points account) joined once; tiers
    # and stamp cards, both short lists the owner keeps, multiply.
    .outerjoin(PointsAccount, PointsAccount.customer_id == HER)
    .outerjoin(ReturnRules, ReturnRules.id == 1)
    .outerjoin(Offer, running_where((STAMP_CARD,), NOW))
    .order_by(Offer.id)
)

_NEWEST_REQUESTS = (
    sa.select(ReturnRequest.id)
    .where(ReturnRequest.customer_id == HER)
    .order_by(ReturnRequest.id.desc())
    .limit(RECENT_REQUESTS)
)
# Her recent orders, and the orders of her recent return requests (older ones only
# when she asked to return something from them).
_ORDERS = (
    sa.select(Order, ReturnRequest)
    .outerjoin(
        ReturnRequest,
        sa.and_(
            ReturnRequest.order_id == Order.id,
            ReturnRequest.id.in_(_NEWEST_REQUESTS),
        ),
    )
    .options(joinedload(Order.refunds))
    .where(
        Order.customer_id == HER,
        sa.or_(
            Order.id.in_(
                sa.select(Order.id)
                .where(Order.customer_id == HER)
                .order_by(Order.placed_at.desc(), Order.id.desc())
                .limit(RECENT_ORDERS)
            ),
            ReturnRequest.id.is_not(None),
        ),
    )
    .order_by(Order.placed_at.desc(), Order.id.desc())
)

_UNEXPIRED = sa.or_(DiscountCode.expires_at.is_(None), DiscountCode.expires_at > NOW)
_CODES = (
    sa.select(DiscountCode, OfferGrant, Offer)
    .outerjoin(OfferGrant, OfferGrant.code_id == DiscountCode.id)
    .outerjoin(Offer, Offer.id == OfferGrant.offer_id)
    .where(
        sa.or_(
            DiscountCode.id.in_(
                sa.select(OfferGrant.code_id)
                .join(DiscountCode, DiscountCode.id == OfferGrant.code_id)
                .where(
                    OfferGrant.customer_id == HER,
                    sa.or_(
                        DiscountCode.max_uses == 0,
                        DiscountCode.uses < DiscountCode.max_uses,
                    ),
                    _UNEXPIRED,
                )
                .order_by(OfferGrant.id.desc())
                .limit(RECENT_OFFERS)
            ),
            sa.and_(
                DiscountCode.customer_id == HER,
                DiscountCode.source == POINTS,  # offers' codes: above
                DiscountCode.used_at.is_(None),
                _UNEXPIRED,
            ),
        )
    )
    .order_by(DiscountCode.id.desc())
)


@functools.cache
def _history(mode: str) -> sa.Select[t.Any]:
    """A page of her ledger (``offset``, ``limit``) with each entry's order number
    and time, and the expiry columns of ``mode``, from the one-row table: a row
    even when the page is empty."""
    page = (
        sa.select(PointsEntry)
        .where(PointsEntry.customer_id == HER)
        .order_by(PointsEntry.id.desc())
        .offset(sa.bindparam("offset"))
        .limit(sa.bindparam("limit"))
        .subquery()
    )
    moment = sa.bindparam("moment", type_=PointsEntry.created_at.type)
    return (
        sa.select(
            aliased(PointsEntry, page),
            Order.reference,
            Order.placed_at,
            *expiry_columns(mode, HER, moment),
        )
        .select_from(ONE_ROW)
        .outerjoin(page, sa.true())
        .outerjoin(Order, Order.id == page.c.order_id)
        .order_by(page.c.id.desc())
    )


class Account:
    """The account page's reads for one customer at ``now``; each attribute is
    one query, run when first read."""

    def __init__(
        self,
        session: Session,
        now: datetime,
        customer_id: int,
        *,
        currency: str,
        points_page: int = 1,
        page_size: int = HISTORY_PAGE,
    ) -> None:
        self.session = session
        self.now = now
        self.customer_id = customer_id
        self.currency = currency
        self.points_page = points_page
        self.page_size = page_size

    @functools.cached_property
    def rules(self) -> Rules:
        rows = self.session.execute(
            _RULES,
            {
                "customer_id": self.customer_id,
                "now": self.now,
                "since": add_months(self.now, -12),
                "currency": self.currency,
            },
        ).all()
        program, tiers, spend_cents = rules_from_rows(rows)
        first = rows[0]
        cards = {r.Offer.id: r.Offer for r in rows if r.Offer is not None}
        return Rules(
            program=program,
            tiers=tiers,
            return_policy=policy_from_row(first.ReturnRules),
            stamp_cards=list(cards.values()),
            spend_cents=spend_cents,
            balance=int(first.balance or 0),
            birthday=first.birthday,
            order_count=int(first.order_count or 0),
        )

    @functools.cached_property
    def orders(self) -> Orders:
        rows = (
            self.session.execute(_ORDERS, {"customer_id": self.customer_id})
            .unique()
            .all()
        )
        orders = list({row.Order.id: row.Order for row in rows}.values())
        requests = []
        for row in rows:
            if row.ReturnRequest is not None:
                # Set, so that ``request.order`` reads nothing more (the session
                # holds loaded rows weakly: an older order would be read again).
                set_committed_value(row.ReturnRequest, "order", row.Order)
                requests.append(row.ReturnRequest)
        requests.sort(key=lambda r: r.id, reverse=True)
        return Orders(orders=orders[:RECENT_ORDERS], requests=requests)

    @functools.cached_property
    def history(self) -> History:
        her, size = self.customer_id, self.page_size
        program = self.rules.program
        days = max(program.warning_days, 30)
        rows = self.session.execute(
            _history(program.expiry_mode),
            {
                "customer_id": her,
                "offset": (self.points_page - 1) * size,
                "limit": size + 1,
                "moment": expiry_moment(self.now, program, days),
            },
        ).all()
        entries = [row[0] for row in rows if row[0] is not None]
        expiring, when, _key = expiring_from(
            rows[0]._mapping, her, self.now, program, days
        )
        orders = {
            row[0].id: OrderOfEntry(row[1], row[2])
            for row in rows
            if row[0] is not None and row[1] is not None
        }
        return History(entries[:size], len(entries) > size, expiring, when, orders)

    @functools.cached_property
    def codes(self) -> Codes:
        rows = self.session.execute(
            _CODES, {"customer_id": self.customer_id, "now": self.now}
        ).all()
        grants = []
        for row in rows:
            if row.OfferGrant is not None:
                # ``grant.code`` and ``grant.offer`` read nothing more.
                set_committed_value(row.OfferGrant, "code", row.DiscountCode)
                set_committed_value(row.OfferGrant, "offer", row.Offer)
                grants.append(row.OfferGrant)
        grants.sort(key=lambda grant: grant.id, reverse=True)
        points_codes = [
            row.DiscountCode
            for row in rows
            if row.OfferGrant is None and row.DiscountCode.source == POINTS
        ]
        return Codes(points_codes=points_codes, grants=grants)


def stamps(account: Account) -> list[tuple[Offer, int]]:
    """Her stamp cards: each running stamp card offer with the stamps she has
    towards the next reward (orders so far, modulo N)."""
    rules = account.rules
    return [
        (card, rules.order_count % max(card.trigger_n, 1)) for card in rules.stamp_cards
    ]
