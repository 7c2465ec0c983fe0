"""Issuing offers: once per key, with a code, an email by name and suggestions.

Plain functions over a session and a time; none commits. The order hook
(:func:`.order_hook.issue_for_order`) runs inside ``record_order``'s
transaction and leaves the email to the worker
(:func:`.messages.mail_due_offers`), which writes it as :mod:`.messages` does.
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

import flask_loyalty.signals as signals

from ..codes.models import OFFER
from ..codes.models import DiscountCode
from ..codes.service import code_values
from ..codes.service import insert_code
from ..customers.models import Customer
from ..db import after_commit
from ..db import attach
from ..db import core_connection
from ..db import insert_on
from ..db import one_of
from ..db import run_core
from ..measure.holdout import decided
from ..measure.holdout import decision_values
from ..measure.models import OFFER as OFFER_MEASURE
from ..measure.models import HoldoutDecision
from ..orders.models import Order
from ..points.bonuses import grant_bonus
from . import models as om
from .messages import queue_offer_mail
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
    for the worker (:func:`.messages.mail_due_offers`) to write and queue the
    email, out of this transaction. ``checked=True``: the caller has just looked
    ``key`` up.
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
