"""Who is held out of which measure: one row per person and measure, decided once."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..db import Base
from ..db import UTCDateTime

# The measures a holdout can belong to.
OFFER = "offer"
JOURNEY = "journey"
CAMPAIGN = "campaign"
MEASURES = (OFFER, JOURNEY, CAMPAIGN)


class HoldoutDecision(Base):
    """Whether one person gets a measure or is held out of it, decided the first
    time she was eligible and never changed (a later share does not move her).

    ``key`` is ``<measure>:<measure id>:<person>``, the person being
    ``customer:<id>`` or ``subscriber:<id>``. No ledger: nothing is derived from
    these rows but the report's groups.
    """

    __tablename__ = "loyalty_holdouts"
    __table_args__ = (
        sa.CheckConstraint("share >= 0 AND share <= 50", name="share_range"),
        sa.Index("ix_loyalty_holdouts_measure", "measure", "measure_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(80), unique=True)
    measure: Mapped[str] = mapped_column(sa.String(10))
    measure_id: Mapped[int] = mapped_column()
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_customers.id", ondelete="CASCADE"), index=True
    )
    subscriber_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_subscribers.id", ondelete="CASCADE"), index=True
    )
    held_out: Mapped[bool] = mapped_column()
    share: Mapped[int] = mapped_column()
    """The measure's holdout share in percent when she was decided."""
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime())

    def __repr__(self) -> str:
        return f"<HoldoutDecision {self.key} held_out={self.held_out}>"
