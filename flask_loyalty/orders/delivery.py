"""When an order reached the customer, as the shop reports it: a return window can
count from there (``LOYALTY_RETURN_WINDOW_FROM = "delivery"``), which is what the
right of withdrawal in the EU counts from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.orm import Session

from ..clock import as_utc
from ..errors import InvalidOrder
from ..i18n import _
from .models import Order
from .service import get_order


def mark_delivered(
    session: Session, now: datetime, order_id: str, at: datetime | None = None
) -> Order:
    """Record that order ``order_id`` arrived at ``at`` (default: now), in the
    session's transaction. Calling it again corrects the time.

    :raises UnknownOrder: the order was never recorded.
    :raises InvalidOrder: ``at`` is not an aware datetime, or lies before the order
        was placed or in the future.
    """
    order = get_order(session, order_id)
    if at is None:
        arrived = now
    else:
        try:
            if not isinstance(at, datetime):
                raise TypeError
            arrived = as_utc(at)
        except (TypeError, ValueError, OverflowError):
            raise InvalidOrder(
                _(
                    "%(name)s must be a datetime with a time zone (UTC recommended).",
                    name="at",
                )
            ) from None
    if arrived < order.placed_at or arrived > now:
        raise InvalidOrder(
            _("An order cannot arrive before it was placed, nor in the future.")
        )
    order.delivered_at = arrived
    return order
