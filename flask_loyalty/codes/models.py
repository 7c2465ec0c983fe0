from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..db import Base
from ..db import UTCDateTime
from ..money import from_minor

POINTS = "points"
OFFER = "offer"


class DiscountCode(Base):
    """A code for the shop's checkout: ``value_cents`` off (a points code), or what
    its offer gives (``offer_id``).

    ``code`` is stored without separators (``ABCDEFGHJK``); it is shown grouped
    (``ABCD-EFGH-JK``). It may be used ``max_uses`` times (0: without limit);
    ``used_at`` is set when the last use is taken.
    """

    __tablename__ = "loyalty_discount_codes"
    __table_args__ = (
        sa.CheckConstraint("value_cents >= 0", name="value_not_negative"),
        sa.CheckConstraint("uses >= 0", name="uses_not_negative"),
    )

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
    """The shop's order id the code was (last) used on."""
    offer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_offers.id"), index=True
    )
    max_uses: Mapped[int] = mapped_column(default=1, server_default="1")
    uses: Mapped[int] = mapped_column(default=0, server_default="0")

    @property
    def value(self):  # type: ignore[no-untyped-def]
        return from_minor(self.value_cents, self.currency)

    @property
    def display(self) -> str:
        """The code grouped for reading: ``ABCD-EFGH-JK``."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))

    def __repr__(self) -> str:
        return f"<DiscountCode {self.display} {self.value_cents} {self.currency}>"


class CodeRedemption(Base):
    """One use of a code on one order (unique per code and order: a repeat of
    ``redeem_discount`` for the same order changes nothing)."""

    __tablename__ = "loyalty_code_redemptions"
    __table_args__ = (sa.UniqueConstraint("code_id", "order_ref"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code_id: Mapped[int] = mapped_column(sa.ForeignKey("loyalty_discount_codes.id"))
    order_ref: Mapped[str] = mapped_column(sa.String(64), index=True)
    """The shop's order id."""
    offer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_offers.id"), index=True
    )
    customer_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("loyalty_customers.id")
    )
    discount_cents: Mapped[int] = mapped_column(sa.BigInteger)
    subtotal_cents: Mapped[int] = mapped_column(sa.BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
