"""Queue email in the outbox, then deliver it with Flask-Mail.

A message is written in the same transaction as the change that caused it, so a
crash loses nothing. Delivery claims a batch (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several workers never take the same message), sends it, and marks each
message sent or due again after a back-off. A worker that died mid-send leaves its
claim; after ``LOYALTY_MAIL_CLAIM_TIMEOUT`` seconds another worker takes it over.
Results are committed once per batch, so such a crash sends at most one batch
(``LOYALTY_WORKER_BATCH`` messages) twice, and never loses one.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from email.utils import parseaddr

import sqlalchemy as sa
from flask import current_app
from flask import render_template
from sqlalchemy.orm import Session

from ..i18n import template_gettext
from ..i18n import template_ngettext
from . import mime
from .models import FAILED
from .models import QUEUED
from .models import SENDING
from .models import SENT
from .models import OutboxMessage


def render_mail(template: str, **context: t.Any) -> tuple[str, str]:
    """Render ``loyalty/email/<template>.txt`` and ``.html``; return (text, html)."""
    context.setdefault("_", template_gettext)
    context.setdefault("ngettext", template_ngettext)
    text = render_template(f"loyalty/email/{template}.txt", **context)
    html = render_template(f"loyalty/email/{template}.html", **context)
    return text, html


def queue_mail(
    session: Session,
    now: datetime,
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict[str, str] | None = None,
    send_after: datetime | None = None,
    sender: mime.Sender | None = None,
) -> OutboxMessage:
    """Add a message to the outbox in the session's current transaction.

    Its MIME is written now, From the app's loyalty sender unless ``sender`` is
    given.

    :raises ValueError: a subject or header with a line break.
    """
    sender = sender or _default_sender()
    message_id, raw = mime.build(
        sender=sender,
        to=to,
        subject=subject,
        text=text,
        html=html,
        headers=headers or {},
        date=now,
    )
    message = OutboxMessage(
        message_id=message_id,
        raw=raw,
        kind=kind,
        to_addr=to,
        subject=subject,
        text_body=text,
        html_body=html,
        headers=headers or {},
        status=QUEUED,
        attempts=0,
        created_at=now,
        send_after=send_after or now,
    )
    session.add(message)
    return message


def _default_sender() -> mime.Sender:
    state = current_app.extensions["loyalty"]
    return t.cast(
        mime.Sender,
        state.settings.mail_sender or (state.settings.shop_name, "loyalty@localhost"),
    )


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed


def claim_due(
    session: Session, now: datetime, *, limit: int, claim_timeout: int
) -> list[OutboxMessage]:
    """Mark up to ``limit`` due messages as being sent by this worker and commit."""
    stale = now - timedelta(seconds=claim_timeout)
    due = sa.or_(
        sa.and_(OutboxMessage.status == QUEUED, OutboxMessage.send_after <= now),
        sa.and_(OutboxMessage.status == SENDING, OutboxMessage.claimed_at < stale),
    )
    messages = list(
        session.scalars(
            sa.select(OutboxMessage)
            .where(due)
            .order_by(OutboxMessage.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )
    for message in messages:
        message.status = SENDING
        message.claimed_at = now
        message.attempts += 1
    ids = [message.id for message in messages]
    session.commit()
    if not ids:
        return []
    # The commit expired the batch: load it again in one query. Otherwise each
    # message would reload itself, and each reload would flush (an UPDATE, and on
    # SQLite the write lock) the result of the message before it.
    return list(
        session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.id.in_(ids))
            .order_by(OutboxMessage.id)
        )
    )


def deliver_due(
    session: Session,
    mail: t.Any,
    clock: t.Callable[[], datetime],
    *,
    limit: int = 50,
    claim_timeout: int = 300,
    max_attempts: int = 5,
) -> DeliveryReport:
    """Send the messages that are due; return how many were sent, retried, failed.

    ``mail`` is Flask-Mail's state (``app.extensions["mail"]``) or a
    :class:`~flask_loyalty.outbox.files.FolderMailer`. A message that fails is
    retried after 2, 4, 8... minutes, and marked failed after ``max_attempts``
    tries; the error is kept for the owner to read.
    """
    report = DeliveryReport()
    messages = claim_due(session, clock(), limit=limit, claim_timeout=claim_timeout)
    if not messages:
        return report

    def failed(message: OutboxMessage, error: Exception) -> None:
        message.last_error = f"{type(error).__name__}: {error}"[:2000]
        if message.attempts >= max_attempts:
            message.status = FAILED
            report.failed += 1
        else:
            message.status = QUEUED
            message.send_after = clock() + timedelta(minutes=2**message.attempts)
            report.retried += 1

    try:
        connection = mail.connect().__enter__()
    except Exception as error:  # noqa: BLE001 - the server is down: retry all later
        for message in messages:
            failed(message, error)
        session.commit()
        return report
    host = connection.host  # None when Flask-Mail suppresses sending (TESTING)
    try:
        for message in messages:
            try:
                if host is not None:
                    raw = message.raw or _rebuild(message)
                    envelope_from = parseaddr(_from_header(raw))[1]
                    host.sendmail(envelope_from, [message.to_addr], raw)
            except Exception as error:  # noqa: BLE001 - any SMTP failure is retried
                failed(message, error)
            else:
                message.status = SENT
                message.sent_at = clock()
                message.last_error = None
                report.sent += 1
    finally:
        # One commit per batch: a worker killed mid-batch re-sends at most the
        # messages of that batch it had already handed to the server.
        session.commit()
        connection.__exit__(None, None, None)
    return report


def _rebuild(message: OutboxMessage) -> bytes:
    """MIME for a message queued before the outbox stored it (migration 0003)."""
    message.message_id, message.raw = mime.build(
        sender=_default_sender(),
        to=message.to_addr,
        subject=message.subject,
        text=message.text_body,
        html=message.html_body,
        headers=dict(message.headers or {}),
        date=message.created_at,
    )
    return message.raw


def _from_header(raw: bytes) -> str:
    """The From header of stored MIME, without parsing the whole message."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("ascii", "replace")
    for line in head.splitlines():
        if line[:5].lower() == "from:":
            return line[5:].strip()
    return ""
