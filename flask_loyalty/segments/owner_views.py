"""The owner's segment pages: each segment's size, its members, the thresholds."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from wtforms import DecimalField
from wtforms import IntegerField
from wtforms import SelectChoice
from wtforms import SelectField
from wtforms.validators import InputRequired
from wtforms.validators import NumberRange

from ..errors import InvalidAmount
from ..errors import InvalidSegment
from ..forms import LoyaltyForm
from ..i18n import _
from ..i18n import lazy_gettext
from ..money import from_minor
from ..money import to_minor
from ..newsletter.models import DRAFT
from ..newsletter.models import SCHEDULED
from ..newsletter.models import Campaign
from ..owner.access import owner_required
from ..owner.listing import page_number
from ..state import LoyaltyState
from ..state import get_state
from . import service


class AudienceForm(LoyaltyForm):
    """Narrow a draft campaign's audience to this segment."""

    campaign = SelectField(lazy_gettext("Campaign (drafts and scheduled)"), coerce=int)


def _campaigns(state: LoyaltyState) -> list[t.Any]:
    return list(
        state.session.scalars(
            sa.select(Campaign)
            .where(Campaign.status.in_((DRAFT, SCHEDULED)))
            .order_by(Campaign.id.desc())
            .limit(50)
        )
    )


class ThresholdsForm(LoyaltyForm):
    regular_orders = IntegerField(
        lazy_gettext("Regular: at least this many orders in 12 months"),
        validators=[InputRequired(), NumberRange(min=2, max=1000)],
        render_kw={"inputmode": "numeric"},
    )
    heavy_spend = DecimalField(
        lazy_gettext("Heavy: at least this spend in 12 months"),
        validators=[InputRequired(), NumberRange(min=0)],
        render_kw={"inputmode": "decimal"},
    )
    former_months = IntegerField(
        lazy_gettext("Former: no order for this many months"),
        validators=[InputRequired(), NumberRange(min=1, max=120)],
        render_kw={"inputmode": "numeric"},
    )


def register(bp: Blueprint, state: LoyaltyState) -> None:
    @bp.route("/owner/segments/", methods=["GET", "POST"])
    @owner_required
    def owner_segments() -> t.Any:
        state = get_state()
        session = state.session
        currency = state.settings.currency
        current = service.load_thresholds(session)
        status = 200
        if request.method == "POST":
            form = ThresholdsForm()
            if form.validate_on_submit():
                try:
                    values = service.Thresholds(
                        regular_orders=form.regular_orders.data,
                        heavy_spend_cents=to_minor(
                            form.heavy_spend.data.normalize(), currency, what=_("spend")
                        ),
                        former_months=form.former_months.data,
                    )
                    service.save_thresholds(session, state.now(), values)
                except (InvalidSegment, InvalidAmount) as error:
                    session.rollback()
                    form.heavy_spend.errors = [error.message]
                    status = 400
                else:
                    session.commit()
                    flash(_("The thresholds are saved."), "success")
                    return redirect(url_for(".owner_segments"))
            else:
                status = 400
        else:
            form = ThresholdsForm(
                formdata=None,
                data={
                    "regular_orders": current.regular_orders,
                    "heavy_spend": from_minor(current.heavy_spend_cents, currency),
                    "former_months": current.former_months,
                },
            )
        sizes = service.sizes(session, state.now(), current)
        return render_template(
            "loyalty/segments/owner_segments.html",
            sizes=sizes,
            labels=service.SEGMENTS,
            form=form,
        ), status

    @bp.route("/owner/segments/<segment>", methods=["GET", "POST"])
    @owner_required
    def owner_segment(segment: str) -> t.Any:
        state = get_state()
        if segment not in service.SEGMENTS:
            abort(404)
        drafts = _campaigns(state)
        form = AudienceForm()
        form.campaign.choices = [SelectChoice(c.id, c.subject) for c in drafts]
        status = 200
        if request.method == "POST":
            if form.validate_on_submit():
                chosen = form.campaign.data
                clear = request.form.get("action") == "clear"
                service.set_campaign_segment(
                    state.session, chosen, None if clear else segment
                )
                state.session.commit()
                flash(
                    _("The campaign goes to all its subscribers again.")
                    if clear
                    else _("The campaign goes only to this segment now."),
                    "success",
                )
                return redirect(url_for(".owner_segment", segment=segment))
            status = 400
        narrowed = [
            c
            for c in drafts
            if service.campaign_segment(state.session, c.id) == segment
        ]
        page = page_number()
        size = state.settings.owner_page_size
        rows = service.members(
            state.session, state.now(), segment, page=page, size=size + 1
        )
        return render_template(
            "loyalty/segments/owner_members.html",
            segment=segment,
            label=service.SEGMENTS[segment],
            rows=rows[:size],
            page=page,
            has_next=len(rows) > size,
            form=form,
            drafts=drafts,
            narrowed=narrowed,
        ), status
