"""What the customer's account page shows: small frozen records.

:mod:`flask_loyalty.customers.account` reads them with Core statements; the
section templates (``docs/templates.md``) get them. They are plain values, not
ORM objects, so a template cannot load more from the database by reaching
through a relationship.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import date
from datetime import datetime
from decimal import Decimal

from ..money import from_minor
from ..points.program import ProgramSettings
from ..points.tiers import TierRule
from ..policies.rules import ReturnPolicy


@dataclass(frozen=True, slots=True)
class PastOrder:
    """One of her orders as the page shows it."""

    id: int
    reference: str
    currency: str
    total_cents: int
    refunded_cents: int
    """What refunds gave back of it (0: none)."""
    placed_at: datetime
    delivered_at: datetime | None

    @property
    def total(self) -> Decimal:
        return from_minor(self.total_cents, self.currency)

    @property
    def refunded(self) -> Decimal:
        return from_minor(self.refunded_cents, self.currency)


@dataclass(frozen=True, slots=True)
class PastRequest:
    """One of her return requests: its number, status and order's number."""

    id: int
    number: str
    status: str
    order_reference: str


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """A row of her points history."""

    id: int
    kind: str
    points: int
    created_at: datetime
    note: str | None


@dataclass(frozen=True, slots=True)
class OpenCode:
    """A discount code she can still use."""

    id: int
    code: str
    value_cents: int
    currency: str
    expires_at: datetime | None

    @property
    def display(self) -> str:
        """The code grouped for reading: ``ABCD-EFGH-JK``."""
        return "-".join(self.code[i : i + 4] for i in range(0, len(self.code), 4))


@dataclass(frozen=True, slots=True)
class ShownOffer:
    """What the page tells of an offer: its name (with the owner's versions in
    other languages) and its benefit (:func:`~flask_loyalty.offers.messages.describe`
    reads these fields of an :class:`~flask_loyalty.offers.models.Offer`)."""

    id: int
    name: str
    translations: dict[str, dict[str, str]] | None
    trigger_n: int
    benefit: str
    percent: int
    amount_cents: int
    points: int


@dataclass(frozen=True, slots=True)
class OpenOffer:
    """An offer she was given whose code is still open."""

    id: int
    offer_id: int
    offer: ShownOffer
    code: OpenCode
    suggestions: list[dict[str, t.Any]]


@dataclass(frozen=True)
class Rules:
    program: ProgramSettings
    tiers: list[TierRule]
    return_policy: ReturnPolicy
    stamp_cards: list[ShownOffer]
    spend_cents: int
    """Her spend of the last 12 months in the shop's currency, less refunds."""
    balance: int
    birthday: date | None
    order_count: int


@dataclass(frozen=True)
class Orders:
    orders: list[PastOrder]
    """Her newest orders, newest first."""
    requests: list[PastRequest]
    """Her newest return requests, newest first."""


@dataclass(frozen=True)
class OrderOfEntry:
    """The order a ledger entry is for: its number and when it was placed."""

    number: str
    placed_at: datetime


@dataclass(frozen=True)
class History:
    entries: list[LedgerEntry]
    has_next: bool
    expiring: int
    expiring_when: datetime | None
    orders: dict[int, OrderOfEntry]
    """By entry id, the order of each entry that has one (earned, reversed)."""


@dataclass(frozen=True)
class Codes:
    points_codes: list[OpenCode]
    """Codes bought with points, unused and unexpired, newest first."""
    grants: list[OpenOffer]
    """Her newest offers whose code she can still use, with code and offer."""
