from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column
from sqlalchemy.orm import relationship

from ..db import Base
from ..db import UTCDateTime


class PolicyPage(Base):
    """A policy page (returns, shipping...) as the owner last saved it, in Markdown."""

    __tablename__ = "loyalty_policy_pages"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    position: Mapped[int] = mapped_column(default=100)
    hidden: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    """Hidden from shoppers (404, left out of the footer); the owner still edits
    it and can publish it again."""
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_by: Mapped[str | None] = mapped_column(sa.String(200))
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(sa.JSON)
    """Title and body in other languages than the default
    (:mod:`flask_loyalty.content_versions`)."""

    versions: Mapped[list[PolicyVersion]] = relationship(
        back_populates="page",
        order_by="PolicyVersion.id.desc()",
        cascade="all",
    )


class PolicyVersion(Base):
    """A page as it was before a save: every save keeps the text it replaced."""

    __tablename__ = "loyalty_policy_versions"

    id: Mapped[int] = mapped_column(primary_key=True)
    page_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_policy_pages.id"), index=True
    )
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text)
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime())
    """When this text was saved (it was replaced later)."""
    saved_by: Mapped[str | None] = mapped_column(sa.String(200))
    language: Mapped[str | None] = mapped_column(sa.String(16))
    """The language of this text; ``None``: the shop's default language."""

    page: Mapped[PolicyPage] = relationship(back_populates="versions")


class ReturnRules(Base):
    """The owner's structured return settings: one row (``id == 1``); defaults
    when absent (:func:`flask_loyalty.policies.rules.load_rules`)."""

    __tablename__ = "loyalty_return_rules"
    __table_args__ = (
        sa.CheckConstraint("window_days >= 0", name="window_not_negative"),
        sa.CheckConstraint("refund_days >= 0", name="refund_days_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    window_days: Mapped[int] = mapped_column()
    condition: Mapped[str] = mapped_column(sa.String(16))
    shipping_paid_by: Mapped[str] = mapped_column(sa.String(16))
    refund_methods: Mapped[str] = mapped_column(sa.String(100))
    """Comma-separated: ``original``, ``store_credit``, ``exchange``."""
    non_returnable: Mapped[str] = mapped_column(sa.String(1000))
    """Comma-separated product categories that cannot be returned."""
    refund_days: Mapped[int] = mapped_column()
    return_address: Mapped[str] = mapped_column(sa.String(1000))
    countries: Mapped[str] = mapped_column(sa.String(200))
    """Comma-separated ISO 3166 country codes the policy applies to (JSON-LD)."""
    translations: Mapped[dict[str, dict[str, str]] | None] = mapped_column(sa.JSON)
    """The non-returnable categories' labels in other languages than the default,
    by category as written in ``non_returnable``:
    ``{"hu": {"custom-made": "egyedi rendelésre készült"}}``."""
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
