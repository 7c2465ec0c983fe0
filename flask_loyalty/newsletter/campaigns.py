"""Campaigns: write, schedule, build the outbox messages. How one went is in
:mod:`.figures`.

Building streams the audience in id order, one batch per transaction, so memory
stays flat however long the list is, and a crash resumes where it stopped (one
recipient row per subscriber and campaign). The body is rendered once per campaign;
each message only fills in her first name and her signed links.
"""

from __future__ import annotations

import typing as t
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from markupsafe import Markup
from markupsafe import escape
from sqlalchemy.orm import Session

import flask_loyalty.content as content
import flask_loyalty.content_versions as content_versions

from ..errors import InvalidContent
from ..i18n import _
from ..measure.holdout import DEFAULT_SHARE
from ..measure.holdout import check_share
from ..measure.holdout import decision_values
from ..measure.holdout import held_out
from ..measure.models import CAMPAIGN
from ..outbox.queueing import queue_mail
from ..segments.service import narrow
from .models import BUILDING
from .models import CONFIRMED
from .models import DRAFT
from .models import SCHEDULED
from .models import SENT
from .models import SKIPPED_CAP
from .models import SKIPPED_HOLDOUT
from .models import SKIPPED_SUPPRESSED
from .models import Campaign
from .models import CampaignRecipient
from .models import Subscriber
from .models import Topic
from .models import subscriber_topics
from .service import suppression_reasons

FIRST_NAME = "\ue000first\ue000"
UNSUBSCRIBE = "\ue000unsubscribe\ue000"
PREFERENCES = "\ue000preferences\ue000"
BUILD_LEASE = timedelta(minutes=5)


def check_text(subject: str, body: str) -> str:
    """The campaign's subject on one line (runs of spaces made one), once it and
    ``body`` are fit to send, in any of the shop's languages.

    :raises InvalidContent: an empty subject or one over 200 characters, an empty
        body, or a template error in either.
    """
    subject = " ".join((subject or "").split())
    if not subject or len(subject) > 200:
        raise InvalidContent(_("Give the campaign a subject of 1 to 200 characters."))
    if not (body or "").strip():
        raise InvalidContent(_("Write the campaign's text."))
    content.check(subject)
    content.check(body)
    return subject


def save_campaign(
    session: Session,
    now: datetime,
    campaign: Campaign | None,
    *,
    subject: str,
    body: str,
    topic_ids: t.Iterable[int],
    holdout_percent: int = DEFAULT_SHARE[CAMPAIGN],
) -> Campaign:
    """Create or edit a draft; ``holdout_percent`` of its audience get nothing
    (:mod:`flask_loyalty.measure.holdout`).

    :raises InvalidContent: an empty or multi-line subject, a body with a template
        error, no topic, or a campaign that was already sent.
    :raises InvalidHoldout: a holdout share outside 0 to 50 percent.
    """
    subject = check_text(subject, body)
    share = check_share(holdout_percent)
    topics = list(session.scalars(sa.select(Topic).where(Topic.id.in_(set(topic_ids)))))
    if not topics:
        raise InvalidContent(_("Choose at least one topic to send to."))
    if campaign is None:
        campaign = Campaign(status=DRAFT, created_at=now)
        session.add(campaign)
    elif campaign.status not in (DRAFT, SCHEDULED):
        raise InvalidContent(_("This campaign was sent and can no longer change."))
    campaign.subject, campaign.body, campaign.topics = subject, body, topics
    campaign.holdout_percent = share
    campaign.updated_at = now
    session.flush()
    return campaign


def schedule(
    session: Session, now: datetime, campaign: Campaign, send_at: datetime
) -> None:
    """Send at ``send_at`` (now or later); the worker builds and delivers it.

    :raises InvalidContent: the campaign was sent already.
    """
    if campaign.status not in (DRAFT, SCHEDULED):
        raise InvalidContent(_("This campaign was sent already."))
    campaign.status = SCHEDULED
    campaign.send_at = max(send_at, now)
    campaign.updated_at = now


def unschedule(session: Session, now: datetime, campaign: Campaign) -> None:
    """Back to draft, if building has not started."""
    if campaign.status != SCHEDULED:
        raise InvalidContent(_("Only a scheduled campaign can be put back to draft."))
    campaign.status = DRAFT
    campaign.send_at = None
    campaign.updated_at = now


def audience(now: datetime, topic_ids: list[int]) -> sa.Select[tuple[Subscriber]]:
    """Confirmed, not paused subscribers of any of these topics, by id."""
    chosen = sa.select(subscriber_topics.c.subscriber_id).where(
        subscriber_topics.c.topic_id.in_(topic_ids)
    )
    return (
        sa.select(Subscriber)
        .where(
            Subscriber.status == CONFIRMED,
            sa.or_(Subscriber.paused_until.is_(None), Subscriber.paused_until <= now),
            Subscriber.id.in_(chosen),
        )
        .order_by(Subscriber.id)
    )


class Rendered(t.NamedTuple):
    subject: str
    text: str
    html: str


class CampaignRenderer:
    """Renders a campaign once and fills in each reader's name and links.

    ``wrap(body_markdown, body_html)`` returns the whole text and HTML email around
    the body (the shop's email templates); it is called with the link placeholders.
    ``subject`` and ``body`` are the campaign's text in the readers' language
    (default: the campaign's own, in the shop's default language), and
    ``language`` the language they are written in.
    """

    def __init__(
        self,
        campaign: Campaign,
        shop_name: str,
        wrap: t.Callable[[str, Markup], tuple[str, str]],
        *,
        subject: str | None = None,
        body: str | None = None,
        language: str | None = None,
    ) -> None:
        self.campaign = campaign
        self.language = language
        """The language of the text and of ``wrap``: every part of the message."""
        self.shop_name = shop_name
        self.wrap = wrap
        self.subject = campaign.subject if subject is None else subject
        self.body = campaign.body if body is None else body
        self.known = self._render(FIRST_NAME)
        self.unknown = self._render(None)
        # A filter such as {{ first_name|upper }} changes the placeholder; then each
        # message is rendered on its own (slower, still right). A probe tells.
        probe = "Probe Name"
        filled = [part.replace(FIRST_NAME, probe) for part in self.known]
        self.fast = list(self._render(probe)) == filled

    def _render(self, first_name: str | None) -> Rendered:
        values = {"first_name": first_name, "shop_name": self.shop_name}
        subject = " ".join(content.personalise(self.subject, **values).split())
        body = content.personalise(self.body, markdown=True, **values)
        text, html = self.wrap(content.to_text(body), Markup(content.to_html(body)))
        return Rendered(subject, text, html)

    def message(
        self, first_name: str | None, unsubscribe_url: str, preferences_url: str
    ) -> Rendered:
        """Subject, text and HTML for one reader."""
        if first_name and not self.fast:
            base = self._render(first_name)
            name = text_name = ""
        else:
            base = self.known if first_name else self.unknown
            name, text_name = str(escape(first_name or "")), first_name or ""

        def fill(value: str, person: str, url_escape: t.Callable[[str], str]) -> str:
            return (
                value.replace(FIRST_NAME, person)
                .replace(UNSUBSCRIBE, url_escape(unsubscribe_url))
                .replace(PREFERENCES, url_escape(preferences_url))
            )

        return Rendered(
            fill(base.subject, text_name, str),
            fill(base.text, text_name, str),
            fill(base.html, name, lambda url: str(escape(url))),
        )


class Mailer(t.Protocol):
    """What building needs from the app: links and email wrappers."""

    def renderer(
        self, campaign: Campaign, language: str | None = None
    ) -> CampaignRenderer:
        """The campaign's renderer for readers of ``language`` (her stored one)."""

    def links(self, subscriber: Subscriber, campaign: Campaign) -> tuple[str, str]:
        """Her (unsubscribe_url, preferences_url)."""

    def headers(self, unsubscribe_url: str, campaign: Campaign) -> dict[str, str]: ...


def claim_due(session: Session, now: datetime) -> Campaign | None:
    """Take one campaign that is due (or whose builder stopped) and mark it building."""
    stale = now - BUILD_LEASE
    campaign = session.scalar(
        sa.select(Campaign)
        .where(
            sa.or_(
                sa.and_(Campaign.status == SCHEDULED, Campaign.send_at <= now),
                sa.and_(Campaign.status == BUILDING, Campaign.updated_at < stale),
            )
        )
        .order_by(Campaign.send_at, Campaign.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if campaign is None:
        session.rollback()
        return None
    campaign.status = BUILDING
    campaign.started_at = campaign.started_at or now
    campaign.updated_at = now
    session.commit()
    return campaign


def build(
    session: Session,
    clock: t.Callable[[], datetime],
    campaign: Campaign,
    mailer: Mailer,
    *,
    min_days: int,
    batch: int = 500,
    progress: t.Callable[[int], None] | None = None,
) -> None:
    """Queue the campaign for its audience, one batch per transaction.

    Subscribers whose address is suppressed (it bounced, or she complained), and
    those who had a campaign less than ``min_days`` ago, are recorded as skipped.
    Safe to call again after a crash: done recipients are kept.
    """
    campaign_id, share = campaign.id, campaign.holdout_percent
    topic_ids = [topic.id for topic in campaign.topics]
    # Batches commit whole and go in id order: all below the highest are done.
    last_id = session.scalar(
        sa.select(
            sa.func.coalesce(sa.func.max(CampaignRecipient.subscriber_id), 0)
        ).where(CampaignRecipient.campaign_id == campaign.id)
    )
    while True:
        now = clock()
        subscribers = session.scalars(
            narrow(session, now, campaign_id, audience(now, topic_ids))
            .where(Subscriber.id > last_id)
            .limit(batch)
        ).all()
        if not subscribers:
            break
        cap = now - timedelta(days=min_days)
        stopped = suppression_reasons(session, (s.email for s in subscribers))
        for subscriber in subscribers:
            recipient = CampaignRecipient(
                campaign_id=campaign_id, subscriber_id=subscriber.id
            )
            if subscriber.email in stopped:
                recipient.skipped = SKIPPED_SUPPRESSED  # bounced or complained
            elif subscriber.last_campaign_at and subscriber.last_campaign_at > cap:
                recipient.skipped = SKIPPED_CAP
            elif share and held_out(
                session,
                decision_values(
                    now, CAMPAIGN, campaign_id, share, subscriber_id=subscriber.id
                ),
            ):
                recipient.skipped = SKIPPED_HOLDOUT  # she is not told
            else:
                unsubscribe_url, preferences_url = mailer.links(subscriber, campaign)
                renderer = mailer.renderer(campaign, subscriber.locale)
                rendered = renderer.message(
                    subscriber.first_name, unsubscribe_url, preferences_url
                )
                recipient.outbox = queue_mail(
                    session,
                    now,
                    kind="campaign",
                    to=subscriber.email,
                    subject=rendered.subject,
                    text=rendered.text,
                    html=rendered.html,
                    headers=mailer.headers(unsubscribe_url, campaign),
                    language=renderer.language,
                )
                subscriber.last_campaign_at = now
            session.add(recipient)
        last_id = subscribers[-1].id
        campaign.updated_at = now
        session.commit()  # committed rows are held weakly: memory stays flat
        if progress:
            progress(len(subscribers))
    campaign.status = SENT
    campaign.finished_at = clock()
    campaign.updated_at = campaign.finished_at
    session.commit()


def save_text(
    campaign: Campaign,
    now: datetime,
    language: object,
    languages: t.Sequence[str],
    *,
    subject: str,
    body: str,
) -> str:
    """Store the campaign's subject and body in ``language`` (one of
    ``languages``, the shop's languages, default first); return the language.

    :raises InvalidContent: an unknown language, an empty subject or body, a
        template error, or a campaign that was already sent.
    """
    code = content_versions.check_language(language, languages, InvalidContent)
    if campaign.status not in (DRAFT, SCHEDULED):
        raise InvalidContent(_("This campaign was sent and can no longer change."))
    subject = check_text(subject, body)
    content_versions.write(
        campaign,
        code,
        languages,
        {"subject": subject, "body": body.replace("\r\n", "\n")},
        now,
    )
    campaign.updated_at = now
    return code
