"""Issuing offers: once per key, with a code, an email by name and suggestions.

Plain functions over a session and a time; none commits but the worker's
:func:`mail_due_offers`. The order hook :func:`issue_for_order` runs inside
``record_order``'s transaction and leaves the email to the worker.
"""

from __future__ import annotations

import functools
import typing as t
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

import flask_loyalty.content_versions as content_versions
import flask_loyalty.signals as signals

from ..codes.checkout import describe_benefit
from ..codes.models import OFFER
from ..codes.models import DiscountCode
from ..codes.service import code_values
from ..codes.service import insert_code
from ..content import personalise
from ..content import to_text_and_html
from ..customers.models import Customer
from ..db import after_commit
from ..db import attach
from ..db import core_connection
from ..db import insert_on
from ..db import one_of
from ..db import run_core
from ..errors import InvalidContent
from ..links import email_url
from ..locales import reader_language
from ..locales import reader_locale
from ..measure.holdout import decided
from ..measure.holdout import decision_values
from ..measure.models import OFFER as OFFER_MEASURE
from ..measure.models import HoldoutDecision
from ..orders.models import Order
from ..outbox.brand import render_mail
from ..outbox.queueing import queue_mail
from ..points.bonuses import grant_bonus
from . import models as om
from .together import Written
from .together import insert_together

if t.TYPE_CHECKING:
    from ..state import LoyaltyState


def running(session: Session, now: datetime, *triggers: str) -> list[om.Offer]:
    """Active offers with one of ``triggers`` whose dates include ``now``."""
    return list(session.scalars(_running(triggers), {"now": now}))


@functools.cache
def _running(triggers: tuple[str, ...]) -> sa.Select[tuple[om.Offer]]:
    now = sa.bindparam("now", type_=om.Offer.starts_at.type)
    return sa.select(om.Offer).where(running_where(triggers, now)).order_by(om.Offer.id)


def running_where(triggers: t.Sequence[str], now: t.Any) -> sa.ColumnElement[bool]:
    """The condition of :func:`running` (``now``: a time or a bind parameter)."""
    return sa.and_(
        one_of(om.Offer.trigger, triggers),
        om.Offer.active.is_(True),
        sa.or_(om.Offer.starts_at.is_(None), om.Offer.starts_at <= now),
        sa.or_(om.Offer.ends_at.is_(None), om.Offer.ends_at > now),
    )


def exhausted(offer: om.OfferTerms) -> bool:
    """Whether the offer's cap on uses or its budget is reached."""
    if offer.max_uses is not None and offer.uses >= offer.max_uses:
        return True
    return offer.budget_cents is not None and offer.spent_cents >= offer.budget_cents


def find_grant(session: Session, key: str) -> om.OfferGrant | None:
    return session.scalar(_GRANT_BY_KEY, {"key": key})


_GRANT_BY_KEY = sa.select(om.OfferGrant).where(om.OfferGrant.key == sa.bindparam("key"))
_DELETE_CODE = sa.delete(DiscountCode).where(DiscountCode.id == sa.bindparam("code_id"))


def issue(
    state: LoyaltyState,
    now: datetime,
    offer: om.OfferTerms,
    customer: Customer,
    **options: t.Any,
) -> om.OfferGrant | None:
    """:func:`issue_rows` (``options``: its keywords), giving the grant."""
    issued = issue_rows(state, now, offer, customer, **options)
    return None if issued is None else issued.grant()


Suggestions = list[dict[str, t.Any]] | t.Callable[[], list[dict[str, t.Any]]]
"""What :func:`issue_rows` takes as ``suggestions``: the products, or a function
that chooses them."""


@dataclass
class Issued:
    """A grant just written: its id and columns, its object made on demand (the
    order hook needs none; the signal's receivers, if any, get it)."""

    session: Session
    grant_id: int
    values: dict[str, t.Any]
    code: dict[str, t.Any] | None
    offer: om.OfferTerms
    _grant: om.OfferGrant | None = None

    def grant(self) -> om.OfferGrant:
        """The grant's object, with its code and offer (read if a row was
        given), so that reading them after the commit takes no SQL."""
        if self._grant is None:
            session = self.session
            grant = attach(session, om.OfferGrant, id=self.grant_id, **self.values)
            if self.code is not None:
                code = attach(session, DiscountCode, id=grant.code_id, **self.code)
                set_committed_value(grant, "code", code)
            offer = self.offer
            if not isinstance(offer, om.Offer):
                offer = session.get(om.Offer, offer.id)
            set_committed_value(grant, "offer", offer)
            self._grant = grant
        return self._grant


def issue_rows(
    state: LoyaltyState,
    now: datetime,
    offer: om.OfferTerms,
    customer: Customer,
    *,
    key: str,
    order: Order | None = None,
    suggestions: Suggestions | None = None,
    send_mail: bool = True,
    mail_later: bool = False,
    checked: bool = False,
    holdout: bool = True,
) -> Issued | None:
    """Issue ``offer`` to ``customer`` once per ``key``: a code (or the bonus
    points), the grant, the email. ``None`` if it was issued before or is used up,
    or if her personal data was erased. ``mail_later=True``: the grant is marked
    for :func:`mail_due_offers` (the worker) to write and queue the email, out of
    this transaction. ``checked=True``: the caller has just looked ``key`` up.
    ``suggestions``: the products chosen for her, or a function that chooses
    them, called only when a grant is to be written (not for a customer held out
    of the offer). ``holdout=False``: no holdout of the offer's own (a journey's
    step, whose journey has its holdout); else a customer held out of the offer
    (:func:`~flask_loyalty.measure.holdout.held_out`) gets ``None``.
    The grant's ``INSERT ... ON CONFLICT (key) DO NOTHING`` settles a race (the
    loser takes its code back), without a savepoint. The grant's object is made
    only when asked for (:meth:`Issued.grant`)."""
    session = state.session
    if customer.erased_at is not None:
        return None
    if exhausted(offer) or (not checked and find_grant(session, key) is not None):
        return None
    decision = None
    if holdout:
        decision = decision_values(
            now, OFFER_MEASURE, offer.id, offer.holdout_percent, customer_id=customer.id
        )
    code_fields = None
    if offer.benefit != om.BONUS_POINTS:
        code_fields = _code_fields(state, now, offer, customer)
    values = {
        "key": key,
        "offer_id": offer.id,
        "customer_id": customer.id,
        "code_id": None,
        "order_id": order.id if order is not None else None,
        "suggestions": [],
        "created_at": now,
        "mail_due": send_mail and mail_later,
    }
    connection = core_connection(session, om.OfferGrant)
    code, picked = None, None
    if decision is not None and code_fields is not None and _together(connection):
        code = code_values(now, **code_fields)
        if not decision["held_out"]:  # else the statement writes no grant
            picked = values["suggestions"] = _chosen(suggestions)
        written = insert_together(connection, decision, code, values)
    elif decision is not None:
        new_id = insert_on(connection, HoldoutDecision, decision, unique="key")
        written = Written(new_id, None, None)
    else:
        written = Written(None, None, None)
    if decision is not None and decided(session, decision, written.decision_id):
        return None
    code_id, grant_id = written.code_id, written.grant_id
    if code_fields is not None and code_id is None:  # not written together
        code_id, code = insert_code(session, now, **code_fields)
    values["code_id"] = code_id
    if written.code_id is None:  # the grant was not tried together
        if picked is None:
            values["suggestions"] = _chosen(suggestions)
        grant_id = insert_on(connection, om.OfferGrant, values, unique="key")
    if grant_id is None:  # issued since the look-up, by a concurrent order of hers
        if code_id is not None:
            run_core(session, DiscountCode, _DELETE_CODE, {"code_id": code_id})
        return None
    issued = Issued(session, grant_id, values, code, offer)
    if offer.benefit == om.BONUS_POINTS:
        grant_bonus(
            session,
            now,
            customer_id=customer.id,
            points=offer.points,
            key=f"offer:{key}"[:120],
            note=offer.name[:200],
        )
    mail_now = send_mail and not mail_later
    if mail_now or signals.offer_issued.receivers:  # else no one reads the object
        grant = issued.grant()
        if mail_now:
            queue_offer_mail(state, now, t.cast(om.Offer, offer), customer, grant)
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    after_commit(session, lambda: _announce(app, customer, issued))
    return issued


def _chosen(suggestions: Suggestions | None) -> list[dict[str, t.Any]]:
    return suggestions() if callable(suggestions) else list(suggestions or [])


def _code_fields(
    state: LoyaltyState, now: datetime, offer: om.OfferTerms, customer: Customer
) -> dict[str, t.Any]:
    """What the code an offer issues is (for :func:`.codes.service.code_values`)."""
    expires = now + timedelta(days=offer.valid_days) if offer.valid_days else None
    if offer.ends_at is not None and (expires is None or offer.ends_at < expires):
        expires = offer.ends_at
    return {
        "value_cents": offer.amount_cents if offer.benefit == om.AMOUNT else 0,
        "currency": state.settings.currency,
        "customer_id": customer.id,
        "source": OFFER,
        "expires_at": expires,
        "max_uses": offer.code_uses,
        "offer_id": offer.id,
    }


def _together(connection: sa.Connection) -> bool:
    """Whether the three rows go in one statement (:mod:`.together`)."""
    return connection.dialect.name == "postgresql"


def _announce(app: t.Any, customer: Customer, issued: Issued) -> None:
    if issued._grant is not None:  # made for the receivers there were
        signals.offer_issued.send(app, customer=customer, grant=issued._grant)


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
