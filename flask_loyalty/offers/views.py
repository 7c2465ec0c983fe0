"""What the customer sees of offers: the account page's block (codes, stamps,
suggestions) and the block the shop shows on its order confirmation page."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Blueprint
from flask import render_template
from markupsafe import Markup

from ..codes.models import DiscountCode
from ..customers.models import Customer
from ..orders.models import Order
from ..pages import page_context
from ..state import AccountSection
from ..state import LoyaltyState
from ..state import get_state
from . import models as om
from .service import describe
from .service import stamps

RECENT = 10


def _open_grants(state: LoyaltyState, customer_id: int) -> list[om.OfferGrant]:
    """Her offers with a code she can still use, newest first."""
    now = state.now()
    return list(
        state.session.scalars(
            sa.select(om.OfferGrant)
            .join(DiscountCode, DiscountCode.id == om.OfferGrant.code_id)
            .where(
                om.OfferGrant.customer_id == customer_id,
                sa.or_(
                    DiscountCode.max_uses == 0,
                    DiscountCode.uses < DiscountCode.max_uses,
                ),
                sa.or_(
                    DiscountCode.expires_at.is_(None), DiscountCode.expires_at > now
                ),
            )
            .order_by(om.OfferGrant.id.desc())
            .limit(RECENT)
        )
    )


def offers_section(state: LoyaltyState, customer: Customer) -> dict[str, t.Any]:
    """The offers block of the account page."""
    grants = _open_grants(state, customer.id)
    currency = state.settings.currency
    return {
        "grants": grants,
        "benefits": {g.id: describe(g.offer, currency) for g in grants},
        "cards": stamps(state.session, state.now(), customer.id),
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
