from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.ext.associationproxy import AssociationProxy
from sqlalchemy.ext.associationproxy import association_proxy
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import UTCDateTime

QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
SUPPRESSED = "suppressed"
"""Not sent: the address bounced, or complained and the message is marketing."""


class OutboxMessage(Base):
    """One email, written in the same transaction as the change that caused it.

    The row holds what delivery reads and changes (address, status, times); what
    the message says is in :class:`OutboxContent`, written once. SQLite rewrites a
    whole row on every ``UPDATE``: claiming and marking a batch now rewrite narrow
    rows, not 7 KiB of bodies and MIME each (a third of a batch's database time).
    ``text_body``, ``html_body`` and ``raw`` read and write the content as before.
    """

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
    headers: Mapped[dict[str, str]] = mapped_column(sa.JSON, default=dict)
    message_id: Mapped[str] = mapped_column(sa.String(250), index=True)
    status: Mapped[str] = mapped_column(sa.String(16), default=QUEUED)
    attempts: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    send_after: Mapped[datetime] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    content: Mapped[OutboxContent | None] = relationship(
        cascade="all, delete-orphan", passive_deletes=True, lazy="selectin"
    )

    text_body: AssociationProxy[str] = association_proxy(
        "content", "text_body", creator=lambda text: OutboxContent(text_body=text)
    )
    html_body: AssociationProxy[str | None] = association_proxy(
        "content", "html_body", creator=lambda html: OutboxContent(html_body=html)
    )
    raw: AssociationProxy[bytes] = association_proxy(
        "content", "raw", creator=lambda raw: OutboxContent(raw=raw)
    )
    """The whole message as sent, written once when it is queued."""

    def __repr__(self) -> str:
        return (
            f"<OutboxMessage {self.id} {self.kind} to {self.to_addr!r} {self.status}>"
        )


class OutboxContent(Base):
    """What one outbox message says; its bodies are blanked when the person's data
    is erased (the message row stays, with the address replaced, for the counts)."""

    __tablename__ = "loyalty_outbox_content"

    outbox_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_outbox.id", ondelete="CASCADE"), primary_key=True
    )
    text_body: Mapped[str] = mapped_column(sa.Text, default="")
    html_body: Mapped[str | None] = mapped_column(sa.Text)
    raw: Mapped[bytes] = mapped_column(sa.LargeBinary, default=b"")
    """The whole message as sent, written once when it is queued."""
