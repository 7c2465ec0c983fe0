"""``Loyalty.quote_discount`` and ``Loyalty.redeem_discount`` over an app's state."""

from __future__ import annotations

import typing as t
from decimal import Decimal

import sqlalchemy as sa
from flask import has_request_context
from flask import request

from ..customers.service import normalise_email
from ..errors import UnknownOrder
from ..i18n import _
from ..money import check_currency
from ..money import from_minor
from ..money import to_minor
from ..offers.models import MULTIPLIER
from ..offers.models import Offer
from ..orders.models import Order
from ..points import ledger
from ..points.bonuses import grant_bonus
from ..points.service import order_key
from . import checkout
from .models import CodeRedemption
from .redeem import redeem

if t.TYPE_CHECKING:
    from ..state import LoyaltyState


def _rate_limited(state: LoyaltyState) -> bool:
    if not has_request_context():
        return False
    return not state.limiter.allow("code", request.remote_addr or "unknown")


def quote_discount(
    state: LoyaltyState,
    code: object,
    *,
    email: str | None,
    subtotal: Decimal,
    items: t.Sequence[t.Any] = (),
    currency: str | None = None,
) -> checkout.DiscountQuote:
    """See :meth:`flask_loyalty.Loyalty.quote_discount`."""
    money = check_currency(currency or state.settings.currency)
    subtotal_cents = to_minor(subtotal, money, what=_("subtotal"))
    lines = checkout.parse_lines(items, money)
    if _rate_limited(state):
        return checkout.DiscountQuote(
            code=str(code)[:40],
            ok=False,
            discount=from_minor(0, money),
            currency=money,
            description="",
            reason=checkout.TOO_MANY_ATTEMPTS,
            message=_("Too many attempts. Please wait a few minutes and try again."),
        )
    address = _address(email)
    return checkout.quote(
        state.session,
        state.now(),
        code,
        email=address,
        subtotal_cents=subtotal_cents,
        lines=lines,
        currency=money,
    )


def _address(email: str | None) -> str | None:
    if email is None:
        return None
    try:
        return normalise_email(email)
    except Exception:  # noqa: BLE001 - a bad address simply owns no code
        return None


def redeem_discount(
    state: LoyaltyState,
    code: object,
    order_id: str,
    *,
    email: str | None = None,
    subtotal: Decimal | None = None,
    items: t.Sequence[t.Any] | None = None,
) -> CodeRedemption:
    """See :meth:`flask_loyalty.Loyalty.redeem_discount`."""
    session = state.session
    now = state.now()
    order = session.scalar(sa.select(Order).where(Order.reference == str(order_id)))
    if order is not None:
        money = order.currency
        lines = [
            checkout.Line(i.sku, i.category, i.quantity, i.unit_price_cents)
            for i in order.items
        ]
        subtotal_cents = (
            sum(line.unit_cents * line.quantity for line in lines)
            if lines
            else order.total_cents - order.shipping_cents + order.discount_cents
        )
        address = order.customer.email
    else:
        money = state.settings.currency
        if subtotal is None:
            raise UnknownOrder(
                _(
                    "Record order %(id)s first, or give the email and subtotal.",
                    id=repr(order_id),
                )
            )
        subtotal_cents = to_minor(subtotal, money, what=_("subtotal"))
        lines = checkout.parse_lines(items or (), money)
        address = _address(email)
    redemption = redeem(
        session,
        now,
        code,
        str(order_id),
        email=address,
        subtotal_cents=subtotal_cents,
        lines=lines,
        currency=money,
    )
    if order is not None and redemption.offer_id is not None:
        _points_multiplier(state, redemption, order)
    return redemption


def _points_multiplier(
    state: LoyaltyState, redemption: CodeRedemption, order: Order
) -> None:
    """A points multiplier code: the extra points of the order it was used on."""
    offer = state.session.get(Offer, redemption.offer_id)
    if offer is None or offer.benefit != MULTIPLIER or offer.points <= 100:
        return
    earned = ledger.find_entry(state.session, order_key(order))
    if earned is None or earned.points <= 0:
        return
    grant_bonus(
        state.session,
        state.now(),
        customer_id=order.customer_id,
        points=earned.points * (offer.points - 100) // 100,
        key=f"multiplier:{redemption.code_id}:{order.reference}",
        note=offer.name[:200],
    )
