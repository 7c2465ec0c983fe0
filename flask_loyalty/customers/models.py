from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped
from sqlalchemy.orm import mapped_column

from ..db import Base
from ..db import UTCDateTime

FULL_NAME_GREETING = frozenset({"hu"})
"""Languages whose names put the family name first: greeted by the whole name."""

ERASED_DOMAIN = "erased.invalid"
"""The domain of an erased customer's pseudonym: reserved (RFC 2606), never mailed."""


class Customer(Base):
    """A person known to the loyalty program, keyed by normalised email address."""

    __tablename__ = "loyalty_customers"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    """Normalised address (:func:`.customers.service.normalise_email`)."""
    name: Mapped[str | None] = mapped_column(sa.String(200))
    external_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    """The shop's own user id, when the customer has a shop login."""
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    """Her language for email ("et", "tl"...): given at an order, by the shop's
    ``customer_loader``, or chosen in the language switch."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    erased_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    """When her personal data was erased: the row stays for the shop's books, with
    ``email`` a pseudonym at :data:`ERASED_DOMAIN` and no name."""

    @property
    def first_name(self) -> str:
        """The name to greet her by ("Dear Anna"): the first word of her name;
        empty if unknown. A Hungarian name puts the family name first ("Kovács
        Eszter"), and a Hungarian letter greets by the whole name ("Kedves
        Kovács Eszter!"), so for a customer whose language is Hungarian it is
        the whole name, whichever order she typed it in."""
        name = " ".join((self.name or "").split())
        if (self.locale or "").split("-")[0].split("_")[0] in FULL_NAME_GREETING:
            return name
        return name.split(" ", 1)[0]

    def __repr__(self) -> str:
        return f"<Customer {self.id} {self.email!r}>"


class SignInLink(Base):
    """One emailed link (to sign in, or to confirm her request for her data or
    her account's erasure): only its SHA-256 is kept, it expires, and it is
    spent by its first use (OWASP ASVS 5.0, 6.5.1 and 6.5.5)."""

    __tablename__ = "loyalty_sign_in_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    customer_id: Mapped[int] = mapped_column(
        sa.ForeignKey("loyalty_customers.id", ondelete="CASCADE"), index=True
    )
    purpose: Mapped[str] = mapped_column(sa.String(10), server_default="sign-in")
    """``sign-in``, ``export`` (her data) or ``erase`` (her account): a link is
    spent only for its own purpose."""
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class MailRequest(Base):
    """An address someone asked a link for (``kind``: ``sign-in``, ``newsletter-link``),
    known or not: the request writes this one row either way, and the worker looks
    the address up and mails the link to a customer or subscriber (nothing to an
    unknown address), so neither the answer nor its time tells whether an address
    is known (OWASP ASVS 5.0, 6.3.8)."""

    __tablename__ = "loyalty_mail_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(20), server_default="sign-in")
    email: Mapped[str] = mapped_column(sa.String(254))
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime())
