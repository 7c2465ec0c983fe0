"""The owner's segment thresholds and the segment a campaign is narrowed to."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..db import Base
from ..db import UTCDateTime


class SegmentSettings(Base):
    """The thresholds of the segments (one row; defaults when there is none)."""

    __tablename__ = "loyalty_segment_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    regular_orders: Mapped[int] = mapped_column()
    """Orders in 12 months from which a buyer is regular."""
    heavy_spend_cents: Mapped[int] = mapped_column(sa.BigInteger)
    """12-month spend from which a buyer is heavy."""
    former_months: Mapped[int] = mapped_column()
    """Months without an order after which a buyer is a former buyer."""
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class CampaignSegment(Base):
    """A newsletter campaign whose audience is narrowed to a segment."""

    __tablename__ = "loyalty_campaign_segments"

    campaign_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_campaigns.id", ondelete="CASCADE"), primary_key=True
    )
    segment: Mapped[str] = mapped_column(sa.String(32))
