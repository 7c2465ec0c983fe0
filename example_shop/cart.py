"""The cart, kept in the session as ``{sku: quantity}``, and its prices (Decimal)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from flask import session

from .catalog import BY_SKU
from .catalog import Product

SESSION_KEY = "cart"
MAX_QUANTITY = 10
SHIPPING = Decimal("4.90")
FREE_SHIPPING_FROM = Decimal("60.00")


@dataclass(frozen=True)
class CartLine:
    product: Product
    quantity: int

    @property
    def total(self) -> Decimal:
        return self.product.price * self.quantity


@dataclass(frozen=True)
class Cart:
    """The cart's lines and money, computed from the session."""

    lines: tuple[CartLine, ...]

    @property
    def count(self) -> int:
        return sum(line.quantity for line in self.lines)

    @property
    def subtotal(self) -> Decimal:
        return sum((line.total for line in self.lines), Decimal("0.00"))

    @property
    def shipping(self) -> Decimal:
        if not self.lines or self.subtotal >= FREE_SHIPPING_FROM:
            return Decimal("0.00")
        return SHIPPING

    @property
    def total(self) -> Decimal:
        return self.subtotal + self.shipping

    @property
    def missing_for_free_shipping(self) -> Decimal:
        return max(FREE_SHIPPING_FROM - self.subtotal, Decimal("0.00"))


def _stored() -> dict[str, int]:
    raw = session.get(SESSION_KEY)
    if not isinstance(raw, dict):
        return {}
    return {
        sku: qty
        for sku, qty in raw.items()
        if sku in BY_SKU and isinstance(qty, int) and 0 < qty <= MAX_QUANTITY
    }


def current_cart() -> Cart:
    """The cart of this session (unknown products are dropped)."""
    return Cart(
        tuple(CartLine(BY_SKU[sku], qty) for sku, qty in sorted(_stored().items()))
    )


def add(sku: str, quantity: int) -> None:
    """Put ``quantity`` more of ``sku`` in the cart (at most ``MAX_QUANTITY``)."""
    items = _stored()
    items[sku] = min(items.get(sku, 0) + quantity, MAX_QUANTITY)
    session[SESSION_KEY] = items


def set_quantity(sku: str, quantity: int) -> None:
    """Change how many of ``sku`` are in the cart; 0 removes it."""
    items = _stored()
    if quantity <= 0:
        items.pop(sku, None)
    else:
        items[sku] = min(quantity, MAX_QUANTITY)
    session[SESSION_KEY] = items


def clear() -> None:
    """Empty the cart (after checkout)."""
    session.pop(SESSION_KEY, None)
