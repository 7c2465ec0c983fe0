"""The shop's twelve products, kept in code (a real shop would use a table).

Names, materials, descriptions and collection names are in the shop's own
catalog (``example_shop/translations``), so each page shows them in its own
language; ``str()`` gives the text in the language of the moment (what an
order stores is what she read when she bought)."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import LazyString
from flask_babel import lazy_gettext
from flask_babel import lazy_gettext as _l

CATEGORIES: dict[str, t.Any] = {
    "rings": lazy_gettext("Rings"),
    "necklaces": lazy_gettext("Necklaces"),
    "earrings": lazy_gettext("Earrings"),
}
"""Category slug -> label, in the order the shop shows them."""

COLLECTION_NAMES: dict[str, t.Any] = {
    "Forest Floor": lazy_gettext("Forest Floor"),
    "Tidepool": lazy_gettext("Tidepool"),
    "Moonlight": lazy_gettext("Moonlight"),
    "Amber Coast": lazy_gettext("Amber Coast"),
}
"""Collection key -> its name in the page's language."""

COLLECTIONS: dict[str, t.Any] = {
    "Forest Floor": lazy_gettext("Fern fronds and leaves cast in recycled silver."),
    "Tidepool": lazy_gettext("Sea glass and pebble shapes from the Baltic shore."),
    "Moonlight": lazy_gettext("Moonstones and crescents for quiet evenings."),
    "Amber Coast": lazy_gettext("Warm Baltic amber set in brushed gold."),
}


@dataclass(frozen=True)
class Product:
    """One piece of jewellery for sale."""

    sku: str
    slug: str
    name: LazyString
    category: str
    collection: str
    """The collection's key (``Forest Floor``); its shown name is
    :attr:`collection_name`."""
    price: Decimal
    material: LazyString
    description: LazyString

    @property
    def image(self) -> str:
        """The picture's path under ``static/``."""
        return f"products/{self.slug}.svg"

    @property
    def category_label(self) -> str:
        return str(CATEGORIES[self.category])

    @property
    def collection_name(self) -> str:
        return str(COLLECTION_NAMES[self.collection])


def _p(
    sku: str,
    slug: str,
    name: LazyString,
    category: str,
    collection: str,
    price: str,
    material: LazyString,
    description: LazyString,
) -> Product:
    return Product(
        sku, slug, name, category, collection, Decimal(price), material, description
    )


PRODUCTS: tuple[Product, ...] = (
    _p(
        "RNG-FERN",
        "fern-leaf-ring",
        _l("Fern Leaf Ring"),
        "rings",
        "Forest Floor",
        "38.00",
        _l("Recycled sterling silver"),
        _l("A slim band that curls into a single fern leaf. Stacks well."),
    ),
    _p(
        "RNG-TIDE",
        "sea-glass-stacking-ring",
        _l("Sea Glass Stacking Ring"),
        "rings",
        "Tidepool",
        "24.00",
        _l("Sterling silver, sea-green glass"),
        _l("A thin hammered band with a dot of frosted green glass."),
    ),
    _p(
        "RNG-MOON",
        "moonstone-halo-ring",
        _l("Moonstone Halo Ring"),
        "rings",
        "Moonlight",
        "64.00",
        _l("Sterling silver, rainbow moonstone"),
        _l("A round moonstone in a ring of tiny silver beads."),
    ),
    _p(
        "RNG-AMBR",
        "amber-signet-ring",
        _l("Amber Signet Ring"),
        "rings",
        "Amber Coast",
        "52.00",
        _l("Gold-plated brass, Baltic amber"),
        _l("A soft oval signet with a cabochon of honey amber."),
    ),
    _p(
        "NCK-FERN",
        "fern-frond-pendant",
        _l("Fern Frond Pendant"),
        "necklaces",
        "Forest Floor",
        "46.00",
        _l("Recycled sterling silver, 45 cm chain"),
        _l("A real fern frond, cast in silver, on a fine cable chain."),
    ),
    _p(
        "NCK-TIDE",
        "sea-glass-drop-necklace",
        _l("Sea Glass Drop Necklace"),
        "necklaces",
        "Tidepool",
        "42.00",
        _l("Sterling silver, beach-found glass"),
        _l("Each drop of sea glass is different; yours is picked by hand."),
    ),
    _p(
        "NCK-MOON",
        "crescent-moon-necklace",
        _l("Crescent Moon Necklace"),
        "necklaces",
        "Moonlight",
        "58.00",
        _l("Sterling silver, moonstone"),
        _l("A small crescent holding a moonstone, on a 42 cm chain."),
    ),
    _p(
        "NCK-AMBR",
        "amber-bead-necklace",
        _l("Amber Bead Necklace"),
        "necklaces",
        "Amber Coast",
        "72.00",
        _l("Baltic amber beads, gold-filled clasp"),
        _l("Hand-knotted amber beads in warm shades from honey to cognac."),
    ),
    _p(
        "EAR-FERN",
        "fern-sprig-studs",
        _l("Fern Sprig Studs"),
        "earrings",
        "Forest Floor",
        "28.00",
        _l("Recycled sterling silver"),
        _l("Tiny fern sprigs for every day. Sold as a pair."),
    ),
    _p(
        "EAR-TIDE",
        "pebble-hoop-earrings",
        _l("Pebble Hoop Earrings"),
        "earrings",
        "Tidepool",
        "34.00",
        _l("Sterling silver, blue-grey pebbles"),
        _l("Small hoops, each with a smooth pebble bead."),
    ),
    _p(
        "EAR-MOON",
        "moonstone-drop-earrings",
        _l("Moonstone Drop Earrings"),
        "earrings",
        "Moonlight",
        "49.00",
        _l("Sterling silver, rainbow moonstone"),
        _l("Teardrop moonstones that catch a blue glow as they move."),
    ),
    _p(
        "EAR-AMBR",
        "amber-teardrop-earrings",
        _l("Amber Teardrop Earrings"),
        "earrings",
        "Amber Coast",
        "39.50",
        _l("Gold-plated hooks, Baltic amber"),
        _l("Light amber teardrops on gold hooks."),
    ),
)

BY_SKU: dict[str, Product] = {p.sku: p for p in PRODUCTS}
BY_SLUG: dict[str, Product] = {p.slug: p for p in PRODUCTS}


def products(category: str | None = None) -> list[Product]:
    """Every product, or those of one category."""
    return [p for p in PRODUCTS if category is None or p.category == category]
