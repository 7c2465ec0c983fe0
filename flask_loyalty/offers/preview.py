"""An offer's email as Anna would get it: the owner's preview, with a sample code
and suggestions, in any of the shop's languages."""

from __future__ import annotations

import typing as t

from flask_babel import force_locale

from ..customers.models import Customer
from ..links import email_url
from ..money import to_minor
from ..outbox.brand import render_mail
from ..state import LoyaltyState
from . import models as om
from .messages import describe
from .messages import message_language
from .messages import message_parts
from .suggest import shop_catalog
from .suggest import suggest_for

PREVIEW_NAME = "Anna"


def preview_email(
    state: LoyaltyState,
    offer: om.Offer,
    language: str | None = None,
    *,
    first_name: str | None = PREVIEW_NAME,
) -> dict[str, t.Any]:
    """The email as Anna would get it if her language is ``language`` (else the
    default): wholly in that language if the offer has a text in it, else wholly
    in the default language (``"language"`` in the result says which), with a
    sample code and suggestions. ``first_name=None``: as a customer who gave no
    name gets it.

    :raises InvalidContent: the owner's text does not render.
    """
    wanted = language or state.settings.languages[0]
    written_in = message_language(state, offer, wanted)
    with force_locale(written_in):
        preview = _render_preview(state, offer, written_in, first_name)
    return {**preview, "language": written_in, "wanted": wanted}


def _render_preview(
    state: LoyaltyState, offer: om.Offer, language: str, first_name: str | None
) -> dict[str, t.Any]:
    name = f"{first_name} Example" if first_name else None
    sample = Customer(name=name, email="anna@example.com")
    code = "ABCD-EFGH-JK"
    subject, text, html = message_parts(
        state, offer, first_name=sample.first_name, code=code, language=language
    )
    catalog = shop_catalog(state)
    currency = state.settings.currency
    suggestions = suggest_for(
        state, catalog, [_SampleItem(p, currency) for p in catalog[:1]], currency
    )
    body_text, body_html = render_mail(
        "offer_issued",
        customer=sample,
        offer=offer,
        grant=om.OfferGrant(suggestions=suggestions),
        code=code,
        benefit=describe(offer, state.settings.currency),
        message_text=text,
        message_html=html,
        link=email_url("account"),
        shop_name=state.settings.shop_name,
        currency=state.settings.currency,
    )
    return {"subject": subject, "text": body_text, "html": body_html}


class _SampleItem:
    """A catalog product as if it had been bought (for the preview's suggestions)."""

    def __init__(self, product: t.Any, currency: str) -> None:
        self.sku, self.name, self.category = product.sku, product.name, product.category
        self.unit_price_cents = to_minor(product.price, currency, what="price")
