"""The order hook: the offers an order earns, issued in ``record_order``'s
transaction, their email left to the worker (:func:`.messages.mail_due_offers`)."""

from __future__ import annotations

import functools
import typing as t
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..db import run_core
from ..orders.first_query import first_rows
from ..orders.models import Order
from ..orders.models import OrderItem
from ..orders.service import is_new_customer
from ..orders.service import orders_so_far
from . import models as om
from .running import RUNNING_ALONE
from .running import RUNNING_READ
from .running import RunningOffer
from .running import running_offers
from .service import find_grant
from .service import issue_rows
from .suggest import shop_catalog
from .suggest import suggest_for

if t.TYPE_CHECKING:
    from ..state import LoyaltyState

IMPORT_AGE = timedelta(days=2)
"""Orders recorded this long after they were placed (imports) issue no offers."""


def _owned(session: Session, customer_id: int, order_id: int) -> set[str]:
    return set(
        session.scalars(
            sa.select(OrderItem.sku)
            .join(Order, Order.id == OrderItem.order_id)
            .where(Order.customer_id == customer_id, Order.id != order_id)
        )
    )


def issue_for_order(state: LoyaltyState, order: Order) -> None:
    """Order hook: the first-purchase, n-th purchase, every-purchase and stamp
    card offers this order earns (each once, by its key).

    The running offers were read by the order's first query
    (:data:`.running.RUNNING_READ`), else one query reads them. For a customer
    new with this order nothing of hers is read: it is her first order, she has
    no grants and owns nothing yet."""
    session = state.session
    if order.recorded_at - order.placed_at > IMPORT_AGE:
        return
    rows = first_rows(order, RUNNING_READ)
    if rows is None:
        text = run_core(
            session, om.Offer, RUNNING_ALONE, {"now": order.recorded_at}
        ).scalar()
    else:  # read with the order's look-up
        text = rows[0].offers_running
    offers = running_offers(text)
    if not offers:
        return
    customer_id = order.customer_id
    new_customer = is_new_customer(order)
    count = orders_so_far(session, order)

    @functools.cache
    def suggestions() -> list[dict[str, t.Any]]:
        """Chosen once per order, and only for an offer she is not held out of."""
        return suggest_for(
            state,
            shop_catalog(state),
            order.items,
            order.currency,
            owned=set() if new_customer else _owned(session, customer_id, order.id),
        )

    for offer in offers:
        if offer.created_at > order.recorded_at:
            continue  # a repeat of an order recorded before the offer existed
        key = _order_key(offer, customer_id, order, count)
        if key is None or (not new_customer and find_grant(session, key) is not None):
            continue
        issue_rows(
            state,
            order.recorded_at,
            offer,
            order.customer,
            key=key,
            order=order,
            suggestions=suggestions,
            mail_later=True,
            checked=True,
        )


def _order_key(
    offer: RunningOffer, customer_id: int, order: Order, count: int
) -> str | None:
    n = max(offer.trigger_n, 1)
    if offer.trigger == om.FIRST_PURCHASE and count == 1:
        return f"first:{offer.id}:{customer_id}"
    if offer.trigger == om.NTH_PURCHASE and count == n:
        return f"nth:{offer.id}:{customer_id}"
    if offer.trigger == om.EVERY_PURCHASE and count >= 2:
        return f"every:{offer.id}:{order.id}"
    if offer.trigger == om.STAMP_CARD and count % n == 0:
        return f"stamp:{offer.id}:{customer_id}:{count // n}"
    return None
