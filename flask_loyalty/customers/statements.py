"""The account page's statements, each built once with bind parameters (building
a statement of this size costs about as much as running it), and the helpers
that turn their labelled rows into :mod:`~flask_loyalty.customers.records`.
:class:`~flask_loyalty.customers.account.Account` runs them."""

from __future__ import annotations

import functools
import typing as t

import sqlalchemy as sa

from ..codes.models import POINTS
from ..codes.models import DiscountCode
from ..db import ONE_ROW
from ..offers.models import STAMP_CARD
from ..offers.models import Offer
from ..offers.models import OfferGrant
from ..offers.service import running_where
from ..orders.models import Order
from ..orders.models import Refund
from ..points.due import expiry_columns
from ..points.models import PointsAccount
from ..points.models import PointsEntry
from ..points.program import rules_query
from ..points.program import spend_expression
from ..policies.models import ReturnRules
from ..returns.models import ReturnRequest
from .records import LedgerEntry

RECENT_ORDERS = 20
"""Orders the page lists (the returns block offers the newest of them)."""
RECENT_REQUESTS = 10
"""Return requests the page lists."""
RECENT_OFFERS = 10
"""Offer codes the page lists."""
HISTORY_PAGE = 20
"""Points ledger entries a page of her history shows."""


HER = sa.bindparam("customer_id")
NOW = sa.bindparam("now", type_=Order.placed_at.type)


T = t.TypeVar("T")


def _labelled(prefix: str, *columns: t.Any) -> list[sa.Label[t.Any]]:
    return [column.label(f"{prefix}{column.key}") for column in columns]


def record(kind: type[T], row: sa.Row[t.Any], prefix: str) -> T:
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
RULES = (
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


class ReturnRulesRow:
    """The return rules' columns of a :data:`RULES` row, named as the model's."""

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
ORDERS = (
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
CODES = (
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
def expiry_read(mode: str) -> sa.Select[t.Any]:
    """The expiry columns of ``mode`` alone (points that do not expire need no
    statement): what the account page's points card reads when it shows no
    history."""
    moment = sa.bindparam("moment", type_=PointsEntry.created_at.type)
    return sa.select(*expiry_columns(mode, HER, moment)).select_from(ONE_ROW)


@functools.cache
def history_page(mode: str) -> sa.Select[t.Any]:
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
