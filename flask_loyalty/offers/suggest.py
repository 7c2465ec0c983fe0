"""Product suggestions for a personal offer, from the shop's ``catalog_loader``.

Items that go with what she bought: the same collection, or a category she has not
bought from (a necklace to go with a ring). Never what she bought, only available
products, in her price band (half to one and a half times what she paid for a
piece). The choice is deterministic (same order, same catalog: same suggestions)
and each suggestion records why it was made.
"""

from __future__ import annotations

import logging
import typing as t
from decimal import Decimal

from ..hooks import CatalogProduct
from ..money import to_minor

if t.TYPE_CHECKING:
    from ..state import LoyaltyState

log = logging.getLogger("flask_loyalty.offers")

SAME_COLLECTION = "same_collection"
OTHER_CATEGORY = "other_category"
LIMIT = 3


def suggest(
    catalog: t.Iterable[CatalogProduct],
    bought: t.Sequence[t.Any],
    currency: str,
    *,
    owned: t.Collection[str] = (),
    limit: int = LIMIT,
) -> list[dict[str, t.Any]]:
    """Suggestions for a buyer of ``bought`` (order items: ``sku``, ``name``,
    ``category``, ``unit_price_cents``), each a dict with ``sku``, ``name``,
    ``price_cents``, ``url``, ``image_url``, ``reason`` (``same_collection`` or
    ``other_category``) and ``because`` (the name of the item it goes with).

    ``owned`` are SKUs she bought before (left out too).
    """
    products = [p for p in catalog if isinstance(p, CatalogProduct)]
    by_sku = {p.sku: p for p in products}
    skus = {item.sku for item in bought} | set(owned)
    prices = [item.unit_price_cents for item in bought] or [0]
    low, high = min(prices) // 2, max(prices) * 3 // 2
    mean = sum(prices) // len(prices)
    categories = {item.category for item in bought if item.category}
    collections: dict[str, str] = {}
    for item in bought:
        product = by_sku.get(item.sku)
        if product is not None and product.collection:
            collections.setdefault(product.collection, item.name)
    picks: list[tuple[int, int, str, dict[str, t.Any]]] = []
    for product in products:
        if product.sku in skus or not product.available:
            continue
        try:
            price = to_minor(Decimal(product.price), currency, what="price")
        except Exception:  # noqa: BLE001 - a product with a bad price is left out
            continue
        if not (low <= price <= high):
            continue
        if product.collection and product.collection in collections:
            rank, reason = 0, SAME_COLLECTION
            because = collections[product.collection]
        elif product.category and categories and product.category not in categories:
            rank, reason = 1, OTHER_CATEGORY
            because = bought[0].name
        else:
            continue
        picks.append(
            (
                rank,
                abs(price - mean),
                product.sku,
                {
                    "sku": product.sku,
                    "name": product.name,
                    "price_cents": price,
                    "url": product.url,
                    "image_url": product.image_url,
                    "reason": reason,
                    "because": because,
                    "collection": product.collection,
                    "category": product.category,
                },
            )
        )
    picks.sort(key=lambda pick: pick[:3])
    chosen: list[dict[str, t.Any]] = []
    seen_categories: set[str | None] = set()
    # One per category first (a varied choice), then the rest in order.
    for _rank, _distance, _sku, pick in picks:
        if pick["category"] not in seen_categories and len(chosen) < limit:
            chosen.append(pick)
            seen_categories.add(pick["category"])
    for _rank, _distance, _sku, pick in picks:
        if pick not in chosen and len(chosen) < limit:
            chosen.append(pick)
    return chosen


def shop_catalog(state: LoyaltyState) -> list[t.Any]:
    """The shop's products for suggestions; none when it has no ``catalog_loader``
    or the loader fails. Suggestions are a courtesy: a failing loader is logged and
    never stops the order (its payment went through) or the offer."""
    if state.extension._catalog_loader is None:
        return []
    try:
        return list(state.extension.catalog())
    except Exception:
        log.exception("catalog_loader failed: the offer goes out without suggestions")
        return []
