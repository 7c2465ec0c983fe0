"""Newsletter pages for visitors: subscribe, confirm, preferences, unsubscribe."""

from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from markupsafe import Markup
from wtforms import SelectChoice

import flask_loyalty.signals as signals

from ..content_versions import marked
from ..csrf import exempt_from_host_csrf
from ..customers import requests
from ..customers.service import normalise_email
from ..errors import InvalidEmail
from ..errors import InvalidName
from ..errors import InvalidToken
from ..errors import InvalidTopics
from ..forms import ActionForm
from ..i18n import _
from ..locales import choose_language
from ..pages import page_context
from ..state import LoyaltyState
from ..state import get_state
from ..tokens import read_token
from . import preferences
from . import service
from .forms import LinkRequestForm
from .forms import PreferencesForm
from .forms import SubscribeForm
from .mail import CONFIRM
from .mail import LINK_REQUEST
from .mail import LINKS
from .mail import preferences_token
from .mail import queue_confirmation
from .mail import queue_preferences_link
from .models import Subscriber


def consent_text(state: LoyaltyState) -> str:
    """The sentence a subscriber agrees to, in her language."""
    return state.settings.consent_text or _(
        "Yes, send me news from %(shop)s by email. I can unsubscribe at any time.",
        shop=state.settings.shop_name,
    )


def subscribe_form(state: LoyaltyState, formdata: t.Any = None) -> SubscribeForm:
    form = SubscribeForm(formdata=formdata) if formdata is not None else SubscribeForm()
    topics = preferences.active_topics(state.session)
    form.topics.choices = [
        SelectChoice(topic.id, marked(topic, "name")) for topic in topics
    ]
    if not form.is_submitted():  # every topic ticked: she unticks what she won't read
        form.topics.data = [topic.id for topic in topics]
    form.consent.label.text = consent_text(state)
    return form


def _allowed(state: LoyaltyState, action: str, address: str) -> bool:
    return state.limiter.allow_mail(action, address, request.remote_addr)


def _subscriber(
    state: LoyaltyState, purpose: str, token: str, max_age: int
) -> Subscriber:
    return service.subscriber_from_token(
        state.session, read_token(purpose, token, max_age)
    )


def register(bp: Blueprint, state: LoyaltyState) -> None:
    @bp.app_template_global("loyalty_newsletter_form")
    def newsletter_form() -> Markup:
        """The subscribe form for the shop's footer.

        In a template: ``{{ loyalty_newsletter_form() }}``.
        """
        state = get_state()
        return Markup(
            render_template(
                "loyalty/newsletter/_form.html",
                form=subscribe_form(state),
                compact=True,
                **page_context(state),
            )
        )

    @bp.route("/newsletter", methods=["GET", "POST"])
    def newsletter_subscribe() -> t.Any:
        state = get_state()
        form = subscribe_form(state, request.form if request.method == "POST" else None)
        if request.method != "POST":
            return render_template("loyalty/newsletter/subscribe.html", form=form)
        if not form.validate():
            return render_template("loyalty/newsletter/subscribe.html", form=form), 400
        try:
            address = normalise_email(form.email.data)
            if not _allowed(state, "subscribe", address):
                form.email.errors = [state.limiter.refusal()]
                return render_template(
                    "loyalty/newsletter/subscribe.html", form=form
                ), 429
            subscriber, send = service.subscribe(
                state.session,
                state.now(),
                email=address,
                first_name=form.first_name.data,
                topic_ids=form.topics.data or [],
                consent=service.Consent(
                    text=consent_text(state),
                    version=state.settings.consent_version,
                    source=(request.referrer or request.url)[:500],
                    ip=request.remote_addr if state.settings.store_ip else None,
                ),
                locale=choose_language(state)[0],
            )
        except InvalidEmail as error:
            form.email.errors = [error.message]
            return render_template("loyalty/newsletter/subscribe.html", form=form), 400
        except InvalidName as error:
            form.first_name.errors = [error.message]
            return render_template("loyalty/newsletter/subscribe.html", form=form), 400
        if send == "confirm":
            queue_confirmation(state, subscriber)
        elif send == "already":
            queue_preferences_link(state, subscriber, "already")
        state.session.commit()
        return redirect(url_for(".newsletter_check_inbox"))

    @bp.route("/newsletter/check-inbox")
    def newsletter_check_inbox() -> t.Any:
        return render_template("loyalty/newsletter/check_inbox.html")

    @bp.route("/newsletter/confirm/<token>", methods=["GET", "POST"])
    def newsletter_confirm(token: str) -> t.Any:
        """GET shows one button (mail scanners open links); its POST confirms."""
        state = get_state()
        try:
            subscriber = _subscriber(
                state, CONFIRM, token, state.settings.confirm_max_age
            )
        except InvalidToken as error:
            return render_template(
                "loyalty/newsletter/subscribe.html",
                form=subscribe_form(state),
                link_error=error.message,
            ), 400
        form = ActionForm()
        if request.method != "POST" or not form.validate_on_submit():
            return render_template(
                "loyalty/newsletter/confirm.html",
                subscriber=subscriber,
                token=token,
                form=form,
                shop_name=state.settings.shop_name,
            ), 400 if request.method == "POST" else 200
        first_time = service.confirm(state.session, state.now(), subscriber)
        state.session.commit()
        if first_time:
            signals.subscription_confirmed.send(
                current_app._get_current_object(),
                subscriber=subscriber,  # type: ignore[attr-defined]
            )
        return redirect(
            url_for(
                ".newsletter_preferences", token=_links_token(subscriber), confirmed=1
            )
        )

    @bp.route("/newsletter/preferences/<token>", methods=["GET", "POST"])
    def newsletter_preferences(token: str) -> t.Any:
        state = get_state()
        try:
            subscriber = _subscriber(state, LINKS, token, state.settings.link_max_age)
        except InvalidToken as error:
            return _link_expired(error.message)
        form = PreferencesForm(
            formdata=request.form if request.method == "POST" else None
        )
        form.topics.choices = [
            SelectChoice(topic.id, marked(topic, "name"))
            for topic in preferences.active_topics(state.session)
        ]

        def page(status: int = 200, **shown: t.Any) -> tuple[str, int]:
            return render_template(
                "loyalty/newsletter/preferences.html",
                form=form,
                subscriber=subscriber,
                token=token,
                **shown,
            ), status

        if request.method != "POST":
            form.topics.data = [topic.id for topic in subscriber.topics]
            return page(confirmed=request.args.get("confirmed") == "1")
        if not form.validate():
            return page(400)
        if form.unsubscribe.data:
            return _unsubscribe(state, subscriber, token, how="preferences page")
        try:
            preferences.update_preferences(
                state.session,
                state.now(),
                subscriber,
                topic_ids=form.topics.data or [],
                pause_days=form.pause.data or 0,
            )
        except InvalidTopics as error:
            state.session.rollback()
            form.topics.errors = [error.message]
            return page(400)
        state.session.commit()
        return page(saved=True)

    @bp.route("/newsletter/unsubscribe/<token>", methods=["GET", "POST"])
    def newsletter_unsubscribe(token: str) -> t.Any:
        """GET shows a button (mail scanners follow links); POST unsubscribes.

        The POST is RFC 8058's one-click: no session, no CSRF token, idempotent.
        """
        state = get_state()
        try:
            subscriber = _subscriber(state, LINKS, token, state.settings.link_max_age)
        except InvalidToken as error:
            return _link_expired(error.message)
        if request.method != "POST":  # HEAD too: scanners send it
            return render_template(
                "loyalty/newsletter/unsubscribe.html",
                subscriber=subscriber,
                token=token,
            )
        return _unsubscribe(state, subscriber, token, how="one-click")

    @bp.route("/newsletter/link", methods=["GET", "POST"])
    def newsletter_link() -> t.Any:
        """Ask for a fresh preferences link by email (when an old one expired)."""
        state = get_state()
        form = LinkRequestForm()
        if not form.validate_on_submit():
            status = 400 if request.method == "POST" else 200
            return render_template("loyalty/newsletter/link.html", form=form), status
        try:
            address = normalise_email(form.email.data)
        except InvalidEmail as error:
            form.email.errors = [error.message]
            return render_template("loyalty/newsletter/link.html", form=form), 400
        if not _allowed(state, "newsletter-link", address):
            form.email.errors = [state.limiter.refusal()]
            return render_template("loyalty/newsletter/link.html", form=form), 429
        # The same work for a known and an unknown address; the worker mails it.
        requests.ask(state.session, state.now(), LINK_REQUEST, address, None)
        state.session.commit()
        return redirect(url_for(".newsletter_check_inbox"))

    bp.record_once(exempt_from_host_csrf("newsletter_unsubscribe"))


def _links_token(subscriber: Subscriber) -> str:
    return preferences_token(subscriber)


def _unsubscribe(
    state: LoyaltyState, subscriber: Subscriber, token: str, how: str
) -> t.Any:
    data = read_token(LINKS, token, state.settings.link_max_age)
    campaign_id = data.get("c") if isinstance(data, dict) else None
    changed = service.unsubscribe(
        state.session,
        state.now(),
        subscriber,
        how=how,
        campaign_id=campaign_id if isinstance(campaign_id, int) else None,
    )
    state.session.commit()
    if changed:
        signals.unsubscribed.send(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            subscriber=subscriber,
            campaign_id=campaign_id,
        )
    return render_template(
        "loyalty/newsletter/unsubscribed.html", subscriber=subscriber, token=token
    )


def _link_expired(message: str) -> t.Any:
    return render_template(
        "loyalty/newsletter/link.html", form=LinkRequestForm(), link_error=message
    ), 400
