from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..db import Base
from ..db import UTCDateTime
from ..money import from_minor

POINTS = "points"


class DiscountCode(Base):
    """A single-use code worth ``value_cents`` off an order.

    ``code`` is stored without separators (``ABCDEFGHJK``); it is shown grouped
    (``ABCD-EFGH-JK``).
    """

    __tablename__ = "loyalty_discount_codes"
    __table_args__ = (sa.CheckConstraint("value_cents > 0", name="value_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), unique=True)
    value_cents: Mapped[int] = mapped_column(sa.BigInteger)
    currency: Mapped[str] = mapped_column(sa.String(3))
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_customers.id"), index=True
    )
    source: Mapped[str] = mapped_column(sa.String(20))
    """Where the code came from: ``"points"`` for a redemption."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    used_order: Mapped[str | None] = mapped_column(sa.String(64))
    """The shop's order id the code was used on."""

    @property
    def value(self):  # type: ignore[no-untyped-def]
        return from_minor(self.value_cents, self.currency)

    @property
    def display(self) -> str:
        """The code grouped for reading: ``ABCD-EFGH-JK``."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    def __repr__(self) -> str:
        return f"<DiscountCode {self.display} {self.value_cents} {self.currency}>"
