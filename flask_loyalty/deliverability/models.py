from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..db import Base
from ..db import UTCDateTime

HARD_BOUNCE = "hard_bounce"
SOFT_BOUNCE = "soft_bounce"
COMPLAINT = "complaint"
REFUSED = "refused"
"""Refused for a reason that is not the address's (a spam filter, a block list)."""
LIFTED = "lifted"
"""The owner lifted the suppression; soft bounces count from zero again."""

EVENT_KINDS = (HARD_BOUNCE, SOFT_BOUNCE, COMPLAINT, REFUSED, LIFTED)


class MailEvent(Base):
    """A bounce, complaint or refusal that came back for a message, or the owner
    lifting a suppression: the "why" behind each suppressed address.

    ``email`` is cleared when the subscriber's data is erased; the hash stays, like
    the suppression entry's.
    """

    __tablename__ = "loyalty_mail_events"
    __table_args__ = (
        sa.UniqueConstraint("source", "external_id"),
        sa.Index("ix_loyalty_mail_events_kind_at", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20))
    email: Mapped[str | None] = mapped_column(sa.String(254))
    email_hash: Mapped[str] = mapped_column(sa.String(64), index=True)
    outbox_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_outbox.id", ondelete="SET NULL"), index=True
    )
    campaign_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_campaigns.id", ondelete="SET NULL"), index=True
    )
    source: Mapped[str] = mapped_column(sa.String(40))
    """``smtp``, ``maildir``, ``imap``, ``webhook:mailgun``... or ``owner``."""
    external_id: Mapped[str | None] = mapped_column(sa.String(250))
    """The report's own id (bounce Message-ID, provider event id): a report seen
    twice is counted once."""
    detail: Mapped[str | None] = mapped_column(sa.String(500))
    at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<MailEvent {self.id} {self.kind} {self.email!r}>"


class WebhookNonce(Base):
    """A webhook signature that was used (Mailgun's, of timestamp + token), kept
    while its timestamp is fresh: the same one again is a replayed request. In the
    database, so every worker of the shop sees the ones the others took."""

    __tablename__ = "loyalty_webhook_nonces"
    __table_args__ = (sa.UniqueConstraint("provider", "digest"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    provider: Mapped[str] = mapped_column(sa.String(20))
    digest: Mapped[str] = mapped_column(sa.String(64))
    """SHA-256 of the signature."""
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    """When the signature's timestamp stops being fresh; the row may go then."""
