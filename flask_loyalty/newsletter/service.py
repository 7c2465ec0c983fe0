"""Subscribing: double opt-in (she asks, then confirms from the email), the signed
links in her emails, unsubscribing from everything, and the suppression list that
keeps an address from being mailed (it bounced, she complained, she was erased).
What she gets once subscribed (topics, a pause) is in :mod:`.preferences`.

Plain functions over a session and a time. They never say whether an address was
known: :func:`subscribe` returns which email to send (if any), and the page shows the
same answer either way.
"""

from __future__ import annotations

import hashlib
import typing as t
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..customers.service import normalise_email
from ..errors import InvalidToken
from ..i18n import _
from .models import CONFIRMED
from .models import PENDING
from .models import UNSUBSCRIBED
from .models import Subscriber
from .models import SubscriberEvent
from .models import Suppression
from .names import clean_first_name
from .preferences import chosen_topics
from .preferences import default_topic

RESEND_AFTER = timedelta(hours=1)


def email_hash(email: str) -> str:
    """The SHA-256 of a normalised address: what a suppression entry keeps."""
    return hashlib.sha256(email.encode()).hexdigest()


def pseudonym(email: str) -> str:
    """What replaces an erased address where a row stays for the counts."""
    return f"erased-{email_hash(email)[:12]}"


# -- subscribing ------------------------------------------------------------------


@dataclass(frozen=True)
class Consent:
    """What she agreed to: the exact sentence, its version, where, and from which IP."""

    text: str
    version: str
    source: str
    ip: str | None = None


def find_subscriber(session: Session, email: str) -> Subscriber | None:
    return session.scalar(sa.select(Subscriber).where(Subscriber.email == email))


def _event(
    session: Session,
    now: datetime,
    subscriber: Subscriber,
    kind: str,
    campaign_id: int | None = None,
    detail: str | None = None,
) -> None:
    session.add(
        SubscriberEvent(
            subscriber_id=subscriber.id,
            kind=kind,
            campaign_id=campaign_id,
            detail=detail,
            at=now,
        )
    )


def subscribe(
    session: Session,
    now: datetime,
    *,
    email: object,
    first_name: object = None,
    topic_ids: t.Iterable[int] = (),
    consent: Consent,
    locale: str | None = None,
) -> tuple[Subscriber, str | None]:
    """Ask to subscribe ``email``; return ``(subscriber, email_to_send)``.

    ``email_to_send`` is ``"confirm"`` (a confirmation link), ``"already"`` (she is
    subscribed: a note with her preferences link) or ``None`` (one was sent less
    than an hour ago). A confirmed subscription is not changed by a request anyone
    could make; the others become pending with the new topics and consent.

    :raises InvalidEmail: a bad address. :raises InvalidName: a bad first name.
    """
    address = normalise_email(email)
    name = clean_first_name(first_name)
    topics = chosen_topics(session, topic_ids) or [default_topic(session, now)]
    subscriber = find_subscriber(session, address)
    if subscriber is None:
        subscriber = Subscriber(email=address, status=PENDING, created_at=now)
        session.add(subscriber)
    if subscriber.status == CONFIRMED:
        action = "already"
    else:
        action = "confirm"
        subscriber.status = PENDING
        subscriber.first_name = name or subscriber.first_name
        subscriber.topics = topics
        subscriber.consent_text = consent.text
        subscriber.consent_version = consent.version
        subscriber.consent_source = consent.source[:500]
        subscriber.consent_ip = consent.ip
        subscriber.locale = locale or subscriber.locale
    session.flush()
    sent = subscriber.confirmation_sent_at
    if sent is not None and now - sent < RESEND_AFTER:
        _event(session, now, subscriber, "subscribe_repeated")
        return subscriber, None
    subscriber.confirmation_sent_at = now
    _event(session, now, subscriber, "subscribe_requested", detail=consent.source[:500])
    return subscriber, action


def subscriber_from_token(session: Session, data: t.Any) -> Subscriber:
    """The subscriber a signed link names, if she still has that address.

    :raises InvalidToken: the subscriber is gone or the address changed.
    """
    try:
        subscriber = session.get(Subscriber, int(data["s"]))
        valid = subscriber is not None and subscriber.email == data["e"]
    except (KeyError, TypeError, ValueError):
        valid = False
    if not valid:
        raise InvalidToken(_("This link is not valid any more."))
    return t.cast(Subscriber, subscriber)


def token_data(subscriber: Subscriber) -> dict[str, t.Any]:
    """What the signed links in her emails carry."""
    return {"s": subscriber.id, "e": subscriber.email}


def confirm(session: Session, now: datetime, subscriber: Subscriber) -> bool:
    """Confirm the subscription; return ``True`` if it was not confirmed before."""
    if subscriber.status == CONFIRMED:
        return False
    subscriber.status = CONFIRMED
    subscriber.confirmed_at = now
    subscriber.unsubscribed_at = None
    session.execute(
        sa.delete(Suppression).where(
            Suppression.email_hash == email_hash(subscriber.email),
            # She confirmed again: her erasure or complaint no longer stands.
            Suppression.reason.in_(("erased", "complaint")),
        )
    )
    _event(session, now, subscriber, "confirmed")
    return True


def unsubscribe(
    session: Session,
    now: datetime,
    subscriber: Subscriber,
    *,
    how: str,
    campaign_id: int | None = None,
) -> bool:
    """Unsubscribe her from everything; return ``False`` if she already was."""
    if subscriber.status == UNSUBSCRIBED:
        return False
    subscriber.status = UNSUBSCRIBED
    subscriber.unsubscribed_at = now
    _event(
        session, now, subscriber, "unsubscribed", campaign_id=campaign_id, detail=how
    )
    return True


def suppress(session: Session, now: datetime, email: str, reason: str) -> None:
    """Record that ``email`` (normalised) must not be mailed by an import."""
    digest = email_hash(email)
    if session.scalar(
        sa.select(Suppression.id).where(Suppression.email_hash == digest)
    ):
        return
    session.add(Suppression(email_hash=digest, reason=reason, created_at=now))


_REASONS = sa.select(Suppression.email_hash, Suppression.reason).where(
    Suppression.email_hash.in_(sa.bindparam("hashes", expanding=True))
)


def suppression_reasons(session: Session, emails: t.Iterable[str]) -> dict[str, str]:
    """The suppressed ones of ``emails`` (normalised) with why (``bounce``,
    ``soft_bounce``, ``complaint``, ``erased``): one query, for a batch of a
    campaign, a journey run or the outbox."""
    digests = {email_hash(email): email for email in emails}
    if not digests:
        return {}
    rows = session.execute(_REASONS, {"hashes": list(digests)})
    return {digests[digest]: reason for digest, reason in rows}


def is_suppressed(session: Session, email: str) -> bool:
    digest = email_hash(email)
    return (
        session.scalar(
            sa.select(Suppression.id).where(Suppression.email_hash == digest)
        )
        is not None
    )
