"""The owner's offer pages besides the list and the editor: preview, pause,
duplicate, send to a segment, report."""

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
from wtforms import SelectChoice

from ..errors import InvalidContent
from ..errors import InvalidSegment
from ..forms import ActionForm
from ..i18n import _
from ..i18n import ngettext
from ..locales import current_language
from ..locales import match_language
from ..measure.models import OFFER
from ..measure.uplift import uplift
from ..owner.access import owner_required
from ..segments.service import SEGMENTS
from ..state import LoyaltyState
from ..state import get_state
from . import models as om
from . import owner_messages as messages
from .due import send_to_segment
from .editing import duplicate
from .forms import SendForm
from .messages import describe
from .owner_list import when_given
from .preview import preview_email
from .report import offer_report


def find_offer(state: LoyaltyState, offer_id: int) -> om.Offer:
    offer = state.session.get(om.Offer, offer_id)
    if offer is None:
        abort(404)
    return offer


def register(bp: Blueprint, state: LoyaltyState) -> None:
    messages.register(bp)

    @bp.route("/owner/offers/<int:offer_id>/preview")
    @owner_required
    def owner_offer_preview(offer_id: int) -> t.Any:
        state = get_state()
        offer = find_offer(state, offer_id)
        languages = state.settings.languages
        language = match_language(request.args.get("lang"), languages)
        if language is None and "lang" in request.args:
            abort(404)
        # without ?lang=, the email a reader of the owner's page language gets
        language = language or match_language(current_language(), languages)
        language = language or languages[0]
        try:
            preview = preview_email(state, offer, language)
            error = None
        except InvalidContent as exc:
            preview, error = None, exc.message
        return render_template(
            "loyalty/offers/owner_preview.html",
            offer=offer,
            preview=preview,
            error=error,
            language=language,
            languages=[
                (
                    code,
                    name,
                    has,
                    url_for(".owner_offer_preview", offer_id=offer.id, lang=code),
                )
                for code, name, has, _url in messages.picker(offer, languages)
            ],
        )

    @bp.route("/owner/offers/<int:offer_id>/pause", methods=["POST"])
    @owner_required
    def owner_offer_pause(offer_id: int) -> t.Any:
        state = get_state()
        offer = find_offer(state, offer_id)
        if not ActionForm().validate_on_submit():
            abort(400)
        offer.active = not offer.active
        offer.updated_at = state.now()
        state.session.commit()
        flash(
            _("The offer is running again.")
            if offer.active
            else _(
                "The offer is paused: it gives no new codes. Codes it already gave"
                " work until they expire; to stop them too, give the offer an end"
                " date."
            ),
            "success",
        )
        return redirect(url_for(".owner_offers"))

    @bp.route("/owner/offers/<int:offer_id>/duplicate", methods=["POST"])
    @owner_required
    def owner_offer_duplicate(offer_id: int) -> t.Any:
        state = get_state()
        offer = find_offer(state, offer_id)
        if not ActionForm().validate_on_submit():
            abort(400)
        copy = duplicate(state.session, state.now(), offer)
        state.session.commit()
        flash(_("This is a paused copy. Change it, then make it active."), "success")
        return redirect(url_for(".owner_offer", offer_id=copy.id))

    @bp.route("/owner/offers/<int:offer_id>/report", methods=["GET", "POST"])
    @owner_required
    def owner_offer_report(offer_id: int) -> t.Any:
        state = get_state()
        offer = find_offer(state, offer_id)
        form = SendForm()
        form.segment.choices = [SelectChoice(k, v) for k, v in SEGMENTS.items()]
        status = 200
        if request.method == "POST":
            if form.validate_on_submit():
                try:
                    sent = send_to_segment(state, state.now(), offer, form.segment.data)
                except InvalidSegment as error:
                    form.segment.errors = [error.message]
                    status = 400
                else:
                    flash(
                        ngettext(
                            "The offer went to %(num)d customer.",
                            "The offer went to %(num)d customers.",
                            sent,
                        ),
                        "success",
                    )
                    return redirect(url_for(".owner_offer_report", offer_id=offer.id))
            else:
                status = 400
        grants = state.session.scalars(
            sa.select(om.OfferGrant)
            .where(om.OfferGrant.offer_id == offer.id)
            .order_by(om.OfferGrant.id.desc())
            .limit(20)
        ).all()
        return render_template(
            "loyalty/offers/owner_report.html",
            offer=offer,
            report=offer_report(state.session, offer.id),
            uplift=uplift(
                state.session, OFFER, offer.id, state.now(), offer.holdout_percent
            ),
            grants=grants,
            form=form,
            benefit=describe(offer, state.settings.currency),
            when=when_given(offer.trigger, offer.trigger_n),
        ), status
