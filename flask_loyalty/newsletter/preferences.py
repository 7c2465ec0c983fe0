"""What a subscriber gets: the topics on offer (the owner adds, renames, retires
and restores them; one is the default for whoever ticks none) and her own choice
among them, with a pause. Subscribing, confirming and unsubscribing are in
:mod:`.service`; the topics' names in the shop's other languages in
:mod:`.topic_versions`.
"""

from __future__ import annotations

import re
import typing as t
import unicodedata
from datetime import datetime
from datetime import timedelta

import flask_babel
import sqlalchemy as sa
from flask import current_app
from flask import has_app_context
from sqlalchemy.orm import Session

from ..errors import InvalidName
from ..errors import InvalidTopics
from ..errors import NotFound
from ..i18n import _
from .models import CONFIRMED
from .models import Subscriber
from .models import SubscriberEvent
from .models import Topic
from .models import subscriber_topics
from .names import clean_first_name

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
        detail = f"{topic.slug} (given by the owner: she had no topic)"
        session.add_all(_preferences_event(i, detail, now) for i in chunk)
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
    clean = _topic_name(name)
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


def _topic_name(name: str) -> str:
    """A topic's name, cleaned as a first name is.

    :raises InvalidName: an empty or over-long name.
    """
    clean = clean_first_name(name)
    if not clean:
        raise InvalidName(_("A topic needs a name."))
    return clean


def get_topic(session: Session, topic_id: int) -> Topic:
    topic = session.get(Topic, topic_id)
    if topic is None:
        raise NotFound(_("There is no such topic."))
    return topic


def chosen_topics(session: Session, topic_ids: t.Iterable[int]) -> list[Topic]:
    """The topics of ``topic_ids`` still offered (ids she could not choose are
    left out)."""
    wanted = {int(i) for i in topic_ids}
    if not wanted:
        return []
    return list(
        session.scalars(
            sa.select(Topic).where(Topic.id.in_(wanted), Topic.retired_at.is_(None))
        )
    )


# -- topics, for the owner ----------------------------------------------------------


def rename_topic(
    session: Session, topic: Topic, name: str, description: str | None = None
) -> None:
    """Give a topic a new name and description; its slug stays the same.

    :raises InvalidName: an empty or over-long name.
    """
    topic.name = _topic_name(name)
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


# -- her choice ---------------------------------------------------------------------


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
    topics = chosen_topics(session, topic_ids)
    if not topics:
        raise InvalidTopics(
            _("Choose at least one topic, or unsubscribe from everything.")
        )
    subscriber.topics = topics
    subscriber.paused_until = now + timedelta(days=pause_days) if pause_days else None
    detail = ",".join(topic.slug for topic in subscriber.topics)
    if pause_days:
        detail += f"; paused {pause_days} days"
    session.add(_preferences_event(subscriber.id, detail, now))


def _preferences_event(
    subscriber_id: int, detail: str, now: datetime
) -> SubscriberEvent:
    """The entry in her history that her topics (or pause) changed."""
    return SubscriberEvent(
        subscriber_id=subscriber_id, kind="preferences", detail=detail, at=now
    )
