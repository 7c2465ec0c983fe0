"""The owner's newsletter pages: topics and subscribers here, campaigns in
:mod:`.owner_campaigns`. Every page answers 403 unless ``owner_check`` approves."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Blueprint
from flask import Response
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import stream_with_context
from flask import url_for

from ..content_versions import marked
from ..customers.data_views import erased
from ..customers.data_views import json_download
from ..customers.service import find_customer
from ..errors import InvalidName
from ..errors import InvalidTopics
from ..forms import ActionForm
from ..i18n import _
from ..i18n import ngettext
from ..owner.access import owner_required
from ..owner.listing import one_page
from ..personal_data import erase_person
from ..personal_data import export_person
from ..state import LoyaltyState
from ..state import get_state
from . import csv_io
from . import owner_campaigns
from . import owner_topic_languages
from . import preferences
from . import service
from .mail import queue_confirmation
from .models import CONFIRMED
from .models import PENDING
from .models import UNSUBSCRIBED
from .models import Subscriber
from .models import SubscriberEvent
from .models import Topic
from .models import subscriber_topics
from .owner_campaigns import without_topic
from .owner_forms import EraseForm
from .owner_forms import ImportForm
from .owner_forms import TopicForm
from .owner_topic_languages import picker as topic_picker
from .views import consent_text

STATUSES = (PENDING, CONFIRMED, UNSUBSCRIBED)
UPLOAD_SLACK = 64 * 1024
"""Room for the form's other fields and the multipart framing around the file."""


def _get(state: LoyaltyState, model: type[t.Any], object_id: int) -> t.Any:
    found = state.session.get(model, object_id)
    if found is None:
        abort(404)
    return found


def _topics_page(state: LoyaltyState, form: TopicForm, status: int = 200) -> t.Any:
    confirmed = sa.and_(
        Subscriber.id == subscriber_topics.c.subscriber_id,
        Subscriber.status == CONFIRMED,
    )
    rows = state.session.execute(
        sa.select(Topic, sa.func.count(Subscriber.id))
        .outerjoin(subscriber_topics, subscriber_topics.c.topic_id == Topic.id)
        .outerjoin(Subscriber, confirmed)
        .group_by(Topic.id)
        .order_by(Topic.retired_at.is_not(None), Topic.position, Topic.id)
    ).all()
    return render_template(
        "loyalty/owner/newsletter/topics.html",
        rows=rows,
        form=form,
        **without_topic(state),
    ), status


def _topic_page(
    state: LoyaltyState,
    topic: Topic,
    form: TopicForm | None = None,
    status: int = 200,
    action_form: ActionForm | None = None,
) -> t.Any:
    if form is None:
        form = TopicForm(
            formdata=None, name=topic.name, description=topic.description or ""
        )
    return render_template(
        "loyalty/owner/newsletter/topic.html",
        topic=topic,
        languages=topic_picker(topic, state.settings.languages),
        form=form,
        action_form=action_form or ActionForm(formdata=None),
    ), status


def _subscriber_page(
    state: LoyaltyState,
    subscriber: Subscriber,
    form: EraseForm | None = None,
    status: int = 200,
) -> t.Any:
    events = state.session.scalars(
        sa.select(SubscriberEvent)
        .where(SubscriberEvent.subscriber_id == subscriber.id)
        .order_by(SubscriberEvent.id.desc())
        .limit(200)
    ).all()
    return render_template(
        "loyalty/owner/newsletter/subscriber.html",
        subscriber=subscriber,
        customer=find_customer(state.session, subscriber.email),
        events=events,
        form=form or EraseForm(formdata=None),
    ), status


def _import_form(state: LoyaltyState, *, submitted: bool) -> ImportForm:
    topics = preferences.active_topics(state.session)
    if submitted:
        form = ImportForm()
    else:
        form = ImportForm(formdata=None, topics=[topic.id for topic in topics])
    form.topics.choices = [(topic.id, marked(topic, "name")) for topic in topics]
    return form


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """Add the owner's newsletter pages to the loyalty blueprint."""

    owner_campaigns.register(bp)
    owner_topic_languages.register(bp)

    # -- topics -------------------------------------------------------------------

    @bp.route("/owner/newsletter/topics", methods=["GET", "POST"])
    @owner_required
    def owner_topics() -> t.Any:
        state = get_state()
        form = TopicForm()
        if request.method != "POST":
            return _topics_page(state, form)
        if not form.validate_on_submit():
            return _topics_page(state, form, 400)
        try:
            topic = preferences.add_topic(
                state.session, state.now(), form.name.data, form.description.data
            )
        except InvalidName as error:
            state.session.rollback()
            form.name.errors = [error.message]
            return _topics_page(state, form, 400)
        state.session.commit()
        flash(_("The topic “%(name)s” is added.", name=topic.name), "success")
        return redirect(url_for(".owner_topics"))

    @bp.route("/owner/newsletter/topics/give-default", methods=["POST"])
    @owner_required
    def owner_topics_give_default() -> t.Any:
        state = get_state()
        if not ActionForm().validate_on_submit():
            abort(400)
        topic, count = preferences.give_default_topic(state.session, state.now())
        state.session.commit()
        flash(
            ngettext(
                "%(num)d subscriber now gets “%(name)s”.",
                "%(num)d subscribers now get “%(name)s”.",
                count,
                name=topic.name,
            ),
            "success",
        )
        back = "campaigns" if request.form.get("back") == "campaigns" else "topics"
        return redirect(
            url_for(".owner_newsletter" if back == "campaigns" else ".owner_topics")
        )

    @bp.route("/owner/newsletter/topics/<int:topic_id>", methods=["GET", "POST"])
    @owner_required
    def owner_topic(topic_id: int) -> t.Any:
        state = get_state()
        topic = _get(state, Topic, topic_id)
        if request.method != "POST":
            return _topic_page(state, topic)
        form = TopicForm()
        if not form.validate_on_submit():
            return _topic_page(state, topic, form, 400)
        try:
            preferences.rename_topic(
                state.session, topic, form.name.data, form.description.data
            )
        except InvalidName as error:
            state.session.rollback()
            form.name.errors = [error.message]
            return _topic_page(state, topic, form, 400)
        state.session.commit()
        flash(_("The topic is saved."), "success")
        return redirect(url_for(".owner_topics"))

    @bp.route("/owner/newsletter/topics/<int:topic_id>/retire", methods=["POST"])
    @owner_required
    def owner_topic_retire(topic_id: int) -> t.Any:
        state = get_state()
        topic = _get(state, Topic, topic_id)
        action = ActionForm()
        if not action.validate_on_submit():
            return _topic_page(state, topic, status=400, action_form=action)
        try:
            preferences.retire_topic(state.session, state.now(), topic)
        except InvalidTopics as error:
            state.session.rollback()
            flash(error.message, "error")
            return _topic_page(state, topic, status=400)
        state.session.commit()
        flash(
            _(
                "“%(name)s” is retired: new subscribers no longer see it.",
                name=topic.name,
            ),
            "success",
        )
        return redirect(url_for(".owner_topics"))

    @bp.route("/owner/newsletter/topics/<int:topic_id>/restore", methods=["POST"])
    @owner_required
    def owner_topic_restore(topic_id: int) -> t.Any:
        state = get_state()
        topic = _get(state, Topic, topic_id)
        action = ActionForm()
        if not action.validate_on_submit():
            return _topic_page(state, topic, status=400, action_form=action)
        preferences.restore_topic(state.session, topic)
        state.session.commit()
        flash(_("“%(name)s” is offered again.", name=topic.name), "success")
        return redirect(url_for(".owner_topics"))

    # -- subscribers --------------------------------------------------------------

    @bp.route("/owner/newsletter/subscribers")
    @owner_required
    def owner_subscribers() -> t.Any:
        state = get_state()
        typed = request.args.get("q", "")
        query = "".join(ch for ch in typed if ch.isprintable()).strip()[:100]
        status = request.args.get("status", "")
        status = status if status in STATUSES else ""
        stmt = sa.select(Subscriber).order_by(Subscriber.id.desc())
        if query:
            # SQLite's lower() knows only ASCII: also match the name as typed.
            lower = query.lower()
            stmt = stmt.where(
                sa.or_(
                    Subscriber.email.contains(lower, autoescape=True),
                    Subscriber.first_name.contains(query, autoescape=True),
                    sa.func.lower(Subscriber.first_name).contains(
                        lower, autoescape=True
                    ),
                )
            )
        if status:
            stmt = stmt.where(Subscriber.status == status)
        found, page, has_next = one_page(state, stmt, scalars=True)
        counts = dict(
            state.session.execute(
                sa.select(Subscriber.status, sa.func.count(Subscriber.id)).group_by(
                    Subscriber.status
                )
            ).all()
        )
        return render_template(
            "loyalty/owner/newsletter/subscribers.html",
            subscribers=found,
            counts={name: counts.get(name, 0) for name in STATUSES},
            query=query,
            status=status,
            page=page,
            has_next=has_next,
        )

    @bp.route("/owner/newsletter/subscribers.csv")
    @owner_required
    def owner_subscribers_export() -> t.Any:
        state = get_state()

        def chunks() -> t.Iterator[str]:
            yield "\ufeff"  # so spreadsheets read the file as UTF-8
            yield from csv_io.export_csv(state.session)

        day = state.now().date().isoformat()
        return Response(
            stream_with_context(chunks()),
            mimetype="text/csv",
            headers={
                "Content-Disposition": f'attachment; filename="subscribers-{day}.csv"'
            },
        )

    @bp.route("/owner/newsletter/subscribers/import", methods=["GET", "POST"])
    @owner_required
    def owner_subscribers_import() -> t.Any:
        state = get_state()
        template = "loyalty/owner/newsletter/import.html"
        too_big = (request.content_length or 0) > csv_io.MAX_BYTES + UPLOAD_SLACK
        form = _import_form(state, submitted=request.method == "POST" and not too_big)
        if request.method != "POST":
            return render_template(template, form=form)
        if too_big:
            # Refused before the upload is read.
            form.file.errors = [
                _(
                    "The file is too large: at most %(mb)d MB.",
                    mb=csv_io.MAX_BYTES // (1024 * 1024),
                )
            ]
            return render_template(template, form=form), 400
        if not form.validate_on_submit():
            return render_template(template, form=form), 400
        try:
            rows = csv_io.read_csv(form.file.data.stream)
        except csv_io.InvalidImport as error:
            form.file.errors = [error.message]
            return render_template(template, form=form), 400
        chosen = set(form.topics.data or [])
        slugs = [
            topic.slug
            for topic in preferences.active_topics(state.session)
            if topic.id in chosen
        ]
        report = csv_io.import_subscribers(
            state.session,
            state.now(),
            rows,
            consent=service.Consent(
                text=consent_text(state),
                version=state.settings.consent_version,
                source="import",
            ),
            consent_source=(form.consent_source.data or "").strip() or None,
            topic_slugs_default=slugs,
            on_pending=lambda subscriber: queue_confirmation(state, subscriber),
        )
        return render_template(template, form=form, report=report)

    @bp.route("/owner/newsletter/subscribers/<int:subscriber_id>")
    @owner_required
    def owner_subscriber(subscriber_id: int) -> t.Any:
        state = get_state()
        return _subscriber_page(state, _get(state, Subscriber, subscriber_id))

    @bp.route("/owner/newsletter/subscribers/<int:subscriber_id>/data.json")
    @owner_required
    def owner_subscriber_data(subscriber_id: int) -> t.Any:
        state = get_state()
        subscriber = _get(state, Subscriber, subscriber_id)
        data = export_person(state.session, state.now(), subscriber.email)
        return json_download(data, f"subscriber-{subscriber.id}.json")

    @bp.route(
        "/owner/newsletter/subscribers/<int:subscriber_id>/erase", methods=["POST"]
    )
    @owner_required
    def owner_subscriber_erase(subscriber_id: int) -> t.Any:
        state = get_state()
        subscriber = _get(state, Subscriber, subscriber_id)
        form = EraseForm()
        if not form.validate_on_submit():
            return _subscriber_page(state, subscriber, form, 400)
        email = subscriber.email
        customer = find_customer(state.session, email)
        erase_person(state.session, state.now(), email)
        state.session.commit()
        erased(state, email, customer.id if customer else None)
        flash(
            _(
                "Her data is erased. Only a scrambled form of the address is kept,"
                " so no import adds it again."
            ),
            "success",
        )
        return redirect(url_for(".owner_subscribers"))
