"""What the customer sees of offers: the account page's block (codes, stamps,
suggestions) and the block the shop shows on its order confirmation page."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Blueprint
from flask import render_template
from markupsafe import Markup

from ..customers.account import stamps
from ..customers.models import Customer
from ..customers.views import account_reads
from ..orders.models import Order
from ..pages import page_context
from ..state import AccountSection
from ..state import LoyaltyState
from ..state import get_state
from . import models as om
from .messages import describe


def offers_section(state: LoyaltyState, customer: Customer) -> dict[str, t.Any]:
    """The offers block of the account page."""
    reads = account_reads(state, customer)
    grants = reads.codes.grants
    currency = state.settings.currency
    described: dict[int, str] = {}  # once per offer, not once per code
    for grant in grants:
        if grant.offer_id not in described:
            described[grant.offer_id] = describe(grant.offer, currency)
    return {
        "grants": grants,
        "benefits": {g.id: described[g.offer_id] for g in grants},
        "cards": stamps(reads),
        "currency": currency,
    }


def offer_for_order(order_id: str) -> Markup:
    """The offer an order earned, as HTML for the shop's confirmation page (empty
    if none). In a template: ``{{ loyalty_offer_for_order(order.number) }}``, or the
    macro ``offer_for_order`` of ``loyalty/offers/_macros.html``."""

    state = get_state()
    grants = state.session.scalars(
        sa.select(om.OfferGrant)
        .join(Order, Order.id == om.OfferGrant.order_id)
        .where(Order.reference == str(order_id))
        .order_by(om.OfferGrant.id)
    ).all()
    if not grants:
        return Markup("")
    currency = state.settings.currency
    return Markup(
        render_template(
            "loyalty/offers/_confirmation.html",
            grants=grants,
            benefits={g.id: describe(g.offer, currency) for g in grants},
            currency=currency,
            **page_context(state),
        )
    )


def register(bp: Blueprint, state: LoyaltyState) -> None:
    state.account_sections.append(
        AccountSection("loyalty/offers/_account.html", offers_section, position=15)
    )
    bp.add_app_template_global(offer_for_order, "loyalty_offer_for_order")
