"""What a bounce or a complaint does: plain functions over a session and a time.

One suppression list serves the whole extension: the newsletter's hashed
:class:`~flask_loyalty.newsletter.models.Suppression`. Its ``reason`` says how far it
reaches: ``bounce`` and ``soft_bounce`` stop all mail to the address (it does not
take mail); ``complaint`` and ``erased`` stop marketing mail (mail with a
``List-Unsubscribe`` header), so a receipt or a sign-in link still arrives.

Nothing is suppressed on a report alone: the address must be one the shop mailed
(the message the report names, or any message in the outbox).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask import has_app_context
from sqlalchemy.orm import Session

import flask_loyalty.signals as signals

from ..customers.models import ERASED_DOMAIN
from ..customers.service import normalise_email
from ..errors import InvalidEmail
from ..newsletter.models import CampaignRecipient
from ..newsletter.models import Subscriber
from ..newsletter.models import Suppression
from ..newsletter.service import email_hash
from ..newsletter.service import find_subscriber
from ..newsletter.service import suppression_reasons
from ..newsletter.service import unsubscribe
from ..outbox.claims import Claimed
from ..outbox.models import OutboxMessage
from .models import COMPLAINT
from .models import HARD_BOUNCE
from .models import LIFTED
from .models import SOFT_BOUNCE
from .models import MailEvent

log = logging.getLogger("flask_loyalty.mail")

BLOCKS_ALL = frozenset({"bounce", "soft_bounce"})
BLOCKS_MARKETING = frozenset({"complaint", "erased"})


def normal(email: str) -> str:
    """The address as the newsletter stores and hashes it (lower case)."""
    try:
        return normalise_email(email)
    except InvalidEmail:
        return email.strip().lower()


def is_marketing(message: Claimed) -> bool:
    """Bulk mail carries ``List-Unsubscribe``; a receipt or sign-in link does not."""
    return any(k.lower() == "list-unsubscribe" for k in (message.headers or {}))


def blocked_messages(session: Session, messages: list[Claimed]) -> set[int]:
    """Ids of ``messages`` that must not go: their address is suppressed, or it
    is an erased customer's pseudonym."""
    addresses = {m.id: normal(m.to_addr) for m in messages}
    reasons = suppression_reasons(session, set(addresses.values()))
    blocked = set()
    for message in messages:
        reason = reasons.get(addresses[message.id])
        if addresses[message.id].endswith("@" + ERASED_DOMAIN):
            blocked.add(message.id)
        elif reason in BLOCKS_ALL or (
            reason in BLOCKS_MARKETING and is_marketing(message)
        ):
            blocked.add(message.id)
    return blocked


@dataclass(frozen=True)
class Report:
    """One bounce or complaint, as read from a bounce message or a webhook."""

    kind: str  # HARD_BOUNCE, SOFT_BOUNCE, COMPLAINT or REFUSED
    email: str | None
    source: str
    external_id: str | None = None
    message_id: str | None = None
    """The ``Message-ID`` of our message that it is about, if the report says."""
    outbox_id: int | None = None
    """Our message, when the envelope (VERP) named it."""
    detail: str | None = None
    needs_message: bool = False
    """Count it only for the message it names, sent to its address: its sender
    vouches for less than the whole report (a Mailgun event's body is unsigned)."""


def find_message(session: Session, report: Report) -> OutboxMessage | None:
    if report.outbox_id is not None:
        return session.get(OutboxMessage, report.outbox_id)
    if report.message_id:
        wanted = report.message_id.strip()
        if not wanted.startswith("<"):
            wanted = f"<{wanted}>"
        return session.scalar(
            sa.select(OutboxMessage)
            .where(OutboxMessage.message_id == wanted)
            .order_by(OutboxMessage.id.desc())
            .limit(1)
        )
    return None


def _mailed(session: Session, email: str) -> OutboxMessage | None:
    return session.scalar(
        sa.select(OutboxMessage)
        .where(sa.func.lower(OutboxMessage.to_addr) == email)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )


def apply_report(
    session: Session, now: datetime, report: Report, *, soft_limit: int, reset_days: int
) -> str:
    """Record ``report`` and suppress or unsubscribe as it requires.

    Returns what happened: ``suppressed``, ``unsubscribed`` (a complaint),
    ``counted`` (a soft bounce under the limit, or a refusal), ``duplicate`` (seen
    before) or ``ignored`` (an address the shop did not mail: nothing changes).
    The caller commits.
    """
    message = find_message(session, report)
    if message is not None and report.outbox_id is None and report.email:
        # A Message-ID is no proof of who bounced: the address must match.
        if normal(message.to_addr) != normal(report.email):
            message = None
    if message is not None:
        email = normal(message.to_addr)
    elif report.needs_message:
        log.warning(
            "%s report from %s names no message the shop sent to %s: ignored",
            report.kind,
            report.source,
            report.email,
        )
        return "ignored"
    elif report.email:
        email = normal(report.email)
        message = _mailed(session, email)
        if message is None:
            log.warning(
                "%s report about %s ignored: the shop never mailed that address",
                report.kind,
                email,
            )
            return "ignored"
    else:
        log.warning("%s report without an address we know: ignored", report.kind)
        return "ignored"
    event = MailEvent(
        kind=report.kind,
        email=email,
        email_hash=email_hash(email),
        outbox_id=message.id,
        campaign_id=session.scalar(
            sa.select(CampaignRecipient.campaign_id).where(
                CampaignRecipient.outbox_id == message.id
            )
        ),
        source=report.source[:40],
        external_id=(report.external_id or "")[:250] or None,
        detail=(report.detail or "")[:500] or None,
        at=now,
    )
    if report.external_id and session.scalar(
        sa.select(MailEvent.id).where(
            MailEvent.source == event.source,
            MailEvent.external_id == event.external_id,
        )
    ):
        return "duplicate"
    session.add(event)
    if report.kind == HARD_BOUNCE:
        suppress(session, now, email, "bounce")
        return "suppressed"
    if report.kind == SOFT_BOUNCE:
        if soft_bounces_in_a_row(session, email, now, reset_days) >= soft_limit:
            suppress(session, now, email, "soft_bounce")
            return "suppressed"
        return "counted"
    if report.kind == COMPLAINT:
        subscriber = find_subscriber(session, email)
        if subscriber is not None and unsubscribe(
            session, now, subscriber, how="complaint", campaign_id=event.campaign_id
        ):
            _announce_unsubscribe(session, subscriber, event.campaign_id)
        suppress(session, now, email, "complaint")
        return "unsubscribed"
    return "counted"  # REFUSED: the message failed, the address is fine


PENDING = "loyalty_complaint_unsubscribes"


def _announce_unsubscribe(
    session: Session, subscriber: Subscriber, campaign_id: int | None
) -> None:
    """Remember the unsubscribe for :func:`announce`, after the commit."""
    session.info.setdefault(PENDING, []).append((subscriber.id, campaign_id))


def announce(session: Session) -> None:
    """Send the newsletter's ``unsubscribed`` signal for each complaint that
    unsubscribed someone; call it after the commit."""
    pending = session.info.pop(PENDING, [])
    if not pending or not has_app_context():
        return
    app = current_app._get_current_object()  # type: ignore[attr-defined]
    for subscriber_id, campaign_id in pending:
        subscriber = session.get(Subscriber, subscriber_id)
        if subscriber is not None:
            signals.unsubscribed.send(
                app, subscriber=subscriber, campaign_id=campaign_id
            )


def soft_bounces_in_a_row(
    session: Session, email: str, now: datetime, reset_days: int
) -> int:
    """Soft bounces since the last hard bounce or lift, one per message, that came
    with no gap of ``reset_days`` or more between them (or before now)."""
    events = session.execute(
        sa.select(MailEvent.kind, MailEvent.outbox_id, MailEvent.at)
        .where(
            MailEvent.email_hash == email_hash(email),
            MailEvent.kind.in_((SOFT_BOUNCE, HARD_BOUNCE, LIFTED)),
        )
        .order_by(MailEvent.at.desc(), MailEvent.id.desc())
    ).all()
    gap = timedelta(days=reset_days)
    seen: set[int | None] = set()
    count, later = 0, now
    for kind, outbox_id, at in events:
        if kind != SOFT_BOUNCE or later - at >= gap:
            break
        if outbox_id is None or outbox_id not in seen:
            count += 1
            seen.add(outbox_id)
        later = at
    return count


def suppress(session: Session, now: datetime, email: str, reason: str) -> None:
    """Put ``email`` on the suppression list; a bounce outranks the reasons that
    only stop marketing."""
    digest = email_hash(email)
    entry = session.scalar(
        sa.select(Suppression).where(Suppression.email_hash == digest)
    )
    if entry is None:
        session.add(Suppression(email_hash=digest, reason=reason, created_at=now))
    elif reason in BLOCKS_ALL and entry.reason not in BLOCKS_ALL:
        entry.reason = reason
        entry.created_at = now
    session.flush()


def lift(session: Session, now: datetime, email: str) -> str | None:
    """Take ``email`` off the suppression list; return the reason it had, or
    ``None``. A complaint's unsubscribe stays: only she can subscribe again."""
    email = normal(email)
    digest = email_hash(email)
    entry = session.scalar(
        sa.select(Suppression).where(Suppression.email_hash == digest)
    )
    if entry is None:
        return None
    session.delete(entry)
    session.add(
        MailEvent(
            kind=LIFTED,
            email=email,
            email_hash=digest,
            source="owner",
            detail=f"was {entry.reason}",
            at=now,
        )
    )
    return entry.reason


@dataclass(frozen=True)
class SuppressedAddress:
    """One entry of the list as the owner sees it."""

    email_hash: str
    email: str | None
    reason: str
    since: datetime
    last_event: MailEvent | None


def suppressed_addresses(
    session: Session, *, offset: int = 0, limit: int = 50, email: str | None = None
) -> list[SuppressedAddress]:
    """Suppressions, newest first, each with the report that caused it (its address
    is known from that report; an erased address shows none)."""
    query = sa.select(Suppression).order_by(
        Suppression.created_at.desc(), Suppression.id.desc()
    )
    if email:
        query = query.where(Suppression.email_hash == email_hash(normal(email)))
    entries = session.scalars(query.offset(offset).limit(limit)).all()
    last: dict[str, MailEvent] = {}
    if entries:
        for event in session.scalars(
            sa.select(MailEvent)
            .where(
                MailEvent.email_hash.in_([e.email_hash for e in entries]),
                MailEvent.kind != LIFTED,
            )
            .order_by(MailEvent.id)
        ):
            last[event.email_hash] = event
    return [
        SuppressedAddress(
            email_hash=entry.email_hash,
            email=(last[entry.email_hash].email if entry.email_hash in last else None)
            or (normal(email) if email else None),
            reason=entry.reason,
            since=entry.created_at,
            last_event=last.get(entry.email_hash),
        )
        for entry in entries
    ]


def history(session: Session, email: str) -> list[MailEvent]:
    """Every report and lift about ``email``, newest first."""
    return list(
        session.scalars(
            sa.select(MailEvent)
            .where(MailEvent.email_hash == email_hash(normal(email)))
            .order_by(MailEvent.at.desc(), MailEvent.id.desc())
        )
    )


def forget_address(session: Session, email: str) -> None:
    """Clear the address from the reports (erasure); the counts stay."""
    session.execute(
        sa.update(MailEvent)
        .where(MailEvent.email_hash == email_hash(normal(email)))
        .values(email=None)
    )
