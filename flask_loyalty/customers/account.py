"""What the customer's account page reads, in a fixed number of queries.

The page's sections (offers, points, orders, returns) share four reads, each one
statement however long her history, each run when a section first asks for it:

- :attr:`Account.rules`: the points program and its tiers, the return rules, the
  running stamp cards, and her standing (12-month spend, balance, birthday, number
  of orders), from one row per tier and stamp card;
- :attr:`Account.orders`: her newest orders with what was refunded of them, and
  her newest return requests with their order numbers;
- :attr:`Account.history`: a page of her points ledger, with what tells whether
  points expire soon;
- :attr:`Account.codes`: her discount codes still open: those bought with points,
  and her newest offers' codes with their offers.

Plain reads over a session and a clock, no request: the views keep one
:class:`Account` per request. The page only shows what it reads, so the reads are
Core statements on the session's connection and come back as small frozen records
(:class:`PastOrder`, :class:`PastRequest`, :class:`LedgerEntry`, :class:`OpenCode`,
:class:`OpenOffer`, :class:`ShownOffer`), not ORM objects: loading entities into
the session costs more than the statements themselves on a page like this.
"""

from __future__ import annotations

import functools
import typing as t
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..codes.models import POINTS
from ..codes.models import DiscountCode
from ..db import ONE_ROW
from ..db import run_core
from ..offers.models import STAMP_CARD
from ..offers.models import Offer
from ..offers.models import OfferGrant
from ..offers.service import running_where
from ..orders.models import Order
from ..orders.models import Refund
from ..points.due import expiring_from
from ..points.due import expiry_columns
from ..points.due import expiry_moment
from ..points.models import PointsAccount
from ..points.models import PointsEntry
from ..points.program import add_months
from ..points.program import rules_from_rows
from ..points.program import rules_query
from ..points.program import spend_expression
from ..policies.models import ReturnRules
from ..policies.rules import policy_from_row
from ..returns.models import ReturnRequest
from .records import Codes
from .records import History
from .records import LedgerEntry
from .records import OpenCode
from .records import OpenOffer
from .records import OrderOfEntry
from .records import Orders
from .records import PastOrder
from .records import PastRequest
from .records import Rules
from .records import ShownOffer

RECENT_ORDERS = 20
"""Orders the page lists (the returns block offers the newest of them)."""
RECENT_REQUESTS = 10
"""Return requests the page lists."""
RECENT_OFFERS = 10
"""Offer codes the page lists."""
HISTORY_PAGE = 20
"""Points ledger entries a page of her history shows."""


# -- The statements -------------------------------------------------------------------

HER = sa.bindparam("customer_id")
NOW = sa.bindparam("now", type_=Order.placed_at.type)


T = t.TypeVar("T")


def _labelled(prefix: str, *columns: t.Any) -> list[sa.Label[t.Any]]:
    return [column.label(f"{prefix}{column.key}") for column in columns]


def _record(kind: type[T], row: sa.Row[t.Any], prefix: str) -> T:
    """A record of ``kind`` from the columns of ``row`` labelled ``prefix`` + field."""
    mapping = row._mapping
    return kind(**{name: mapping[prefix + name] for name in kind.__slots__})  # type: ignore[attr-defined]


_OFFER_COLUMNS = _labelled(
    "offer_",
    Offer.id,
    Offer.name,
    Offer.translations,
    Offer.trigger_n,
    Offer.benefit,
    Offer.percent,
    Offer.amount_cents,
    Offer.points,
)
_CODE_COLUMNS = _labelled(
    "code_",
    DiscountCode.id,
    DiscountCode.code,
    DiscountCode.value_cents,
    DiscountCode.currency,
    DiscountCode.expires_at,
)

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
        ReturnRules.id.label("return_rules_id"),
        *_labelled(
            "return_",
            ReturnRules.window_days,
            ReturnRules.condition,
            ReturnRules.shipping_paid_by,
            ReturnRules.refund_methods,
            ReturnRules.non_returnable,
            ReturnRules.refund_days,
            ReturnRules.return_address,
            ReturnRules.countries,
            ReturnRules.translations,
        ),
        *_OFFER_COLUMNS,
    )
    # Single rows (program, return rules, her points account) joined once; tiers
    # and stamp cards, both short lists the owner keeps, multiply.
    .outerjoin(PointsAccount, PointsAccount.customer_id == HER)
    .outerjoin(ReturnRules, ReturnRules.id == 1)
    .outerjoin(Offer, running_where((STAMP_CARD,), NOW))
    .order_by(Offer.id)
)


class _ReturnRulesRow:
    """The return rules' columns of a :data:`_RULES` row, named as the model's."""

    def __init__(self, row: sa.Row[t.Any]) -> None:
        self._mapping = row._mapping

    def __getattr__(self, name: str) -> t.Any:
        return self._mapping["return_" + name]


_NEWEST_REQUESTS = (
    sa.select(ReturnRequest.id)
    .where(ReturnRequest.customer_id == HER)
    .order_by(ReturnRequest.id.desc())
    .limit(RECENT_REQUESTS)
)
# Her recent orders, and the orders of her recent return requests (older ones only
# when she asked to return something from them), each with its refunds' sum.
_ORDERS = (
    sa.select(
        *_labelled(
            "order_",
            Order.id,
            Order.reference,
            Order.currency,
            Order.total_cents,
            Order.placed_at,
            Order.delivered_at,
        ),
        sa.select(sa.func.coalesce(sa.func.sum(Refund.amount_cents), 0))
        .where(Refund.order_id == Order.id)
        .scalar_subquery()
        .label("order_refunded_cents"),
        *_labelled(
            "request_", ReturnRequest.id, ReturnRequest.number, ReturnRequest.status
        ),
    )
    .outerjoin(
        ReturnRequest,
        sa.and_(
            ReturnRequest.order_id == Order.id,
            ReturnRequest.id.in_(_NEWEST_REQUESTS),
        ),
    )
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
    sa.select(
        *_CODE_COLUMNS,
        DiscountCode.source.label("code_source"),
        OfferGrant.id.label("grant_id"),
        OfferGrant.suggestions.label("grant_suggestions"),
        *_OFFER_COLUMNS,
    )
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
        sa.select(
            PointsEntry.id,
            PointsEntry.kind,
            PointsEntry.points,
            PointsEntry.created_at,
            PointsEntry.note,
            PointsEntry.order_id,
        )
        .where(PointsEntry.customer_id == HER)
        .order_by(PointsEntry.id.desc())
        .offset(sa.bindparam("offset"))
        .limit(sa.bindparam("limit"))
        .subquery()
    )
    moment = sa.bindparam("moment", type_=PointsEntry.created_at.type)
    return (
        sa.select(
            *[page.c[name].label("entry_" + name) for name in LedgerEntry.__slots__],
            Order.reference.label("order_reference"),
            Order.placed_at.label("order_placed_at"),
            *expiry_columns(mode, HER, moment),
        )
        .select_from(ONE_ROW)
        .outerjoin(page, sa.true())
        .outerjoin(Order, Order.id == page.c.order_id)
        .order_by(page.c.id.desc())
    )


# -- The reads --------------------------------------------------------------------


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

    def _rows(self, statement: sa.Select[t.Any], **values: t.Any) -> list[t.Any]:
        return list(run_core(self.session, Order, statement, values).all())

    @functools.cached_property
    def rules(self) -> Rules:
        rows = self._rows(
            _RULES,
            customer_id=self.customer_id,
            now=self.now,
            since=add_months(self.now, -12),
            currency=self.currency,
        )
        program, tiers, spend_cents = rules_from_rows(rows)
        first = rows[0]
        cards = {
            r.offer_id: _record(ShownOffer, r, "offer_")
            for r in rows
            if r.offer_id is not None
        }
        saved = first.return_rules_id is not None
        return Rules(
            program=program,
            tiers=tiers,
            return_policy=policy_from_row(
                t.cast(ReturnRules, _ReturnRulesRow(first)) if saved else None
            ),
            stamp_cards=list(cards.values()),
            spend_cents=spend_cents,
            balance=int(first.balance or 0),
            birthday=first.birthday,
            order_count=int(first.order_count or 0),
        )

    @functools.cached_property
    def orders(self) -> Orders:
        rows = self._rows(_ORDERS, customer_id=self.customer_id)
        orders = {row.order_id: _record(PastOrder, row, "order_") for row in rows}
        requests = [
            PastRequest(
                row.request_id,
                row.request_number,
                row.request_status,
                row.order_reference,
            )
            for row in rows
            if row.request_id is not None
        ]
        requests.sort(key=lambda r: r.id, reverse=True)
        return Orders(orders=list(orders.values())[:RECENT_ORDERS], requests=requests)

    @functools.cached_property
    def history(self) -> History:
        her, size = self.customer_id, self.page_size
        program = self.rules.program
        days = max(program.warning_days, 30)
        rows = self._rows(
            _history(program.expiry_mode),
            customer_id=her,
            offset=(self.points_page - 1) * size,
            limit=size + 1,
            moment=expiry_moment(self.now, program, days),
        )
        entries = [
            _record(LedgerEntry, row, "entry_")
            for row in rows
            if row.entry_id is not None
        ]
        expiring, when, _key = expiring_from(
            rows[0]._mapping, her, self.now, program, days
        )
        orders = {
            row.entry_id: OrderOfEntry(row.order_reference, row.order_placed_at)
            for row in rows
            if row.entry_id is not None and row.order_reference is not None
        }
        return History(entries[:size], len(entries) > size, expiring, when, orders)

    @functools.cached_property
    def codes(self) -> Codes:
        rows = self._rows(_CODES, customer_id=self.customer_id, now=self.now)
        grants = sorted(
            (
                OpenOffer(
                    id=row.grant_id,
                    offer_id=row.offer_id,
                    offer=_record(ShownOffer, row, "offer_"),
                    code=_record(OpenCode, row, "code_"),
                    suggestions=row.grant_suggestions or [],
                )
                for row in rows
                if row.grant_id is not None
            ),
            key=lambda grant: grant.id,
            reverse=True,
        )
        points_codes = [
            _record(OpenCode, row, "code_")
            for row in rows
            if row.grant_id is None and row.code_source == POINTS
        ]
        return Codes(points_codes=points_codes, grants=grants)


def stamps(account: Account) -> list[tuple[ShownOffer, int]]:
    """Her stamp cards: each running stamp card offer with the stamps she has
    towards the next reward (orders so far, modulo N)."""
    rules = account.rules
    return [
        (card, rules.order_count % max(card.trigger_n, 1)) for card in rules.stamp_cards
    ]
