"""The owner's journey pages: the list, a journey's timeline with its figures, the
editor, pause and resume, a test send of a step, putting someone in by hand, and
deleting a journey (after a confirmation page)."""

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

from ..content_versions import shown_with_language
from ..customers.service import normalise_email
from ..errors import InvalidContent
from ..errors import InvalidEmail
from ..errors import InvalidHoldout
from ..errors import InvalidJourney
from ..errors import InvalidName
from ..forms import ActionForm
from ..i18n import _
from ..links import email_url
from ..measure.models import JOURNEY
from ..measure.uplift import uplift
from ..newsletter.mail import queue_test
from ..newsletter.models import Topic
from ..newsletter.names import clean_first_name
from ..newsletter.preferences import active_topics
from ..offers.models import Offer
from ..owner.access import owner_required
from ..segments.service import SEGMENTS
from ..state import get_state
from . import models as jm
from . import service
from .editing import save_journey
from .figures import journey_figures
from .forms import BLANK_ROWS
from .forms import EnterForm
from .forms import JourneyForm
from .forms import StepTestForm
from .mail import step_renderer
from .owner_delete import delete_journey
from .owner_delete import what_goes
from .owner_step_languages import name_picker

if t.TYPE_CHECKING:
    from ..state import LoyaltyState

DEFAULT_DAYS = 14


def _journey(state: LoyaltyState, journey_id: int) -> jm.Journey:
    journey = state.session.get(jm.Journey, journey_id)
    if journey is None:
        abort(404)
    return journey


def _offer_choices(state: LoyaltyState) -> list[SelectChoice]:
    offers = state.session.scalars(sa.select(Offer).order_by(Offer.name)).all()
    return [SelectChoice("", "–")] + [
        SelectChoice(str(offer.id), *_shown_name(state, offer)) for offer in offers
    ]


def _topic_choices(state: LoyaltyState) -> list[SelectChoice]:
    topics: list[Topic] = active_topics(state.session)
    return [SelectChoice("", _("any subscriber"))] + [
        SelectChoice(str(topic.id), *_shown_name(state, topic)) for topic in topics
    ]


def _shown_name(state: LoyaltyState, row: t.Any) -> tuple[str, dict[str, str]]:
    """An owner's name for an option: her page's version, else the default
    language's, with the ``lang`` of the one shown."""
    name, language = shown_with_language(row.translations, "name", row.name)
    return name, {"lang": (language or state.settings.languages[0]).replace("_", "-")}


def _segment_labels() -> dict[str, t.Any]:
    return SEGMENTS


def _segment_choices() -> list[SelectChoice]:
    return [SelectChoice("", "–")] + [
        SelectChoice(key, label) for key, label in SEGMENTS.items()
    ]


def _step_rows(journey: jm.Journey) -> list[dict[str, t.Any]]:
    rows = []
    for step in journey.steps:
        minute = step.at_minute
        rows.append(
            {
                "step_id": str(step.id),
                "delay_days": step.delay_minutes // 1440,
                "delay_hours": step.delay_minutes % 1440 // 60,
                "after": step.after,
                "at_time": f"{minute // 60:02d}:{minute % 60:02d}"
                if minute is not None
                else "",
                "action": step.action,
                "subject": step.subject or "",
                "body": step.body or "",
                "suggest": step.suggest,
                "points": step.points,
                "offer_id": str(step.offer_id or ""),
            }
        )
    return rows


def _form(state: LoyaltyState, journey: jm.Journey | None) -> JourneyForm:
    if request.method == "POST":
        form = JourneyForm()
    elif journey is None:
        form = JourneyForm(formdata=None, data={"steps": [{}] * (BLANK_ROWS + 1)})
    else:
        form = JourneyForm(
            formdata=None,
            data={
                "name": journey.name,
                "trigger": journey.trigger,
                "trigger_n": journey.trigger_n,
                "reentry": journey.reentry,
                "segment": journey.segment or "",
                "exit_on_order": journey.exit_on_order,
                "topic_id": str(journey.topic_id or ""),
                "holdout_percent": journey.holdout_percent,
                "steps": _step_rows(journey) + [{}] * BLANK_ROWS,
            },
        )
    form.topic_id.choices = _topic_choices(state)
    form.segment.choices = _segment_choices()
    offers = _offer_choices(state)
    for row in form.steps:
        row.form.offer_id.choices = offers
    return form


def _edit(state: LoyaltyState, journey: jm.Journey | None) -> t.Any:
    form = _form(state, journey)
    error = None
    if form.validate_on_submit():
        topic = form.topic_id.data
        try:
            saved = save_journey(
                state.session,
                state.now(),
                journey,
                name=form.name.data,
                trigger=form.trigger.data,
                trigger_n=form.trigger_n.data,
                reentry=form.reentry.data,
                exit_on_order=form.exit_on_order.data,
                topic_id=int(topic) if topic and str(topic).isdigit() else None,
                segment=form.segment.data or None,
                steps=form.step_data(),
                holdout_percent=form.holdout_percent.data,
            )
        except (InvalidJourney, InvalidHoldout) as failure:
            state.session.rollback()
            error = failure.message
        else:
            state.session.commit()
            flash(_("The journey is saved."), "success")
            return redirect(url_for(".owner_journey", journey_id=saved.id))
    elif request.method == "POST":
        error = _("Please correct the marked fields.")
    return render_template(
        "loyalty/owner/journeys/edit.html", journey=journey, form=form, error=error
    ), 400 if request.method == "POST" else 200


def _page(state: LoyaltyState, journey: jm.Journey, **forms: t.Any) -> t.Any:
    days = min(max(request.args.get("days", DEFAULT_DAYS, type=int) or 1, 1), 365)
    test_form = forms.pop("test_form", None) or StepTestForm(
        formdata=None, address=state.settings.owner_email
    )
    test_form.step.choices = [
        SelectChoice(str(step.id), _("Step %(n)d", n=n))
        for n, step in enumerate(journey.steps, 1)
        if step.action == jm.EMAIL
    ]
    waiting = state.session.scalars(
        sa.select(jm.Enrolment)
        .where(
            jm.Enrolment.journey_id == journey.id,
            jm.Enrolment.status == jm.ACTIVE,
            jm.Enrolment.waiting.is_not(None),
        )
        .order_by(jm.Enrolment.due_at, jm.Enrolment.id)
        .limit(state.settings.owner_page_size)
    ).all()
    return render_template(
        "loyalty/owner/journeys/journey.html",
        journey=journey,
        name_languages=name_picker(journey, state.settings.languages)[1:],
        waiting=waiting,
        figures=journey_figures(
            state.session, journey, days=days, currency=state.settings.currency
        ),
        action_form=ActionForm(formdata=None),
        enter_form=forms.pop("enter_form", None) or EnterForm(formdata=None),
        test_form=test_form,
        currency=state.settings.currency,
        segments=_segment_labels(),
        uplift=uplift(
            state.session, JOURNEY, journey.id, state.now(), journey.holdout_percent
        ),
    ), forms.pop("status", 200)


def register(bp: Blueprint, state: LoyaltyState) -> None:
    @bp.route("/owner/journeys/")
    @owner_required
    def owner_journeys() -> t.Any:
        state = get_state()
        journeys = state.session.scalars(
            sa.select(jm.Journey).order_by(jm.Journey.name, jm.Journey.id)
        ).all()
        counts = dict(
            state.session.execute(
                sa.select(jm.Enrolment.journey_id, sa.func.count())
                .where(jm.Enrolment.status == jm.ACTIVE)
                .group_by(jm.Enrolment.journey_id)
            ).all()
        )
        return render_template(
            "loyalty/owner/journeys/list.html",
            journeys=journeys,
            counts=counts,
            segments=_segment_labels(),
        )

    @bp.route("/owner/journeys/new", methods=["GET", "POST"])
    @owner_required
    def owner_journey_new() -> t.Any:
        return _edit(get_state(), None)

    @bp.route("/owner/journeys/<int:journey_id>")
    @owner_required
    def owner_journey(journey_id: int) -> t.Any:
        state = get_state()
        return _page(state, _journey(state, journey_id))

    @bp.route("/owner/journeys/<int:journey_id>/edit", methods=["GET", "POST"])
    @owner_required
    def owner_journey_edit(journey_id: int) -> t.Any:
        state = get_state()
        return _edit(state, _journey(state, journey_id))

    @bp.route("/owner/journeys/<int:journey_id>/switch", methods=["POST"])
    @owner_required
    def owner_journey_switch(journey_id: int) -> t.Any:
        state = get_state()
        journey = _journey(state, journey_id)
        if not ActionForm().validate_on_submit():
            abort(400)
        if journey.active:
            left = service.pause(state.session, state.now(), journey)
            message = _("The journey is paused; %(n)d people left it.", n=left)
        else:
            service.resume(state.session, state.now(), journey)
            message = _("The journey is on: people enter it from now on.")
        state.session.commit()
        flash(message, "success")
        return redirect(url_for(".owner_journey", journey_id=journey.id))

    @bp.route("/owner/journeys/<int:journey_id>/enter", methods=["POST"])
    @owner_required
    def owner_journey_enter(journey_id: int) -> t.Any:
        state = get_state()
        journey = _journey(state, journey_id)
        form = EnterForm()
        if not form.validate_on_submit():
            return _page(state, journey, enter_form=form, status=400)
        try:
            email = normalise_email(form.email.data)
        except InvalidEmail as error:
            form.email.errors = [error.message]
            return _page(state, journey, enter_form=form, status=400)
        if not journey.active:
            form.email.errors = [_("Switch the journey on first.")]
            return _page(state, journey, enter_form=form, status=400)
        if service.enter_by_hand(state, journey, email) is None:
            form.email.errors = [
                _("%(email)s is in this journey now, or its re-entry rule keeps"
                  " her out.", email=email)
            ]  # fmt: skip
            return _page(state, journey, enter_form=form, status=400)
        state.session.commit()
        flash(_("%(email)s is in the journey.", email=email), "success")
        return redirect(url_for(".owner_journey", journey_id=journey.id))

    @bp.route("/owner/journeys/<int:journey_id>/test", methods=["POST"])
    @owner_required
    def owner_journey_test(journey_id: int) -> t.Any:
        state = get_state()
        journey = _journey(state, journey_id)
        form = StepTestForm()
        steps = {str(s.id): s for s in journey.steps if s.action == jm.EMAIL}
        if not form.validate_on_submit():
            return _page(state, journey, test_form=form, status=400)
        step = steps.get(form.step.data)
        if step is None:
            form.step.errors = [_("Choose one of the journey's emails.")]
            return _page(state, journey, test_form=form, status=400)
        try:
            address = normalise_email(form.address.data)
            name = clean_first_name(form.first_name.data)
            link = email_url("newsletter_link")  # asks for a fresh link
            rendered = step_renderer(state, step, None).message(name, link, link)
        except (InvalidEmail, InvalidName, InvalidContent) as error:
            form.address.errors = [error.message]
            return _page(state, journey, test_form=form, status=400)
        queue_test(state, "journey_test", address, rendered)
        flash(_("A test is on its way to %(address)s.", address=address), "success")
        return redirect(url_for(".owner_journey", journey_id=journey.id))

    @bp.route("/owner/journeys/<int:journey_id>/delete", methods=["GET", "POST"])
    @owner_required
    def owner_journey_delete(journey_id: int) -> t.Any:
        """GET asks to confirm; POST deletes the journey with its steps and
        figures in one transaction (400 without a valid CSRF token)."""
        state = get_state()
        journey = _journey(state, journey_id)
        posted = request.method == "POST"
        form = ActionForm() if posted else ActionForm(formdata=None)
        if posted and form.validate_on_submit():
            name = journey.name
            delete_journey(state.session, journey)
            state.session.commit()
            flash(_("The journey “%(name)s” is deleted.", name=name), "success")
            return redirect(url_for(".owner_journeys"))
        return render_template(
            "loyalty/owner/journeys/delete.html",
            journey=journey,
            form=form,
            goes=what_goes(state.session, journey),
        ), 400 if posted else 200
