"""The owner's changes to offers: save (validated), pause, duplicate, preview."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from datetime import timedelta
from decimal import Decimal

from sqlalchemy.orm import Session

import flask_loyalty.content_versions as content_versions

from ..content import personalise
from ..errors import InvalidAmount
from ..errors import InvalidContent
from ..errors import InvalidHoldout
from ..errors import InvalidOffer
from ..i18n import _
from ..measure.holdout import DEFAULT_SHARE
from ..measure.holdout import check_share
from ..measure.models import OFFER
from ..money import from_minor
from ..money import to_minor
from . import models as om

SCRIPT = re.compile(r"<\s*/?\s*(script|iframe|object|embed|style)\b", re.I)
SAMPLE = {"code": "ABCD-EFGH-JK", "offer": "20% off", "shop_name": "Shop"}


@dataclass
class OfferValues:
    """An offer as the owner typed it (money as Decimal, days as dates)."""

    name: str
    trigger: str
    benefit: str
    trigger_n: int = 0
    percent: int = 0
    amount: Decimal | None = None
    sku: str = ""
    points: int = 0
    min_subtotal: Decimal | None = None
    categories: str = ""
    valid_days: int = 30
    once_per_customer: bool = True
    code_uses: int = 1
    max_uses: int | None = None
    budget: Decimal | None = None
    starts_on: date | None = None
    ends_on: date | None = None
    active: bool = True
    subject: str = ""
    message: str = ""
    holdout_percent: int = DEFAULT_SHARE[OFFER]


def invalid(field: str, message: str) -> InvalidOffer:
    error = InvalidOffer(message)
    error.field = field  # type: ignore[attr-defined]
    return error


def check_text(field: str, source: str) -> None:
    """:raises InvalidOffer: a template error or a script in the owner's text."""
    if SCRIPT.search(source or ""):
        raise invalid(field, _("Scripts and embedded frames are not allowed here."))
    for first_name in ("Anna", None):
        try:
            personalise(source or "", first_name=first_name, **SAMPLE)
        except InvalidContent as error:
            raise invalid(field, error.message) from None


def _cents(field: str, amount: Decimal | None, currency: str) -> int | None:
    if amount is None:
        return None
    try:
        return to_minor(amount, currency, what=_("amount"))
    except InvalidAmount as error:
        raise invalid(field, error.message) from None


def save_offer(
    session: Session,
    now: datetime,
    offer: om.Offer | None,
    values: OfferValues,
    *,
    currency: str,
    known_skus: t.Collection[str] | None,
) -> om.Offer:
    """Create or change an offer; nothing is stored if a value is wrong.

    ``known_skus`` are the catalog's products (``None``: no catalog to check).

    :raises InvalidOffer: with ``field`` naming the wrong value.
    :raises InvalidHoldout: a holdout share outside 0 to 50 percent (``field``:
        ``holdout_percent``).
    """
    name = " ".join((values.name or "").split())
    if not name:
        raise invalid("name", _("Give the offer a name."))
    if values.trigger not in om.TRIGGERS:
        raise invalid("trigger", _("Choose when the offer is issued."))
    if values.benefit not in om.BENEFITS:
        raise invalid("benefit", _("Choose what the offer gives."))
    n = values.trigger_n or 0
    if values.trigger == om.WIN_BACK and n < 1:
        raise invalid("trigger_n", _("Give the number of days: 1 or more."))
    if values.trigger == om.NTH_PURCHASE and n < 2:
        raise invalid("trigger_n", _("Give the order that brings it: 2 or more."))
    if values.trigger == om.STAMP_CARD and n < 2:
        raise invalid("trigger_n", _("Give the stamps for a full card: 2 or more."))
    percent = values.percent or 0
    if not 0 <= percent <= 100:
        raise invalid("percent", _("A percent must be from 0 to 100."))
    if values.benefit in (om.PERCENT, om.COMPLEMENTARY) and percent == 0:
        raise invalid("percent", _("Give the percent off (1 to 100)."))
    amount = _cents("amount", values.amount, currency) or 0
    if values.benefit == om.AMOUNT and amount <= 0:
        raise invalid("amount", _("Give the amount off."))
    sku = (values.sku or "").strip()
    if values.benefit in (om.GIFT, om.COMPLEMENTARY):
        if not sku:
            raise invalid("sku", _("Give the product's SKU."))
        if known_skus is not None and sku not in known_skus:
            raise invalid("sku", _("There is no product %(sku)s in the shop.", sku=sku))
    points = values.points or 0
    if values.benefit == om.BONUS_POINTS and points <= 0:
        raise invalid("points", _("Give the number of bonus points."))
    if values.benefit == om.MULTIPLIER and points <= 100:
        raise invalid("points", _("A multiplier is above 100 (200 = double points)."))
    starts = _day(values.starts_on)
    ends = _day(values.ends_on, end=True)
    if starts and ends and ends <= starts:
        raise invalid("ends_on", _("The end date is before the start date."))
    budget = _cents("budget", values.budget, currency)
    if budget is not None and budget <= 0:
        raise invalid("budget", _("A budget must be above zero."))
    check_text("subject", values.subject)
    if "\n" in (values.subject or ""):
        raise invalid("subject", _("The subject must be one line."))
    check_text("message", values.message)
    try:
        share = check_share(values.holdout_percent)
    except InvalidHoldout as error:
        error.field = "holdout_percent"  # type: ignore[attr-defined]
        raise
    if offer is None:
        offer = om.Offer(created_at=now, uses=0, spent_cents=0)
        session.add(offer)
    offer.name = name[:200]
    offer.trigger, offer.trigger_n, offer.benefit = values.trigger, n, values.benefit
    offer.percent, offer.amount_cents, offer.points = percent, amount, points
    offer.sku = sku or None
    offer.min_subtotal_cents = (
        _cents("min_subtotal", values.min_subtotal, currency) or 0
    )
    offer.categories = ",".join(
        c.strip() for c in (values.categories or "").split(",") if c.strip()
    )
    offer.valid_days = values.valid_days or 0
    offer.once_per_customer = bool(values.once_per_customer)
    offer.code_uses = values.code_uses if values.code_uses is not None else 1
    offer.max_uses, offer.budget_cents = values.max_uses, budget
    offer.starts_at, offer.ends_at = starts, ends
    offer.active = bool(values.active)
    offer.subject = (values.subject or "").strip()
    offer.message = values.message or ""
    offer.holdout_percent = share  # decisions made stay as they were
    offer.updated_at = now
    session.flush()
    return offer


def _day(day: date | None, *, end: bool = False) -> datetime | None:
    if day is None:
        return None
    start = datetime.combine(day, time(0), tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def values_of(offer: om.Offer, currency: str) -> dict[str, t.Any]:
    """The form's data for an offer."""

    def money(cents: int | None) -> Decimal | None:
        return None if cents is None else from_minor(cents, currency)

    return {
        "name": offer.name,
        "trigger": offer.trigger,
        "trigger_n": offer.trigger_n,
        "benefit": offer.benefit,
        "percent": offer.percent,
        "amount": money(offer.amount_cents) if offer.amount_cents else None,
        "sku": offer.sku or "",
        "points": offer.points,
        "min_subtotal": money(offer.min_subtotal_cents)
        if offer.min_subtotal_cents
        else None,
        "categories": offer.categories,
        "valid_days": offer.valid_days,
        "once_per_customer": offer.once_per_customer,
        "code_uses": offer.code_uses,
        "max_uses": offer.max_uses,
        "budget": money(offer.budget_cents),
        "starts_on": offer.starts_at.date() if offer.starts_at else None,
        "ends_on": (offer.ends_at - timedelta(days=1)).date()
        if offer.ends_at
        else None,
        "active": offer.active,
        "subject": offer.subject,
        "message": offer.message,
        "holdout_percent": offer.holdout_percent,
    }


def duplicate(session: Session, now: datetime, offer: om.Offer) -> om.Offer:
    """A paused copy of ``offer`` (without its counters), named "... (copy)"."""
    skip = {"id", "uses", "spent_cents", "created_at", "updated_at", "active", "name"}
    copy = om.Offer(
        **{
            c.key: getattr(offer, c.key)
            for c in om.Offer.__table__.c
            if c.key not in skip
        },
        name=_("%(name)s (copy)", name=offer.name)[:200],
        active=False,
        uses=0,
        spent_cents=0,
        created_at=now,
        updated_at=now,
    )
    session.add(copy)
    session.flush()
    return copy


def save_message(
    offer: om.Offer,
    now: datetime,
    language: object,
    languages: t.Sequence[str],
    *,
    subject: str,
    message: str,
    name: str = "",
) -> str:
    """Store the offer's subject and message, and its name as customers read it
    (empty: the default language's), in ``language`` (one of ``languages``, the
    shop's languages, default first); return the language.

    :raises InvalidOffer: an unknown language, an empty message, a subject or
        name over one line or too long, or a text with a template error or a
        script (``field`` says which).
    """
    code = content_versions.check_language(language, languages, InvalidOffer)
    subject = (subject or "").strip()
    name = " ".join((name or "").split())
    if "\n" in subject:
        raise invalid("subject", _("The subject must be one line."))
    if len(name) > 200:
        raise invalid("name", _("The name is too long."))
    if code != languages[0] and not (message or "").strip():
        raise invalid("message", _("Write the message in this language."))
    check_text("subject", subject)
    check_text("message", message)
    fields = {"subject": subject, "message": message.replace("\r\n", "\n")}
    if name or code != languages[0]:
        fields["name"] = name or (offer.name if code == languages[0] else "")
    content_versions.write(offer, code, languages, fields, now)
    offer.updated_at = now
    return code
