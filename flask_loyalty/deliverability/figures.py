"""The owner's deliverability figures: per campaign, per month, and the complaint
rate against the line mailbox providers enforce."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..content_versions import shown_with_language
from ..newsletter.models import BUILDING
from ..newsletter.models import SENT as CAMPAIGN_SENT
from ..newsletter.models import Campaign
from ..newsletter.models import CampaignRecipient
from ..newsletter.models import SubscriberEvent
from ..outbox.models import SENT
from ..outbox.models import OutboxMessage
from .models import COMPLAINT
from .models import HARD_BOUNCE
from .models import SOFT_BOUNCE
from .models import MailEvent

COMPLAINT_LIMIT = 0.003
"""0.3%: above it Gmail and Yahoo reject or spam-folder a bulk sender's mail."""


@dataclass(frozen=True)
class Row:
    """Sent, bounced, complained and unsubscribed for a campaign or a month.

    ``label`` is a campaign's subject (its version in the reader's language, if
    any: ``label_language`` says, ``None`` for the default language's) or a month
    as ``YYYY-MM``; a month's row also has ``month`` (its first day), shown in
    the reader's language."""

    label: str
    sent: int
    bounced: int
    complained: int
    unsubscribed: int
    campaign_id: int | None = None
    month: date | None = None
    label_language: str | None = None

    @property
    def complaint_rate(self) -> float:
        return self.complained / self.sent if self.sent else 0.0


@dataclass(frozen=True)
class Rate:
    """Complaints over sent mail in the last 30 days, against the limit."""

    sent: int
    complained: int
    warning_at: float
    limit: float = COMPLAINT_LIMIT

    @property
    def value(self) -> float:
        return self.complained / self.sent if self.sent else 0.0

    @property
    def level(self) -> str:
        """``ok``, ``warning`` (past the owner's warning line) or ``over``."""
        if self.value >= self.limit:
            return "over"
        if self.value >= self.warning_at:
            return "warning"
        return "ok"


def complaint_rate(session: Session, now: datetime, warning_at: float) -> Rate:
    since = now - timedelta(days=30)
    sent = session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.status == SENT, OutboxMessage.sent_at >= since
        )
    )
    complained = session.scalar(
        sa.select(sa.func.count(MailEvent.id)).where(
            MailEvent.kind == COMPLAINT, MailEvent.at >= since
        )
    )
    return Rate(sent=sent or 0, complained=complained or 0, warning_at=warning_at)


def _unsubscribes() -> sa.ColumnElement[bool]:
    """Unsubscribes the person asked for (a complaint's own is counted apart)."""
    return sa.and_(
        SubscriberEvent.kind == "unsubscribed",
        sa.or_(SubscriberEvent.detail.is_(None), SubscriberEvent.detail != "complaint"),
    )


def by_campaign(session: Session, *, limit: int = 20) -> list[Row]:
    """The latest campaigns that went out, newest first."""
    campaigns = session.execute(
        sa.select(Campaign.id, Campaign.subject, Campaign.translations)
        .where(Campaign.status.in_((BUILDING, CAMPAIGN_SENT)))
        .order_by(Campaign.started_at.desc(), Campaign.id.desc())
        .limit(limit)
    ).all()
    ids = [row.id for row in campaigns]
    if not ids:
        return []
    sent = dict(
        session.execute(
            sa.select(CampaignRecipient.campaign_id, sa.func.count())
            .join(OutboxMessage, OutboxMessage.id == CampaignRecipient.outbox_id)
            .where(CampaignRecipient.campaign_id.in_(ids), OutboxMessage.status == SENT)
            .group_by(CampaignRecipient.campaign_id)
        ).all()
    )
    events: dict[tuple[int, str], int] = {
        (campaign_id, kind): count
        for campaign_id, kind, count in session.execute(
            sa.select(MailEvent.campaign_id, MailEvent.kind, sa.func.count())
            .where(MailEvent.campaign_id.in_(ids))
            .group_by(MailEvent.campaign_id, MailEvent.kind)
        )
    }
    unsubscribed = dict(
        session.execute(
            sa.select(SubscriberEvent.campaign_id, sa.func.count())
            .where(SubscriberEvent.campaign_id.in_(ids), _unsubscribes())
            .group_by(SubscriberEvent.campaign_id)
        ).all()
    )
    labels = {
        campaign_id: shown_with_language(versions, "subject", subject)
        for campaign_id, subject, versions in campaigns
    }
    return [
        Row(
            label=labels[campaign_id][0],
            label_language=labels[campaign_id][1],
            campaign_id=campaign_id,
            sent=sent.get(campaign_id, 0),
            bounced=events.get((campaign_id, HARD_BOUNCE), 0)
            + events.get((campaign_id, SOFT_BOUNCE), 0),
            complained=events.get((campaign_id, COMPLAINT), 0),
            unsubscribed=unsubscribed.get(campaign_id, 0),
        )
        for campaign_id in labels
    ]


def by_month(session: Session, now: datetime, *, months: int = 12) -> list[Row]:
    """All mail of the last ``months`` calendar months, newest first (UTC)."""
    first = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    for _ in range(months - 1):
        first = (first - timedelta(days=1)).replace(day=1)

    def monthly(column: t.Any, *where: t.Any) -> dict[tuple[int, int], int]:
        when = column
        if session.get_bind().dialect.name == "postgresql":
            when = sa.func.timezone("UTC", column)  # not the session's time zone
        year, month = sa.extract("year", when), sa.extract("month", when)
        rows = session.execute(
            sa.select(year, month, sa.func.count())
            .where(column >= first, *where)
            .group_by(year, month)
        ).all()
        return {(int(y), int(m)): count for y, m, count in rows}

    sent = monthly(OutboxMessage.sent_at, OutboxMessage.status == SENT)
    bounced = monthly(MailEvent.at, MailEvent.kind.in_((HARD_BOUNCE, SOFT_BOUNCE)))
    complained = monthly(MailEvent.at, MailEvent.kind == COMPLAINT)
    unsubscribed = monthly(SubscriberEvent.at, _unsubscribes())
    rows = []
    cursor = now
    for _ in range(months):
        key = (cursor.year, cursor.month)
        rows.append(
            Row(
                label=f"{cursor.year}-{cursor.month:02d}",
                month=date(cursor.year, cursor.month, 1),
                sent=sent.get(key, 0),
                bounced=bounced.get(key, 0),
                complained=complained.get(key, 0),
                unsubscribed=unsubscribed.get(key, 0),
            )
        )
        cursor = cursor.replace(day=1) - timedelta(days=1)
    active = [row for row in rows if row.sent or row.bounced or row.complained]
    return active or rows[:1]
