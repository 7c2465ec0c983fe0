from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..db import Base
from ..db import UTCDateTime

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
SUPPRESSED = "suppressed"
"""Not sent: the address bounced, or complained and the message is marketing."""


class OutboxMessage(Base):
    """One email, written in the same transaction as the change that caused it."""

    __tablename__ = "loyalty_outbox"
    __table_args__ = (
        sa.Index("ix_loyalty_outbox_due", "status", "send_after"),
        sa.Index("ix_loyalty_outbox_claimed_at", "claimed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(40))
    """What the message is (``magic_link``, ``campaign``...), for the owner's view."""
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    to_domain: Mapped[str | None] = mapped_column(sa.String(254))
    """The recipient's domain, lower case, for the per-domain sending pace."""
    subject: Mapped[str] = mapped_column(sa.String(300))
    text_body: Mapped[str] = mapped_column(sa.Text)
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    headers: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    message_id: Mapped[str] = mapped_column(sa.String(250))
    raw: Mapped[bytes] = mapped_column(sa.LargeBinary)
    """The whole message as sent, written once when it is queued."""
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    send_after: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)

    def __repr__(self) -> str:
        return (
            f"<OutboxMessage {self.id} {self.kind} to {self.to_addr!r} {self.status}>"
        )
