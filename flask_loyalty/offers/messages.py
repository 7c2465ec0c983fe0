"""The words of an offer and its email: the benefit in a few words, the
message's parts and language for one reader, and the email itself, queued in
the order's transaction (:func:`queue_offer_mail`) or later by the worker
(:func:`mail_due_offers`)."""

from __future__ import annotations

import typing as t
from datetime import datetime

import sqlalchemy as sa

import flask_loyalty.content_versions as content_versions

from ..codes.checkout import describe_benefit
from ..content import personalise
from ..content import to_text_and_html
from ..customers.models import Customer
from ..errors import InvalidContent
from ..links import email_url
from ..locales import reader_language
from ..locales import reader_locale
from ..outbox.brand import render_mail
from ..outbox.queueing import queue_mail
from . import models as om

if t.TYPE_CHECKING:
    from ..state import LoyaltyState


def describe(offer: om.Benefit, currency: str) -> str:
    """The benefit in a few words ("20% off")."""
    return describe_benefit(offer, currency)


def message_parts(
    state: LoyaltyState,
    offer: om.Offer,
    *,
    first_name: str | None,
    code: str,
    language: str | None = None,
) -> tuple[str, str, str]:
    """The offer email's subject, plain text and clean HTML for one reader,
    in ``language`` if the offer has a version in it, else in the default
    language (``None``: the default).

    :raises InvalidContent: the owner's text does not render.
    """
    offered = state.settings.languages
    version = content_versions.read(
        offer, ("subject", "message"), language or offered[0], offered
    )
    values = {
        "first_name": first_name or None,
        "shop_name": state.settings.shop_name,
        "code": code,
        "offer": describe(offer, state.settings.currency),
    }
    subject = personalise(version["subject"] or offer.name, **values).strip()
    text = personalise(version["message"], markdown=True, **values)
    return subject.replace("\n", " ")[:200], *to_text_and_html(text)


def queue_offer_mail(
    state: LoyaltyState,
    now: datetime,
    offer: om.Offer,
    customer: Customer,
    grant: om.OfferGrant,
) -> None:
    """Queue the offer's email to her, in the current transaction: wholly in her
    language if the owner wrote the offer's text in it, else wholly in the shop's
    default language (the benefit's words and the email around it included)."""

    code = grant.code.display if grant.code else ""
    language = message_language(state, offer, customer.locale)
    try:
        link = email_url("account")
    except RuntimeError:
        link = None
    with reader_locale(state, language):  # the benefit's words in the same one
        try:
            subject, text, html = message_parts(
                state,
                offer,
                first_name=customer.first_name,
                code=code,
                language=language,
            )
        except InvalidContent:  # saved texts are checked; keep the offer, plain
            subject, text, html = offer.name, "", ""
        body_text, body_html = render_mail(
            "offer_issued",
            customer=customer,
            offer=offer,
            grant=grant,
            code=code,
            message_text=text,
            message_html=html,
            link=link,
            shop_name=state.settings.shop_name,
            currency=state.settings.currency,
            benefit=describe(offer, state.settings.currency),
        )
    queue_mail(
        state.session,
        now,
        kind="offer",
        to=customer.email,
        subject=subject,
        text=body_text,
        html=body_html,
        language=language,
        insert_now=True,
    )


_MAIL_DUE = sa.select(om.OfferGrant.id).where(om.OfferGrant.mail_due)
_CLAIM_MAIL = (
    sa.update(om.OfferGrant)
    .where(om.OfferGrant.id == sa.bindparam("grant_id"), om.OfferGrant.mail_due)
    .values(mail_due=False)
    .execution_options(synchronize_session=False)
)


def count_due_offer_mail(state: LoyaltyState) -> int:
    """How many offers earned by orders wait for their email."""
    return int(
        state.session.scalar(
            sa.select(sa.func.count()).select_from(_MAIL_DUE.subquery())
        )
        or 0
    )


def mail_due_offers(
    state: LoyaltyState, progress: t.Callable[[int], None] | None = None
) -> int:
    """The worker's task: write and queue the email of each offer an order
    earned (her language, her name and the products chosen for her, as when it
    was issued), one grant per transaction; return how many were queued.

    Each grant is claimed by an ``UPDATE ... WHERE mail_due`` first, so two
    workers never both mail it, and a grant whose customer was erased since is
    let go without mail."""
    session = state.session
    done = 0
    for grant_id in session.scalars(_MAIL_DUE.order_by(om.OfferGrant.id)).all():
        claimed = session.execute(_CLAIM_MAIL, {"grant_id": grant_id}).rowcount
        grant = session.get(om.OfferGrant, grant_id) if claimed else None
        if grant is not None and grant.customer.erased_at is None:
            queue_offer_mail(state, state.now(), grant.offer, grant.customer, grant)
            done += 1
        session.commit()
        if progress is not None:
            progress(1)
    return done


def message_language(state: LoyaltyState, offer: om.Offer, stored: str | None) -> str:
    """The one language of the offer's message to a reader whose language is
    ``stored``: hers if the owner wrote the offer in it, else the default."""
    offered = state.settings.languages
    wanted = reader_language(state, stored)
    return content_versions.read(
        offer, ("subject", "message"), wanted, offered
    ).language
