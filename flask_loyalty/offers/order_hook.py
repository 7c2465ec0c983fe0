"""The order hook: the offers an order earns, issued in ``record_order``'s
transaction, their email left to the worker (:func:`.service.mail_due_offers`)."""

from __future__ import annotations

import typing as t
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..db import UTCDateTime
from ..db import run_core
from ..orders.models import Order
from ..orders.models import OrderItem
from ..orders.service import is_new_customer
from ..orders.service import orders_so_far
from . import models as om
from .service import find_grant
from .service import issue_rows
from .service import running_where
from .suggest import shop_catalog
from .suggest import suggest_for

if t.TYPE_CHECKING:
    from ..state import LoyaltyState

ORDER_TRIGGERS = (om.FIRST_PURCHASE, om.NTH_PURCHASE, om.EVERY_PURCHASE, om.STAMP_CARD)
IMPORT_AGE = timedelta(days=2)
"""Orders recorded this long after they were placed (imports) issue no offers."""


_NOW = sa.bindparam("now", type_=UTCDateTime())
ORDER_OFFERS_RUNNING = sa.exists(
    sa.select(om.Offer.id).where(running_where(ORDER_TRIGGERS, _NOW))
)
"""Whether an offer that orders trigger runs at ``now`` (bind parameter): the
gate of :func:`issue_for_order` in ``record_order``'s first query."""


_OFFERS = om.Offer.__table__
_RUNNING_FOR_ORDERS = (
    sa.select(
        *(
            _OFFERS.c[name]
            for name in (
                *t.get_type_hints(om.OfferTerms),
                "trigger",
                "trigger_n",
                "created_at",
            )
        )
    )
    .where(running_where(ORDER_TRIGGERS, _NOW))
    .order_by(_OFFERS.c.id)
)
"""The running offers that orders trigger, as rows with what the order hook
and :func:`.service.issue` read of them (no entities: loading them cost more than the
statement)."""


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

    For a customer new with this order nothing of hers is read: it is her first
    order, she has no grants and owns nothing yet."""
    session = state.session
    if order.recorded_at - order.placed_at > IMPORT_AGE:
        return
    offers = run_core(
        session, om.Offer, _RUNNING_FOR_ORDERS, {"now": order.recorded_at}
    ).all()
    if not offers:
        return
    customer_id = order.customer_id
    new_customer = is_new_customer(order)
    count = orders_so_far(session, order)
    suggestions: list[dict[str, t.Any]] | None = None
    for offer in offers:
        if offer.created_at > order.recorded_at:
            continue  # a repeat of an order recorded before the offer existed
        key = _order_key(offer, customer_id, order, count)
        if key is None or (not new_customer and find_grant(session, key) is not None):
            continue
        if suggestions is None:
            suggestions = suggest_for(
                state,
                shop_catalog(state),
                order.items,
                order.currency,
                owned=set() if new_customer else _owned(session, customer_id, order.id),
            )
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
    offer: om.Offer, customer_id: int, order: Order, count: int
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
