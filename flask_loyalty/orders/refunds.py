"""Recording refunds of recorded orders: validated, idempotent, all-or-nothing;
an amount or items, with or without shipping."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..db import atomic
from ..errors import InvalidRefund
from ..i18n import _
from ..money import to_minor
from .models import Order
from .models import Refund
from .models import RefundItem
from .service import check_text
from .service import content_fingerprint
from .service import get_order
from .service import show_amount


def _refund_items(
    order: Order, items: Mapping[str, int]
) -> tuple[list[RefundItem], int]:
    """Spread refunded quantities per SKU over the order's lines, oldest line first."""
    refunded: dict[int, int] = {}
    for refund in order.refunds:
        for item in refund.items:
            refunded[item.order_item_id] = (
                refunded.get(item.order_item_id, 0) + item.quantity
            )
    result: list[RefundItem] = []
    value = 0
    for sku, quantity in sorted(items.items()):
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity <= 0:
            raise InvalidRefund(
                _(
                    "The quantity to refund of %(sku)s must be a whole number above 0.",
                    sku=repr(sku),
                )
            )
        lines = [line for line in order.items if line.sku == sku]
        if not lines:
            raise InvalidRefund(
                _(
                    "Order %(id)s has no item %(sku)s.",
                    id=repr(order.reference),
                    sku=repr(sku),
                )
            )
        left = quantity
        for line in lines:
            take = min(left, line.quantity - refunded.get(line.id, 0))
            if take > 0:
                result.append(RefundItem(order_item=line, quantity=take))
                value += take * line.unit_price_cents
                left -= take
        if left:
            raise InvalidRefund(
                _(
                    "Only %(n)d of %(sku)s are left to refund.",
                    n=quantity - left,
                    sku=repr(sku),
                )
            )
    return result, value


def _check_shipping(order: Order, shipping_cents: int, amount_cents: int) -> None:
    """:raises InvalidRefund: shipping above the refund, or above the order's
    shipping not yet given back (``to_minor`` refused a negative one already)."""
    if shipping_cents > amount_cents:
        raise InvalidRefund(_("The shipping refund is more than the refund amount."))
    left = order.shipping_cents - sum(r.shipping_cents for r in order.refunds)
    if shipping_cents > left:
        raise InvalidRefund(
            _(
                "Only %(left)s of shipping is left to refund on order %(id)s.",
                left=show_amount(max(left, 0), order.currency),
                id=repr(order.reference),
            )
        )


def record_refund(
    session: Session,
    now: datetime,
    *,
    order_id: object,
    refund_id: object,
    amount: object = None,
    items: Mapping[str, int] | None = None,
    shipping: object = None,
    reason: object = None,
) -> tuple[Refund, bool]:
    """Store a refund once; return ``(refund, created)``.

    Give ``amount`` (money back), ``items`` (``{sku: quantity}``, the amount then
    defaults to their price), or both (an amount up to the items' price).
    ``shipping`` is the part of the money that gives back shipping: it is added to
    the items' price when no ``amount`` is given, and is alone the amount when
    neither is. The same ``refund_id`` with the same contents changes nothing.

    :raises UnknownOrder: the order was never recorded.
    :raises InvalidAmount: the amount is not a Decimal with the currency's places.
    :raises InvalidRefund: nothing to refund, more than is left on the order, items
        that were not bought or are already refunded, or a reused ``refund_id``
        with other contents.
    """
    reference = check_text(refund_id, _("refund id"), max_len=64)
    order_ref = check_text(order_id, _("order id"), max_len=64)
    note = check_text(reason, _("reason"), max_len=500, optional=True)
    order = get_order(session, order_ref)
    if items is not None and not isinstance(items, Mapping):
        raise InvalidRefund(_("The items to refund must map SKUs to quantities."))
    if amount is None and not items and shipping is None:
        raise InvalidRefund(_("Give an amount or items to refund."))
    amount_cents = (
        None
        if amount is None
        else to_minor(amount, order.currency, what=_("refund amount"))
    )
    shipping_cents = (
        None
        if shipping is None
        else to_minor(shipping, order.currency, what=_("shipping refund"))
    )
    contents = [order_ref, amount_cents, sorted((items or {}).items()), note]
    if shipping_cents is not None:  # refunds recorded before keep their fingerprint
        contents.append(shipping_cents)
    fingerprint = content_fingerprint(contents)
    found = session.scalar(sa.select(Refund).where(Refund.reference == reference))
    if found is not None:
        if found.fingerprint != fingerprint:
            raise InvalidRefund(
                _(
                    "Refund %(id)s was already recorded with different contents.",
                    id=repr(reference),
                )
            )
        return found, False

    def store() -> tuple[Refund, bool]:
        refund_items, items_value = _refund_items(order, items or {})
        ship = shipping_cents or 0
        cents = items_value + ship if amount_cents is None else amount_cents
        if items and cents - ship > items_value:
            raise InvalidRefund(
                _("The refund amount is more than the refunded items cost.")
            )
        _check_shipping(order, ship, cents)
        if cents <= 0:
            raise InvalidRefund(_("The refund amount must be above zero."))
        left = order.total_cents - order.refunded_cents
        if cents > left:
            raise InvalidRefund(
                _(
                    "Only %(left)s is left to refund on order %(id)s.",
                    left=show_amount(left, order.currency),
                    id=repr(order.reference),
                )
            )
        refund = Refund(
            reference=reference,
            order=order,
            amount_cents=cents,
            shipping_cents=ship,
            reason=note,
            created_at=now,
            fingerprint=fingerprint,
            items=refund_items,
        )
        session.add(refund)
        session.flush()
        return refund, True

    return atomic(session, store, mapper=Order)
