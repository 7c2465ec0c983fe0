"""Codes at the shop's checkout: what a code gives (a quote) and using it (atomic).

A quote never raises for a code that does not apply: it says why, as a
:class:`DiscountQuote` with a ``reason``. Redeeming raises the matching
:class:`~flask_loyalty.LoyaltyError` and writes nothing then.

Using a code is in :mod:`.redeem`.
"""

from __future__ import annotations

import typing as t
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import format_currency
from flask_babel import format_decimal
from flask_babel import format_percent
from sqlalchemy.orm import Session

from ..customers.models import Customer
from ..errors import CodeExpired
from ..errors import CodeNotApplicable
from ..errors import CodeNotYours
from ..errors import CodeUsed
from ..errors import InvalidOrder
from ..errors import LoyaltyError
from ..errors import UnknownCode
from ..hooks import OrderLine
from ..i18n import _
from ..i18n import ngettext
from ..money import from_minor
from ..money import to_minor
from ..offers import models as om
from .lookup import find_code
from .lookup import grouped
from .lookup import normalise_code
from .models import CodeRedemption
from .models import DiscountCode

UNKNOWN = "unknown"
EXPIRED = "expired"
USED = "used"
NOT_YOURS = "not_yours"
BELOW_MINIMUM = "below_minimum"
WRONG_ITEMS = "wrong_items"
NOT_ACTIVE = "not_active"
USED_UP = "used_up"
TOO_MANY_ATTEMPTS = "too_many_attempts"


@dataclass(frozen=True)
class Line:
    """An item of a cart, as far as a discount cares."""

    sku: str
    category: str | None
    quantity: int
    unit_cents: int


@dataclass(frozen=True)
class DiscountQuote:
    """What a code gives this cart, or why it gives nothing.

    ``ok`` is true when the code applies; then ``discount`` (a Decimal, possibly 0
    for free shipping or a gift) and ``description`` say what it gives. Otherwise
    ``reason`` is one of ``"unknown"``, ``"expired"``, ``"used"``, ``"not_yours"``,
    ``"below_minimum"``, ``"wrong_items"``, ``"not_active"``, ``"used_up"``,
    ``"too_many_attempts"``, and ``message`` says it in words.
    """

    code: str
    ok: bool
    discount: Decimal
    currency: str
    description: str
    reason: str | None = None
    message: str = ""
    free_shipping: bool = False
    gift_sku: str | None = None

    def __bool__(self) -> bool:
        return self.ok


@dataclass(frozen=True)
class Benefit:
    discount_cents: int
    description: str
    free_shipping: bool = False
    gift_sku: str | None = None


def parse_lines(items: t.Iterable[t.Any], currency: str) -> list[Line]:
    """Cart items (:class:`OrderLine` or mappings with ``sku``, ``quantity``,
    ``unit_price`` and optionally ``category``) as :class:`Line`.

    :raises InvalidOrder: an item without a SKU or a whole quantity.
    :raises InvalidAmount: a price that is not a Decimal in the currency.
    """
    lines = []
    for index, raw in enumerate(items or ()):
        fields: Mapping[str, t.Any] = vars(raw) if isinstance(raw, OrderLine) else raw
        if not isinstance(fields, Mapping):
            raise InvalidOrder(
                _("Item %(n)d must be an OrderLine or a mapping.", n=index + 1)
            )
        quantity = fields.get("quantity")
        sku = fields.get("sku")
        if (
            not isinstance(sku, str)
            or not sku
            or not isinstance(quantity, int)
            or quantity <= 0
        ):
            raise InvalidOrder(
                _("Item %(n)d needs a SKU and a whole quantity above 0.", n=index + 1)
            )
        unit = to_minor(fields.get("unit_price"), currency, what=_("unit price"))
        lines.append(Line(sku, fields.get("category"), quantity, unit))
    return lines


def _show(cents: int, currency: str) -> str:
    return str(format_currency(from_minor(cents, currency), currency))


def benefit_of(
    session: Session,
    now: datetime,
    code: DiscountCode,
    *,
    email: str | None,
    subtotal_cents: int,
    lines: list[Line],
    currency: str,
) -> Benefit:
    """What ``code`` gives this cart.

    :raises UnknownCode, CodeExpired, CodeUsed, CodeNotYours, CodeNotApplicable:
        why it gives nothing.
    """
    shown = code.display
    if code.customer_id is not None:
        # First, and in the words of a made-up code: to anyone but her, another
        # customer's code neither exists, nor expired, nor was used.
        owner = session.get(Customer, code.customer_id)
        if owner is None or email is None or owner.email != email.strip().lower():
            raise CodeNotYours(_("There is no discount code %(code)s.", code=shown))
    if code.expires_at is not None and code.expires_at <= now:
        raise CodeExpired(_("The code %(code)s has expired.", code=shown))
    if code.max_uses and code.uses >= code.max_uses:
        raise CodeUsed(_("The code %(code)s was already used.", code=shown))
    offer = session.get(om.Offer, code.offer_id) if code.offer_id else None
    if offer is None:  # a points code: money off, up to the subtotal
        cents = min(code.value_cents, subtotal_cents)
        return Benefit(
            cents, _("%(amount)s off", amount=_show(code.value_cents, currency))
        )
    if used_by_owner(session, offer, code.customer_id):
        raise CodeUsed(_("This offer was already used on another order."))
    return offer_benefit(offer, now, subtotal_cents, lines, currency, shown)


def used_by_owner(session: Session, offer: om.Offer, customer_id: int | None) -> bool:
    """Whether ``offer`` is "once per customer" and the customer who owns the code
    (``customer_id``) already used it on an order."""
    if not offer.once_per_customer or customer_id is None:
        return False
    before = sa.select(CodeRedemption.id).where(
        CodeRedemption.offer_id == offer.id, CodeRedemption.customer_id == customer_id
    )
    return session.scalar(before) is not None


def offer_benefit(
    offer: om.Offer,
    now: datetime,
    subtotal_cents: int,
    lines: list[Line],
    currency: str,
    shown: str,
) -> Benefit:
    """The benefit of ``offer`` on a cart (the applicator).

    A paused offer gives no new codes, but the codes it gave keep their promise
    until they expire; an end date (``ends_at``) stops them all.

    :raises CodeNotApplicable: not started or over, used up, below the minimum, or
        none of its products in the cart.
    """
    if offer.starts_at and offer.starts_at > now:
        raise CodeNotApplicable(
            _("The offer of the code %(code)s is not running now.", code=shown),
            NOT_ACTIVE,
        )
    if offer.ends_at and offer.ends_at <= now:
        raise CodeExpired(_("The code %(code)s has expired.", code=shown))
    if offer.max_uses is not None and offer.uses >= offer.max_uses:
        raise CodeNotApplicable(_("This offer has been used up. Sorry!"), USED_UP)
    if subtotal_cents < offer.min_subtotal_cents:
        raise CodeNotApplicable(
            _(
                "The code %(code)s needs an order of at least %(amount)s.",
                code=shown,
                amount=_show(offer.min_subtotal_cents, currency),
            ),
            BELOW_MINIMUM,
        )
    categories = set(offer.category_list)
    eligible = [line for line in lines if not categories or line.category in categories]
    if categories and not eligible:
        raise CodeNotApplicable(
            _(
                "The code %(code)s is for %(categories)s only.",
                code=shown,
                categories=", ".join(sorted(categories)),
            ),
            WRONG_ITEMS,
        )
    base = (
        sum(line.unit_cents * line.quantity for line in eligible)
        if lines
        else subtotal_cents
    )
    text = describe_benefit(offer, currency)
    if offer.benefit == om.PERCENT:
        result = Benefit(base * offer.percent // 100, text)
    elif offer.benefit == om.AMOUNT:
        result = Benefit(min(offer.amount_cents, base), text)
    elif offer.benefit == om.FREE_SHIPPING:
        result = Benefit(0, text, free_shipping=True)
    elif offer.benefit == om.GIFT:
        result = Benefit(0, text, gift_sku=offer.sku)
    elif offer.benefit == om.COMPLEMENTARY:
        match = [line for line in lines if line.sku == offer.sku]
        if not match:
            raise CodeNotApplicable(
                _("The code %(code)s is for one particular product.", code=shown),
                WRONG_ITEMS,
            )
        result = Benefit(match[0].unit_cents * offer.percent // 100, text)
    else:  # bonus points, a multiplier: nothing off the price
        result = Benefit(0, text)
    if offer.budget_cents is not None:
        left = offer.budget_cents - offer.spent_cents
        if left <= 0 and result.discount_cents:
            raise CodeNotApplicable(_("This offer has been used up. Sorry!"), USED_UP)
        result = Benefit(
            min(result.discount_cents, max(left, 0)),
            result.description,
            result.free_shipping,
            result.gift_sku,
        )
    return result


def describe_benefit(offer: om.Benefit, currency: str) -> str:
    """What the offer gives, in a few words ("20% off", "Free shipping")."""
    benefit = offer.benefit
    if benefit == om.PERCENT:
        return _("%(percent)s off", percent=format_percent(offer.percent / 100))
    if benefit == om.AMOUNT:
        return _("%(amount)s off", amount=_show(offer.amount_cents, currency))
    if benefit == om.FREE_SHIPPING:
        return _("Free shipping")
    if benefit == om.GIFT:
        return _("A free gift with your order")
    if benefit == om.COMPLEMENTARY:
        return _(
            "%(percent)s off the matching piece",
            percent=format_percent(offer.percent / 100),
        )
    if benefit == om.MULTIPLIER:
        return _(
            "%(times)s times the points",
            times=format_decimal(Decimal(offer.points) / 100),
        )
    return ngettext(
        "%(count)s bonus point",
        "%(count)s bonus points",
        offer.points,
        count=format_decimal(offer.points),
    )


def reason_of(error: LoyaltyError) -> str:
    if isinstance(error, CodeNotApplicable):
        return error.reason
    return {
        UnknownCode: UNKNOWN,
        CodeExpired: EXPIRED,
        CodeUsed: USED,
        CodeNotYours: NOT_YOURS,
    }.get(type(error), UNKNOWN)


def quote(
    session: Session,
    now: datetime,
    code: object,
    *,
    email: str | None,
    subtotal_cents: int,
    lines: list[Line],
    currency: str,
) -> DiscountQuote:
    """What ``code`` gives this cart, or the reason it gives nothing."""
    normal = normalise_code(code)
    row = find_code(session, normal) if normal else None
    shown = row.display if row else (grouped(normal) or str(code)[:40])
    try:
        if row is None:
            raise UnknownCode(_("There is no discount code %(code)s.", code=shown))
        benefit = benefit_of(
            session,
            now,
            row,
            email=email,
            subtotal_cents=subtotal_cents,
            lines=lines,
            currency=currency,
        )
    except (
        UnknownCode,
        CodeExpired,
        CodeUsed,
        CodeNotYours,
        CodeNotApplicable,
    ) as error:
        return DiscountQuote(
            code=shown,
            ok=False,
            discount=from_minor(0, currency),
            currency=currency,
            description="",
            reason=reason_of(error),
            message=error.message,
        )
    return DiscountQuote(
        code=shown,
        ok=True,
        discount=from_minor(benefit.discount_cents, currency),
        currency=currency,
        description=benefit.description,
        message=benefit.description,
        free_shipping=benefit.free_shipping,
        gift_sku=benefit.gift_sku,
    )
