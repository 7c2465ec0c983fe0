"""The owner's list of offers: each offer's name, status, when it is given and
what it gives in plain words, its dates, and how often it was issued and used;
with the chart of orders from new and returning customers."""

from __future__ import annotations

import typing as t
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from babel.dates import format_interval
from flask import Blueprint
from flask import current_app
from flask import render_template
from flask_babel import format_date
from flask_babel import get_locale

from ..codes.models import CodeRedemption
from ..forms import ActionForm
from ..i18n import _
from ..i18n import ngettext
from ..owner.access import owner_required
from ..state import LoyaltyState
from ..state import get_state
from . import models as om
from .messages import describe
from .report import chart_svg
from .report import new_vs_returning
from .service import exhausted


def when_given(trigger: str, n: int) -> str:
    """When an offer is given, in plain words with its number ("After 90 days
    without an order")."""
    if trigger == om.NTH_PURCHASE:
        return _("With her order number %(n)s", n=n)
    if trigger == om.WIN_BACK:
        return ngettext(
            "After %(num)d day without an order",
            "After %(num)d days without an order",
            n,
        )
    if trigger == om.STAMP_CARD:
        return ngettext(
            "Stamp card: after %(num)d order, the next one free",
            "Stamp card: after %(num)d orders, the next one free",
            n,
        )
    return {
        om.FIRST_PURCHASE: _("After her first order"),
        om.EVERY_PURCHASE: _("After every order but the first"),
        om.BIRTHDAY: _("On her birthday"),
        om.NEWSLETTER: _("When she confirms her newsletter subscription"),
        om.MANUAL: _("When you send it to a segment"),
    }.get(trigger, trigger)


def status(offer: om.Offer, now: datetime) -> tuple[str, str]:
    """The offer's state as (a class for its badge, its word)."""
    if not offer.active:
        return "paused", _("Paused")
    if offer.ends_at is not None and offer.ends_at <= now:
        return "ended", _("Ended")
    if exhausted(offer):
        return "ended", _("Used up")
    if offer.starts_at is not None and offer.starts_at > now:
        return "scheduled", _("Scheduled")
    return "active", _("Active")


def dates(offer: om.Offer) -> str:
    """The days the offer runs, compact ("Mar 1 – Dec 31, 2026"); the end date
    stored is the day after the last."""
    last = offer.ends_at - timedelta(days=1) if offer.ends_at is not None else None
    if offer.starts_at is not None and last is not None:
        return t.cast(
            str,
            format_interval(
                offer.starts_at.date(),
                last.date(),
                "yMMMd",
                locale=get_locale() or "en",
            ),
        )
    if offer.starts_at is not None:
        return _("from %(day)s", day=format_date(offer.starts_at.date()))
    if last is not None:
        return _("until %(day)s", day=format_date(last.date()))
    return _("no end date")


def _counts(session: t.Any, query: t.Any) -> dict[int, int]:
    return dict(session.execute(query).all())


def register(bp: Blueprint, state: LoyaltyState) -> None:
    @bp.route("/owner/offers/")
    @owner_required
    def owner_offers() -> t.Any:
        state = get_state()
        s = state.session
        now = state.now()
        offers = s.scalars(sa.select(om.Offer).order_by(om.Offer.id.desc())).all()
        issued = _counts(
            s,
            sa.select(om.OfferGrant.offer_id, sa.func.count()).group_by(
                om.OfferGrant.offer_id
            ),
        )
        redeemed = _counts(
            s,
            sa.select(CodeRedemption.offer_id, sa.func.count())
            .where(CodeRedemption.offer_id.is_not(None))
            .group_by(CodeRedemption.offer_id),
        )
        chart = chart_svg(
            new_vs_returning(s, now),
            new_label=_("new customers"),
            returning_label=_("returning customers"),
            # The app's template filter: a shop or test that wraps it wraps these.
            month_label=current_app.jinja_env.filters["loyalty_month"],
        )
        currency = state.settings.currency
        rows = [
            {
                "offer": o,
                "status": status(o, now),
                "when": when_given(o.trigger, o.trigger_n),
                "gives": describe(o, currency),
                "dates": dates(o),
                "issued": issued.get(o.id, 0),
                "used": redeemed.get(o.id, 0),
            }
            for o in offers
        ]
        return render_template(
            "loyalty/offers/owner_list.html",
            rows=rows,
            chart=chart,
            action=ActionForm(),
        )
