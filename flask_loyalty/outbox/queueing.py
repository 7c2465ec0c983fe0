"""Queue email in the outbox: each message is written, its MIME included, in the
same transaction as the change that caused it, so a crash loses nothing.
:mod:`.service` delivers it. Here too: the messages written for one address, and
erasing her from them.
"""

from __future__ import annotations

import typing as t
from datetime import datetime
from email.utils import parseaddr

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from ..db import add_row
from ..db import attach
from . import mime
from .models import QUEUED
from .models import SENDING
from .models import SUPPRESSED
from .models import OutboxContent
from .models import OutboxMessage


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
    language: str | None = None,
    insert_now: bool = False,
) -> OutboxMessage:
    """Add a message to the outbox in the session's current transaction.

    Its MIME is written now, From the app's loyalty sender unless ``sender`` is
    given. ``language`` is the one language the whole message is written in
    (``Content-Language``, RFC 3282). With ``insert_now`` its two rows are
    inserted at once with Core statements, not at the session's next flush: the
    cheaper way for one message (an order's); a campaign's thousands are cheaper
    flushed together.

    :raises ValueError: a subject or header with a line break.
    """
    sender = sender or default_sender()
    if language:
        headers = {**(headers or {}), "Content-Language": language.replace("_", "-")}
    message_id, raw = mime.build(
        sender=sender,
        to=to,
        subject=subject,
        text=text,
        html=html,
        headers=headers or {},
        date=now,
        message_id_domain=message_id_domain(),
    )
    values = {
        "kind": kind,
        "to_addr": to,
        "to_domain": recipient_domain(to),
        "subject": subject,
        "headers": headers or {},
        "message_id": message_id,
        "status": QUEUED,
        "attempts": 0,
        "created_at": now,
        "send_after": send_after or now,
        "claimed_at": None,
        "sent_at": None,
        "last_error": None,
    }
    content = {"text_body": text, "html_body": html, "raw": raw}
    if not insert_now:
        message = OutboxMessage(**values, content=OutboxContent(**content))
        session.add(message)
        return message
    message = t.cast(OutboxMessage, add_row(session, OutboxMessage, values))
    session.execute(_INSERT_CONTENT, {"outbox_id": message.id, **content})
    set_committed_value(
        message,
        "content",
        attach(session, OutboxContent, outbox_id=message.id, **content),
    )
    return message


_INSERT_CONTENT = sa.insert(OutboxContent.__table__)


def default_sender() -> mime.Sender:
    """The From of loyalty email (``LOYALTY_MAIL_SENDER``, else Flask-Mail's
    ``MAIL_DEFAULT_SENDER``), else the shop's name at ``loyalty@localhost``."""
    state = current_app.extensions["loyalty"]
    return t.cast(
        mime.Sender,
        state.settings.mail_sender or (state.settings.shop_name, "loyalty@localhost"),
    )


def recipient_domain(address: str) -> str:
    """The domain of ``address``, lower case (for the per-domain pace)."""
    return parseaddr(address)[1].rpartition("@")[2].lower()[:254]


def message_id_domain() -> str | None:
    """The domain of the ``Message-ID`` the deliverability config asks for, if any."""
    config = current_app.extensions.get("loyalty_deliverability")
    return config.message_id_domain if config is not None else None


def mailed_to(session: Session, email: str) -> list[OutboxMessage]:
    """The messages queued for ``email`` (normalised), oldest first."""
    return list(
        session.scalars(
            sa.select(OutboxMessage)
            .options(lazyload(OutboxMessage.content))  # the bodies only if read
            .where(_to(email))
            .order_by(OutboxMessage.id)
        )
    )


def _to(email: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(OutboxMessage.to_addr) == email


def forget_recipient(session: Session, email: str, pseudonym: str) -> int:
    """Erasure: each message to ``email`` keeps its row for the counts (kind,
    status, times) with the address replaced by ``pseudonym`` and its subject and
    bodies blanked; what had not gone yet is not sent. Return how many there were."""
    ids = list(session.scalars(sa.select(OutboxMessage.id).where(_to(email))))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for statement in (
            sa.update(OutboxContent)
            .where(OutboxContent.outbox_id.in_(chunk))
            .values(text_body="", html_body=None, raw=b""),
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(chunk),
                OutboxMessage.status.in_((QUEUED, SENDING)),
            )
            .values(status=SUPPRESSED, last_error="Not sent: the address was erased."),
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(chunk))
            .values(to_addr=pseudonym, to_domain=None, subject="", headers={}),
        ):
            session.execute(statement, execution_options={"synchronize_session": False})
    return len(ids)
