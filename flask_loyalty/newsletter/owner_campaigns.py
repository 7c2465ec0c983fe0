"""The owner's campaign pages: write, preview, test, send or schedule, report."""

from __future__ import annotations

import typing as t
from datetime import UTC
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import get_timezone
from flask_babel import to_user_timezone
from flask_babel import to_utc

import flask_loyalty.content as content
import flask_loyalty.content_versions as content_versions

from ..content_versions import marked
from ..customers.service import normalise_email
from ..errors import InvalidContent
from ..errors import InvalidEmail
from ..errors import InvalidHoldout
from ..errors import InvalidName
from ..forms import ActionForm
from ..i18n import _
from ..links import email_url
from ..owner.access import owner_required
from ..owner.listing import one_page
from ..segments.service import narrow
from ..state import LoyaltyState
from ..state import get_state
from . import campaigns
from . import figures
from . import owner_campaign_languages as campaign_languages
from .mail import NewsletterMailer
from .mail import queue_test
from .models import DRAFT
from .models import SCHEDULED
from .models import Campaign
from .models import Topic
from .names import clean_first_name
from .owner_forms import CampaignForm
from .owner_forms import ScheduleForm
from .owner_forms import TestSendForm
from .preferences import active_topics
from .preferences import subscribers_without_topic

EDITABLE = (DRAFT, SCHEDULED)
PREVIEW_NAME = "Anna"


def _campaign(state: LoyaltyState, campaign_id: int) -> Campaign:
    campaign = state.session.get(Campaign, campaign_id)
    if campaign is None:
        abort(404)
    return campaign


def _topic_choices(state: LoyaltyState, campaign: Campaign | None) -> list[t.Any]:
    """Topics on offer, plus retired ones this campaign already goes to."""
    topics: list[Topic] = active_topics(state.session)
    if campaign is not None:
        topics += [topic for topic in campaign.topics if topic.retired_at]
    return [(topic.id, marked(topic, "name")) for topic in topics]


def _campaign_form(
    state: LoyaltyState, campaign: Campaign | None, *, submitted: bool = False
) -> CampaignForm:
    """The form, from the request if ``submitted``, else from the campaign."""
    if submitted:
        form = CampaignForm()
    elif campaign is None:
        form = CampaignForm(formdata=None)
    else:
        form = CampaignForm(
            formdata=None,
            subject=campaign.subject,
            body=campaign.body,
            topics=[topic.id for topic in campaign.topics],
            holdout_percent=campaign.holdout_percent,
        )
    form.topics.choices = _topic_choices(state, campaign)
    return form


def _schedule_form(campaign: Campaign) -> ScheduleForm:
    if campaign.status == SCHEDULED and campaign.send_at:
        local = to_user_timezone(campaign.send_at)
        return ScheduleForm(formdata=None, date=local.date(), time=local.time())
    return ScheduleForm(formdata=None)


def _audience_size(state: LoyaltyState, campaign: Campaign) -> int:
    topic_ids = [topic.id for topic in campaign.topics]
    now = state.now()
    audience = campaigns.audience(now, topic_ids)
    query = narrow(state.session, now, campaign.id, audience).subquery()
    return state.session.scalar(sa.select(sa.func.count()).select_from(query)) or 0


def _campaign_page(
    state: LoyaltyState,
    campaign: Campaign | None,
    *,
    form: CampaignForm | None = None,
    form_error: str | None = None,
    test_form: TestSendForm | None = None,
    schedule_form: ScheduleForm | None = None,
    action_form: ActionForm | None = None,
    status: int = 200,
) -> t.Any:
    """The campaign page: its form (or the sent text), then test, send, schedule."""
    if campaign is not None and test_form is None:
        test_form = TestSendForm(formdata=None, address=state.settings.owner_email)
    return render_template(
        "loyalty/owner/newsletter/campaign.html",
        campaign=campaign,
        editable=campaign is None or campaign.status in EDITABLE,
        form=form or _campaign_form(state, campaign),
        form_error=form_error,
        test_form=test_form,
        schedule_form=schedule_form or (_schedule_form(campaign) if campaign else None),
        action_form=action_form or ActionForm(formdata=None),
        audience=_audience_size(state, campaign) if campaign else None,
        zone=get_timezone().zone,
        language=state.settings.languages[0],
        languages=campaign_languages.picker(
            campaign, state.settings.languages, ".owner_campaign_language"
        )
        if campaign is not None
        else [],
    ), status


def _content_error(form: CampaignForm, error: InvalidContent) -> str | None:
    """Put a template error on the field it comes from; return any other error."""
    for name in ("subject", "body"):
        try:
            content.check(getattr(form, name).data or "")
        except InvalidContent as field_error:
            getattr(form, name).errors = [field_error.message]
            return None
    return error.message


def without_topic(state: LoyaltyState) -> dict[str, t.Any]:
    """How many confirmed subscribers no campaign reaches (no topic offered), the
    topic they would get, and the form that gives it to them."""
    count = state.session.scalar(
        sa.select(sa.func.count()).select_from(
            subscribers_without_topic(state.session).subquery()
        )
    )
    topics = active_topics(state.session)
    return {
        "without_topic": count or 0,
        "default_topic": topics[0] if topics else None,
        "give_form": ActionForm(formdata=None),
    }


def register(bp: Blueprint) -> None:
    campaign_languages.register(bp)

    @bp.route("/owner/newsletter/")
    @owner_required
    def owner_newsletter() -> t.Any:
        state = get_state()
        found, page, has_next = one_page(
            state,
            sa.select(Campaign).order_by(
                Campaign.created_at.desc(), Campaign.id.desc()
            ),
            scalars=True,
        )
        rows = [
            (c, None if c.status in EDITABLE else figures.report(state.session, c))
            for c in found
        ]
        return render_template(
            "loyalty/owner/newsletter/campaigns.html",
            rows=rows,
            page=page,
            has_next=has_next,
            has_topics=bool(active_topics(state.session)),
            **without_topic(state),
        )

    @bp.route("/owner/newsletter/campaigns/new", methods=["GET", "POST"])
    @owner_required
    def owner_campaign_new() -> t.Any:
        return _save(get_state(), None)

    @bp.route("/owner/newsletter/campaigns/<int:campaign_id>", methods=["GET", "POST"])
    @owner_required
    def owner_campaign(campaign_id: int) -> t.Any:
        state = get_state()
        return _save(state, _campaign(state, campaign_id))

    @bp.route("/owner/newsletter/campaigns/<int:campaign_id>/preview")
    @owner_required
    def owner_campaign_preview(campaign_id: int) -> t.Any:
        state = get_state()
        campaign = _campaign(state, campaign_id)
        languages = state.settings.languages
        language = campaign_languages.chosen_language(languages)
        try:
            renderer = NewsletterMailer(state).renderer(campaign, language)
            readers = [
                (
                    _("For a reader called %(name)s", name=PREVIEW_NAME),
                    renderer.message(PREVIEW_NAME, "#unsubscribe", "#preferences"),
                ),
                (
                    _("For a reader without a first name"),
                    renderer.message(None, "#unsubscribe", "#preferences"),
                ),
            ]
            error = None
        except InvalidContent as failure:
            readers, error = [], failure.message
        return render_template(
            "loyalty/owner/newsletter/preview.html",
            campaign=campaign,
            readers=readers,
            error=error,
            language=language,
            content_lang=content_versions.read(
                campaign, ("subject", "body"), language, languages
            ).language,
            languages=campaign_languages.picker(
                campaign, languages, ".owner_campaign_preview"
            ),
        ), (200 if error is None else 400)

    @bp.route("/owner/newsletter/campaigns/<int:campaign_id>/test", methods=["POST"])
    @owner_required
    def owner_campaign_test(campaign_id: int) -> t.Any:
        state = get_state()
        campaign = _campaign(state, campaign_id)
        form = TestSendForm()
        if not form.validate_on_submit():
            return _campaign_page(state, campaign, test_form=form, status=400)
        try:
            address = normalise_email(form.address.data)
            name = clean_first_name(form.first_name.data)
        except InvalidEmail as error:
            form.address.errors = [error.message]
            return _campaign_page(state, campaign, test_form=form, status=400)
        except InvalidName as error:
            form.first_name.errors = [error.message]
            return _campaign_page(state, campaign, test_form=form, status=400)
        # The links in a test lead to the page that sends a fresh preferences link.
        link = email_url("newsletter_link")
        try:
            rendered = (
                NewsletterMailer(state).renderer(campaign).message(name, link, link)
            )
        except InvalidContent as error:
            form.address.errors = [error.message]
            return _campaign_page(state, campaign, test_form=form, status=400)
        queue_test(state, "campaign_test", address, rendered)
        flash(_("A test is on its way to %(address)s.", address=address), "success")
        return redirect(url_for(".owner_campaign", campaign_id=campaign.id))

    @bp.route("/owner/newsletter/campaigns/<int:campaign_id>/send", methods=["POST"])
    @owner_required
    def owner_campaign_send(campaign_id: int) -> t.Any:
        state = get_state()
        campaign = _campaign(state, campaign_id)
        form = ActionForm()
        if not form.validate_on_submit():
            return _campaign_page(state, campaign, action_form=form, status=400)
        return _schedule(state, campaign, state.now())

    @bp.route(
        "/owner/newsletter/campaigns/<int:campaign_id>/schedule", methods=["POST"]
    )
    @owner_required
    def owner_campaign_schedule(campaign_id: int) -> t.Any:
        state = get_state()
        campaign = _campaign(state, campaign_id)
        form = ScheduleForm()
        if not form.validate_on_submit():
            return _campaign_page(state, campaign, schedule_form=form, status=400)
        local = datetime.combine(form.date.data, form.time.data)
        send_at = to_utc(local).replace(tzinfo=UTC)
        # The owner picks a minute: refuse it only once that minute is over.
        if send_at + timedelta(minutes=1) <= state.now():
            form.date.errors = [
                _("That time has passed. Choose a later time, or send it now.")
            ]
            return _campaign_page(state, campaign, schedule_form=form, status=400)
        return _schedule(state, campaign, send_at)

    @bp.route(
        "/owner/newsletter/campaigns/<int:campaign_id>/unschedule", methods=["POST"]
    )
    @owner_required
    def owner_campaign_unschedule(campaign_id: int) -> t.Any:
        state = get_state()
        campaign = _campaign(state, campaign_id)
        form = ActionForm()
        if not form.validate_on_submit():
            return _campaign_page(state, campaign, action_form=form, status=400)
        try:
            campaigns.unschedule(state.session, state.now(), campaign)
        except InvalidContent as error:
            state.session.rollback()
            flash(error.message, "error")
        else:
            state.session.commit()
            flash(_("The campaign is a draft again and will not be sent."), "success")
        return redirect(url_for(".owner_campaign", campaign_id=campaign.id))

    @bp.route("/owner/newsletter/campaigns/<int:campaign_id>/report")
    @owner_required
    def owner_campaign_report(campaign_id: int) -> t.Any:
        state = get_state()
        campaign = _campaign(state, campaign_id)
        return render_template(
            "loyalty/owner/newsletter/report.html",
            campaign=campaign,
            report=figures.report(state.session, campaign),
        )


def _save(state: LoyaltyState, campaign: Campaign | None) -> t.Any:
    form = _campaign_form(state, campaign, submitted=request.method == "POST")
    if request.method != "POST":
        return _campaign_page(state, campaign, form=form)
    if not form.validate_on_submit():
        return _campaign_page(state, campaign, form=form, status=400)
    try:
        saved = campaigns.save_campaign(
            state.session,
            state.now(),
            campaign,
            subject=form.subject.data,
            body=form.body.data,
            topic_ids=form.topics.data or [],
            holdout_percent=form.holdout_percent.data or 0,
        )
    except InvalidContent as error:
        state.session.rollback()
        return _campaign_page(
            state,
            campaign,
            form=form,
            form_error=_content_error(form, error),
            status=400,
        )
    except InvalidHoldout as error:
        state.session.rollback()
        form.holdout_percent.errors = [error.message]
        return _campaign_page(state, campaign, form=form, status=400)
    state.session.commit()
    flash(_("The campaign is saved."), "success")
    return redirect(url_for(".owner_campaign", campaign_id=saved.id))


def _schedule(state: LoyaltyState, campaign: Campaign, send_at: datetime) -> t.Any:
    try:
        campaigns.schedule(state.session, state.now(), campaign, send_at)
    except InvalidContent as error:
        state.session.rollback()
        flash(error.message, "error")
    else:
        state.session.commit()
        if campaign.send_at and campaign.send_at > state.now():
            flash(_("The campaign is scheduled."), "success")
        else:
            flash(
                _("The campaign is on its way: it goes out within minutes."), "success"
            )
    return redirect(url_for(".owner_campaign", campaign_id=campaign.id))
