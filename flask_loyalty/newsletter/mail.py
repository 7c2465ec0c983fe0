"""The newsletter's emails: confirmation, "already subscribed", campaigns."""

from __future__ import annotations

import typing as t
from email.utils import parseaddr

import sqlalchemy as sa
from markupsafe import Markup

import flask_loyalty.content_versions as content_versions

from ..customers import requests
from ..i18n import _
from ..links import email_url
from ..locales import reader_language
from ..locales import reader_locale
from ..outbox.brand import render_mail
from ..outbox.queueing import queue_mail
from ..state import LoyaltyState
from ..tokens import make_token
from . import campaigns
from . import service
from .campaigns import PREFERENCES
from .campaigns import UNSUBSCRIBE
from .campaigns import CampaignRenderer
from .models import SCHEDULED
from .models import Campaign
from .models import Subscriber
from .service import token_data

CONFIRM = "newsletter-confirm"
LINKS = "newsletter-links"
PLACEHOLDER = "--token--"


def _greeting_context(state: LoyaltyState, subscriber: Subscriber) -> dict[str, t.Any]:
    return {"first_name": subscriber.first_name, "shop_name": state.settings.shop_name}


def preferences_token(subscriber: Subscriber, campaign_id: int | None = None) -> str:
    return make_token(LINKS, {**token_data(subscriber), "c": campaign_id})


def queue_confirmation(state: LoyaltyState, subscriber: Subscriber) -> None:
    """Queue the double opt-in email with its signed, expiring link."""
    link = email_url(
        "newsletter_confirm", token=make_token(CONFIRM, token_data(subscriber))
    )
    days = max(state.settings.confirm_max_age // 86400, 1)
    with reader_locale(state, subscriber.locale) as language:
        text, html = render_mail(
            "newsletter_confirm",
            link=link,
            days=days,
            **_greeting_context(state, subscriber),
        )
        subject = _(
            "Please confirm your subscription to %(shop)s",
            shop=state.settings.shop_name,
        )
    queue_mail(
        state.session,
        state.now(),
        kind="newsletter_confirm",
        to=subscriber.email,
        subject=subject,
        text=text,
        html=html,
        language=language,
    )


def queue_preferences_link(
    state: LoyaltyState, subscriber: Subscriber, kind: str
) -> None:
    """Queue a note with her preferences link (``already`` subscribed, or asked)."""
    link = email_url("newsletter_preferences", token=preferences_token(subscriber))
    with reader_locale(state, subscriber.locale) as language:
        text, html = render_mail(
            "newsletter_preferences_link",
            link=link,
            already=kind == "already",
            **_greeting_context(state, subscriber),
        )
        subject = _(
            "Your newsletter settings at %(shop)s", shop=state.settings.shop_name
        )
    queue_mail(
        state.session,
        state.now(),
        kind=f"newsletter_{kind}",
        to=subscriber.email,
        subject=subject,
        text=text,
        html=html,
        language=language,
    )


LINK_REQUEST = "newsletter-link"
LINK_REQUEST_MAX_AGE = 3600
"""A preferences link asked for more than an hour ago is not sent any more."""


def send_requested_links(
    state: LoyaltyState, progress: t.Callable[[int], None] | None = None
) -> int:
    """Worker task: her preferences link for each request to a subscriber's
    address (nothing to an unknown one)."""

    def send(email: str, _locale: str | None) -> bool:
        subscriber = service.find_subscriber(state.session, email)
        if subscriber is None:
            return False
        queue_preferences_link(state, subscriber, "link")
        return True

    return requests.answer(state, LINK_REQUEST, LINK_REQUEST_MAX_AGE, send, progress)


def queue_test(
    state: LoyaltyState, kind: str, to: str, rendered: campaigns.Rendered
) -> None:
    """Queue an owner's test of a rendered campaign or journey email and commit;
    its subject says it is a test."""
    queue_mail(
        state.session,
        state.now(),
        kind=kind,
        to=to,
        subject=_("[Test] %(subject)s", subject=rendered.subject),
        text=rendered.text,
        html=rendered.html,
    )
    state.session.commit()


class NewsletterMailer:
    """Links, headers and email templates for building a campaign."""

    def __init__(self, state: LoyaltyState) -> None:
        self.state = state
        self.renderers: dict[tuple[int, str], CampaignRenderer] = {}
        self.unsubscribe_base = email_url("newsletter_unsubscribe", token=PLACEHOLDER)
        self.preferences_base = email_url("newsletter_preferences", token=PLACEHOLDER)
        sender = state.settings.mail_sender
        sender_address = (
            parseaddr(sender if isinstance(sender, str) else sender[1])[1]
            if sender
            else ""
        )
        self.mailto = state.settings.unsubscribe_mailto or sender_address
        domain = sender_address.rpartition("@")[2] or "localhost"
        self.list_id = f"{state.settings.shop_name} <newsletter.{domain}>"

    def wrap(
        self, body: str, body_html: Markup, language: str | None = None
    ) -> tuple[str, str]:
        """The campaign's email around its body, in ``language`` (else the page's
        or the shop's default)."""
        with reader_locale(self.state, language):
            return render_mail(
                "campaign",
                body=body,
                body_html=body_html,
                unsubscribe_url=UNSUBSCRIBE,
                preferences_url=PREFERENCES,
                shop_name=self.state.settings.shop_name,
            )

    def renderer(
        self, campaign: Campaign, language: str | None = None
    ) -> CampaignRenderer:
        """The campaign rendered once per language of its readers: its version in
        that language, else the shop's default language's, with the email around
        it in the same language (one message, one language)."""
        code = reader_language(self.state, language)
        key = (campaign.id, code)
        if key not in self.renderers:
            version = content_versions.read(
                campaign, ("subject", "body"), code, self.state.settings.languages
            )
            written_in = version.language
            self.renderers[key] = CampaignRenderer(
                campaign,
                self.state.settings.shop_name,
                lambda body, html: self.wrap(body, html, written_in),
                subject=version["subject"],
                body=version["body"],
                language=written_in,
            )
        return self.renderers[key]

    def links(self, subscriber: Subscriber, campaign: Campaign) -> tuple[str, str]:
        token = preferences_token(subscriber, campaign.id)
        return (
            self.unsubscribe_base.replace(PLACEHOLDER, token),
            self.preferences_base.replace(PLACEHOLDER, token),
        )

    def headers(self, unsubscribe_url: str, campaign: Campaign) -> dict[str, str]:
        targets = [f"<{unsubscribe_url}>"]
        if self.mailto:
            targets.append(f"<mailto:{self.mailto}?subject=unsubscribe>")
        return {
            "List-Unsubscribe": ", ".join(targets),
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "List-Id": self.list_id,
        }


def build_due_campaigns(
    state: LoyaltyState, progress: t.Callable[[int], None] | None = None
) -> int:
    """Build every campaign that is due; return how many were built."""
    built = 0
    while (campaign := campaigns.claim_due(state.session, state.now())) is not None:
        campaigns.build(
            state.session,
            state.settings.clock,
            campaign,
            NewsletterMailer(state),
            min_days=state.settings.newsletter_min_days,
            progress=progress,
        )
        built += 1
    return built


def count_due_recipients(state: LoyaltyState) -> int:
    """How many subscribers the due campaigns will reach (for a progress bar)."""
    now = state.now()
    due = state.session.scalars(
        sa.select(Campaign).where(Campaign.status == SCHEDULED, Campaign.send_at <= now)
    )
    return sum(
        state.session.scalar(
            sa.select(sa.func.count()).select_from(
                campaigns.audience(now, [topic.id for topic in c.topics]).subquery()
            )
        )
        or 0
        for c in due
    )
