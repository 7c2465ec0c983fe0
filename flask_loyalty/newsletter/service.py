"""Subscriptions: double opt-in, topics, preferences, unsubscribe, personal data.

Plain functions over a session and a time. They never say whether an address was
known: :func:`subscribe` returns which email to send (if any), and the page shows the
same answer either way.
"""

from __future__ import annotations

import hashlib
import re
import typing as t
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import flask_babel
import sqlalchemy as sa
from flask import current_app
from flask import has_app_context
from sqlalchemy.orm import Session

from ..customers.service import normalise_email
from ..errors import InvalidName
from ..errors import InvalidToken
from ..errors import InvalidTopics
from ..errors import NotFound
from ..i18n import _
from .models import CONFIRMED
from .models import PENDING
from .models import UNSUBSCRIBED
from .models import Subscriber
from .models import SubscriberEvent
from .models import Suppression
from .models import Topic
from .models import subscriber_topics

RESEND_AFTER = timedelta(hours=1)
MAX_FIRST_NAME = 100


def email_hash(email: str) -> str:
    """The SHA-256 of a normalised address: what a suppression entry keeps."""
    return hashlib.sha256(email.encode()).hexdigest()


def pseudonym(email: str) -> str:
    """What replaces an erased address where a row stays for the counts."""
    return f"erased-{email_hash(email)[:12]}"


def clean_first_name(value: object) -> str | None:
    """A first name folded to one line (CR/LF and tabs become spaces).

    :raises InvalidName: not text, control characters, or over 100 characters.
    """
    if value is None:
        return None
    if not isinstance(value, str):
        raise InvalidName(_("A name must be text."))
    name = " ".join(value.split())
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in name):
        raise InvalidName(_("A name cannot contain control characters."))
    if len(name) > MAX_FIRST_NAME:
        raise InvalidName(
            _("A name can have at most %(n)d characters.", n=MAX_FIRST_NAME)
        )
    return name or None


# -- topics -----------------------------------------------------------------------


def active_topics(session: Session) -> list[Topic]:
    """Topics offered to subscribers, in the owner's order."""
    return list(
        session.scalars(
            sa.select(Topic)
            .where(Topic.retired_at.is_(None))
            .order_by(Topic.position, Topic.id)
        )
    )


def default_topic(session: Session, now: datetime) -> Topic:
    """The topic a subscriber gets when she ticks none: the first one offered, in
    the owner's order. A shop without any gets one, named "News" in the shop's
    default language (the owner renames it), so no confirmed subscriber is left
    without campaigns."""
    topics = active_topics(session)
    if topics:
        return topics[0]
    return add_topic(session, now, _default_topic_name())


def _default_topic_name() -> str:
    if not has_app_context() or "loyalty" not in current_app.extensions:
        return "News"
    language = current_app.extensions["loyalty"].settings.languages[0]
    with flask_babel.force_locale(language):
        return _("News")


def subscribers_without_topic(session: Session) -> sa.Select[tuple[int]]:
    """Ids of confirmed subscribers with no topic still offered: campaigns, which
    go to topics, never reach them."""
    offered = (
        sa.select(subscriber_topics.c.subscriber_id)
        .join(Topic, Topic.id == subscriber_topics.c.topic_id)
        .where(Topic.retired_at.is_(None))
    )
    return sa.select(Subscriber.id).where(
        Subscriber.status == CONFIRMED, Subscriber.id.not_in(offered)
    )


def give_default_topic(session: Session, now: datetime) -> tuple[Topic, int]:
    """Give the default topic to every confirmed subscriber without a topic; return
    the topic and how many got it (each gets a ``preferences`` event)."""
    topic = default_topic(session, now)
    ids = list(session.scalars(subscribers_without_topic(session)))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        session.execute(
            sa.insert(subscriber_topics),
            [{"subscriber_id": i, "topic_id": topic.id} for i in chunk],
        )
        session.add_all(
            SubscriberEvent(
                subscriber_id=i,
                kind="preferences",
                detail=f"{topic.slug} (given by the owner: she had no topic)",
                at=now,
            )
            for i in chunk
        )
    session.expire_all()
    return topic, len(ids)


def _plain(text: str | None, limit: int) -> str | None:
    """Owner text on one line without control characters, cut to ``limit``."""
    kept = "".join(ch for ch in text or "" if unicodedata.category(ch) != "Cc")
    return " ".join(kept.split())[:limit] or None


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:50] or "topic"


def add_topic(
    session: Session, now: datetime, name: str, description: str | None = None
) -> Topic:
    """Create a topic; its slug is made from the name and kept when renamed.

    :raises InvalidName: an empty or over-long name.
    """
    clean = clean_first_name(name)
    if not clean:
        raise InvalidName(_("A topic needs a name."))
    base = slug = _slug(clean)
    taken = set(
        session.scalars(sa.select(Topic.slug).where(Topic.slug.like(f"{base}%")))
    )
    counter = 2
    while slug in taken:
        slug, counter = f"{base}-{counter}", counter + 1
    position = session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Topic.position), 0))
    )
    topic = Topic(
        slug=slug,
        name=clean,
        description=_plain(description, 300),
        position=(position or 0) + 1,
        created_at=now,
    )
    session.add(topic)
    session.flush()
    return topic


def get_topic(session: Session, topic_id: int) -> Topic:
    topic = session.get(Topic, topic_id)
    if topic is None:
        raise NotFound(_("There is no such topic."))
    return topic


def _chosen_topics(session: Session, topic_ids: t.Iterable[int]) -> list[Topic]:
    wanted = {int(i) for i in topic_ids}
    if not wanted:
        return []
    return list(
        session.scalars(
            sa.select(Topic).where(Topic.id.in_(wanted), Topic.retired_at.is_(None))
        )
    )


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
    topics = _chosen_topics(session, topic_ids) or [default_topic(session, now)]
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


def update_preferences(
    session: Session,
    now: datetime,
    subscriber: Subscriber,
    *,
    topic_ids: t.Iterable[int],
    pause_days: int = 0,
) -> None:
    """Set her topics and, if ``pause_days`` > 0, pause campaigns for that long.

    :raises InvalidTopics: no topic chosen (to hear nothing, she unsubscribes).
    """
    topics = _chosen_topics(session, topic_ids)
    if not topics:
        raise InvalidTopics(
            _("Choose at least one topic, or unsubscribe from everything.")
        )
    subscriber.topics = topics
    subscriber.paused_until = now + timedelta(days=pause_days) if pause_days else None
    _event(
        session,
        now,
        subscriber,
        "preferences",
        detail=",".join(topic.slug for topic in subscriber.topics)
        + (f"; paused {pause_days} days" if pause_days else ""),
    )


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


# -- topics, for the owner ----------------------------------------------------------


def rename_topic(
    session: Session, topic: Topic, name: str, description: str | None = None
) -> None:
    """Give a topic a new name and description; its slug stays the same.

    :raises InvalidName: an empty or over-long name.
    """
    clean = clean_first_name(name)
    if not clean:
        raise InvalidName(_("A topic needs a name."))
    topic.name = clean
    topic.description = (description or "").strip()[:300] or None


def retire_topic(session: Session, now: datetime, topic: Topic) -> None:
    """Stop offering a topic; subscribers who chose it keep it.

    :raises InvalidTopics: it is the last topic offered (subscribers who tick
        none get the first one offered).
    """
    if topic.retired_at is None and [t.id for t in active_topics(session)] == [
        topic.id
    ]:
        raise InvalidTopics(
            _(
                "Keep at least one topic: subscribers who tick none get the first"
                " one, and campaigns go to topics."
            )
        )
    topic.retired_at = topic.retired_at or now


def restore_topic(session: Session, topic: Topic) -> None:
    """Offer a retired topic again."""
    topic.retired_at = None
