"""Product suggestions for a personal offer, from the shop's ``catalog_loader``.

First what this shop's customers bought together with what she bought (pairs
ranked by lift, bought by at least ``LOYALTY_SUGGESTION_MIN_CUSTOMERS``
customers: :mod:`flask_loyalty.copurchases`); then, for the places left (a new
shop, a product without such pairs), items that go with what she bought by the
catalogue: the same collection, or a category she has not bought from (a necklace
to go with a ring), in her price band (half to one and a half times what she paid
for a piece). Never what she bought, only available products. The choice is
deterministic (same order, same catalog, same counts: same suggestions) and each
suggestion records why it was made.
"""

from __future__ import annotations

import functools
import logging
import typing as t
from decimal import Decimal

from ..copurchases.ranking import Pair
from ..copurchases.ranking import bought_with
from ..hooks import CatalogProduct
from ..money import to_minor

if t.TYPE_CHECKING:
    from ..state import LoyaltyState

log = logging.getLogger("flask_loyalty.offers")

BOUGHT_TOGETHER = "bought_together"
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
    learned: t.Sequence[Pair] = (),
) -> list[dict[str, t.Any]]:
    """Suggestions for a buyer of ``bought`` (order items: ``sku``, ``name``,
    ``category``, ``unit_price_cents``), each a dict with ``sku``, ``name``,
    ``price_cents``, ``url``, ``image_url``, ``reason`` (``bought_together``,
    ``same_collection`` or ``other_category``), ``because`` (the name of the item
    it goes with) and, for ``bought_together``, ``customers``.

    ``owned`` are SKUs she bought before (left out too). ``learned`` are pairs of
    her SKUs with others, best first (:func:`learned_for`): they come first.
    """
    products = [p for p in catalog if isinstance(p, CatalogProduct)]
    by_sku = {p.sku: p for p in products}
    skus = {item.sku for item in bought} | set(owned)
    chosen = _learned(by_sku, bought, currency, skus, learned)[:limit]
    skus |= {pick["sku"] for pick in chosen}
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
        price = _price(product, currency)
        if price is None or not (low <= price <= high):
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
                _pick(product, price, reason, because),
            )
        )
    picks.sort(key=lambda pick: pick[:3])
    seen_categories = {pick["category"] for pick in chosen}
    # One per category first (a varied choice), then the rest in order.
    for _rank, _distance, _sku, pick in picks:
        if pick["category"] not in seen_categories and len(chosen) < limit:
            chosen.append(pick)
            seen_categories.add(pick["category"])
    for _rank, _distance, _sku, pick in picks:
        if pick not in chosen and len(chosen) < limit:
            chosen.append(pick)
    return chosen


def _learned(
    by_sku: dict[str, CatalogProduct],
    bought: t.Sequence[t.Any],
    currency: str,
    skus: set[str],
    learned: t.Sequence[Pair],
) -> list[dict[str, t.Any]]:
    """The learned pairs as suggestions, in their order: products of the catalog,
    available, not hers."""
    names = {item.sku: item.name for item in bought}
    picks = []
    for pair in learned:
        product = by_sku.get(pair.sku_b)
        if pair.sku_a not in names or product is None:
            continue
        if product.sku in skus or not product.available:
            continue
        price = _price(product, currency)
        if price is not None:
            pick = _pick(product, price, BOUGHT_TOGETHER, names[pair.sku_a])
            picks.append({**pick, "customers": pair.customers})
    return picks


def _price(product: CatalogProduct, currency: str) -> int | None:
    try:
        return _minor(product.price, currency)
    except TypeError:  # unhashable: not a price
        return None


@functools.lru_cache(maxsize=1024)
def _minor(price: t.Any, currency: str) -> int | None:
    """The catalog's prices in minor units, once per price (the catalog is read
    anew for every order, its prices mostly the same)."""
    try:
        return to_minor(Decimal(price), currency, what="price")
    except Exception:  # noqa: BLE001 - a product with a bad price is left out
        return None


def _pick(
    product: CatalogProduct, price: int, reason: str, because: str
) -> dict[str, t.Any]:
    return {
        "sku": product.sku,
        "name": product.name,
        "price_cents": price,
        "url": product.url,
        "image_url": product.image_url,
        "reason": reason,
        "because": because,
        "collection": product.collection,
        "category": product.category,
    }


def learned_for(state: LoyaltyState, bought: t.Sequence[t.Any]) -> list[Pair]:
    """The pairs this shop's customers made with the SKUs of ``bought``, with at
    least ``LOYALTY_SUGGESTION_MIN_CUSTOMERS`` customers, best first."""
    return bought_with(
        state.session,
        {item.sku for item in bought},
        state.settings.suggestion_min_customers,
    )


def suggest_for(
    state: LoyaltyState,
    catalog: t.Sequence[t.Any],
    bought: t.Sequence[t.Any],
    currency: str,
    *,
    owned: t.Collection[str] = (),
) -> list[dict[str, t.Any]]:
    """:func:`suggest` with what this shop's customers bought together (nothing
    is read without a catalog or items)."""
    learned = learned_for(state, bought) if catalog and bought else []
    return suggest(catalog, bought, currency, owned=owned, learned=learned)


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
