"""Personal data of one address: export everything stored about it, or erase it.

Erasure keeps only a hashed suppression entry, so no later import mails the address
again; bounce reports, journey enrolments and the mail sent to her keep their counts
with the address replaced (the mail's subject and bodies are blanked).
"""

from __future__ import annotations

import typing as t
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..customers.service import normalise_email
from ..deliverability.service import forget_address
from ..journeys import models as jm
from ..journeys.service import forget_address as leave_journeys
from ..measure.models import HoldoutDecision
from ..outbox.queueing import forget_recipient
from ..outbox.queueing import mailed_to
from .models import CampaignRecipient
from .models import SubscriberEvent
from .models import subscriber_topics
from .service import find_subscriber
from .service import pseudonym
from .service import suppress


def export_subscriber(session: Session, email: object) -> dict[str, t.Any] | None:
    """Everything stored about this address's subscription, or ``None``."""
    subscriber = find_subscriber(session, normalise_email(email))
    if subscriber is None:
        return None
    events = session.scalars(
        sa.select(SubscriberEvent)
        .where(SubscriberEvent.subscriber_id == subscriber.id)
        .order_by(SubscriberEvent.id)
    )
    times = (
        "created_at",
        "confirmation_sent_at",
        "confirmed_at",
        "unsubscribed_at",
        "paused_until",
        "last_campaign_at",
    )
    return {
        "email": subscriber.email,
        "first_name": subscriber.first_name,
        "locale": subscriber.locale,
        "status": subscriber.status,
        "consent": {
            "text": subscriber.consent_text,
            "version": subscriber.consent_version,
            "source": subscriber.consent_source,
            "ip": subscriber.consent_ip,
        },
        "topics": [topic.name for topic in subscriber.topics],
        **{
            name: (value.isoformat() if (value := getattr(subscriber, name)) else None)
            for name in times
        },
        "events": [
            {
                "kind": e.kind,
                "at": e.at.isoformat(),
                "campaign_id": e.campaign_id,
                "detail": e.detail,
            }
            for e in events
        ],
        "journeys": journey_enrolments(session, subscriber.email),
        "emails": [
            {
                "kind": message.kind,
                "subject": message.subject,
                "status": message.status,
                "queued_at": message.created_at.isoformat(),
                "sent_at": message.sent_at.isoformat() if message.sent_at else None,
            }
            for message in mailed_to(session, subscriber.email)
        ],
    }


def journey_enrolments(session: Session, email: str) -> list[dict[str, t.Any]]:
    """Her enrolments in journeys, for the personal data export."""
    rows = session.execute(
        sa.select(jm.Journey.name, jm.Enrolment)
        .join(jm.Journey, jm.Journey.id == jm.Enrolment.journey_id)
        .where(jm.Enrolment.email == email)
        .order_by(jm.Enrolment.id)
    )
    return [
        {
            "journey": name,
            "status": enrolment.status,
            "entered_at": enrolment.entered_at.isoformat(),
            "ended_at": enrolment.ended_at.isoformat() if enrolment.ended_at else None,
        }
        for name, enrolment in rows
    ]


def erase_subscriber(session: Session, now: datetime, email: object) -> bool:
    """Delete her subscription and history; keep only a hashed suppression entry,
    so no import mails the address again. Return ``True`` if she was on the list."""
    address = normalise_email(email)
    subscriber = find_subscriber(session, address)
    if subscriber is not None:
        # Explicit deletes: SQLite enforces ON DELETE CASCADE only with a pragma.
        for table, column in (
            (SubscriberEvent.__table__, SubscriberEvent.subscriber_id),
            (CampaignRecipient.__table__, CampaignRecipient.subscriber_id),
            (subscriber_topics, subscriber_topics.c.subscriber_id),
            (HoldoutDecision.__table__, HoldoutDecision.subscriber_id),
        ):
            session.execute(sa.delete(table).where(column == subscriber.id))
        session.delete(subscriber)

    forget_address(session, address)  # bounce reports keep their counts only
    leave_journeys(session, now, address)  # journey figures keep their counts only
    forget_recipient(session, address, pseudonym(address))  # the mail sent to her
    suppress(session, now, address, "erased")
    return subscriber is not None
