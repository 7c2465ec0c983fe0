"""The small value types the shop's hooks return and its checkout passes in."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class ShopCustomer:
    """Who is shopping now, as the shop's ``customer_loader`` reports it.

    :param email: the address the shop has for her (required).
    :param name: her name as she wrote it, for greetings ("Dear Anna").
    :param external_id: the shop's own user id, if she has a shop login.
    :param locale: her language (``"et"``, ``"el"``...), if the shop knows it.
    :param email_verified: ``True`` only if the shop made sure the address is hers
        (a link it emailed at sign-up, say). An unverified login never sees the
        points, orders or codes of that address: she confirms it once by a link
        flask-loyalty emails, and her login is linked to it from then on.
    """

    email: str
    name: str | None = None
    external_id: str | None = None
    locale: str | None = None
    email_verified: bool = False


@dataclass(frozen=True)
class OrderLine:
    """One line of an order passed to :meth:`Loyalty.record_order`.

    ``unit_price`` is a :class:`~decimal.Decimal` in the order's currency. A plain
    mapping with the same keys is accepted too.
    """

    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    category: str | None = None


@dataclass(frozen=True)
class CatalogProduct:
    """A product as the shop's ``catalog_loader`` reports it (for personal offers)."""

    sku: str
    name: str
    price: Decimal
    category: str | None = None
    collection: str | None = None
    url: str | None = None
    image_url: str | None = None
    available: bool = True


CustomerLoader = t.Callable[[], ShopCustomer | None]
OwnerCheck = t.Callable[[], bool]
CatalogLoader = t.Callable[[], t.Iterable[CatalogProduct]]
LocaleSelector = t.Callable[[], str | None]
