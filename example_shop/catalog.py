"""The shop's twelve products, kept in code (a real shop would use a table)."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import lazy_gettext

CATEGORIES: dict[str, t.Any] = {
    "rings": lazy_gettext("Rings"),
    "necklaces": lazy_gettext("Necklaces"),
    "earrings": lazy_gettext("Earrings"),
}
"""Category slug -> label, in the order the shop shows them."""

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
    name: str
    category: str
    collection: str
    price: Decimal
    material: str
    description: str

    @property
    def image(self) -> str:
        """The picture's path under ``static/``."""
        return f"products/{self.slug}.svg"

    @property
    def category_label(self) -> str:
        return str(CATEGORIES[self.category])


def _p(
    sku: str,
    slug: str,
    name: str,
    category: str,
    collection: str,
    price: str,
    material: str,
    description: str,
) -> Product:
    return Product(
        sku, slug, name, category, collection, Decimal(price), material, description
    )


PRODUCTS: tuple[Product, ...] = (
    _p(
        "RNG-FERN",
        "fern-leaf-ring",
        "Fern Leaf Ring",
        "rings",
        "Forest Floor",
        "38.00",
        "Recycled sterling silver",
        "A slim band that curls into a single fern leaf. Stacks well.",
    ),
    _p(
        "RNG-TIDE",
        "sea-glass-stacking-ring",
        "Sea Glass Stacking Ring",
        "rings",
        "Tidepool",
        "24.00",
        "Sterling silver, sea-green glass",
        "A thin hammered band with a dot of frosted green glass.",
    ),
    _p(
        "RNG-MOON",
        "moonstone-halo-ring",
        "Moonstone Halo Ring",
        "rings",
        "Moonlight",
        "64.00",
        "Sterling silver, rainbow moonstone",
        "A round moonstone in a ring of tiny silver beads.",
    ),
    _p(
        "RNG-AMBR",
        "amber-signet-ring",
        "Amber Signet Ring",
        "rings",
        "Amber Coast",
        "52.00",
        "Gold-plated brass, Baltic amber",
        "A soft oval signet with a cabochon of honey amber.",
    ),
    _p(
        "NCK-FERN",
        "fern-frond-pendant",
        "Fern Frond Pendant",
        "necklaces",
        "Forest Floor",
        "46.00",
        "Recycled sterling silver, 45 cm chain",
        "A real fern frond, cast in silver, on a fine cable chain.",
    ),
    _p(
        "NCK-TIDE",
        "sea-glass-drop-necklace",
        "Sea Glass Drop Necklace",
        "necklaces",
        "Tidepool",
        "42.00",
        "Sterling silver, beach-found glass",
        "Each drop of sea glass is different; yours is picked by hand.",
    ),
    _p(
        "NCK-MOON",
        "crescent-moon-necklace",
        "Crescent Moon Necklace",
        "necklaces",
        "Moonlight",
        "58.00",
        "Sterling silver, moonstone",
        "A small crescent holding a moonstone, on a 42 cm chain.",
    ),
    _p(
        "NCK-AMBR",
        "amber-bead-necklace",
        "Amber Bead Necklace",
        "necklaces",
        "Amber Coast",
        "72.00",
        "Baltic amber beads, gold-filled clasp",
        "Hand-knotted amber beads in warm shades from honey to cognac.",
    ),
    _p(
        "EAR-FERN",
        "fern-sprig-studs",
        "Fern Sprig Studs",
        "earrings",
        "Forest Floor",
        "28.00",
        "Recycled sterling silver",
        "Tiny fern sprigs for every day. Sold as a pair.",
    ),
    _p(
        "EAR-TIDE",
        "pebble-hoop-earrings",
        "Pebble Hoop Earrings",
        "earrings",
        "Tidepool",
        "34.00",
        "Sterling silver, blue-grey pebbles",
        "Small hoops, each with a smooth pebble bead.",
    ),
    _p(
        "EAR-MOON",
        "moonstone-drop-earrings",
        "Moonstone Drop Earrings",
        "earrings",
        "Moonlight",
        "49.00",
        "Sterling silver, rainbow moonstone",
        "Teardrop moonstones that catch a blue glow as they move.",
    ),
    _p(
        "EAR-AMBR",
        "amber-teardrop-earrings",
        "Amber Teardrop Earrings",
        "earrings",
        "Amber Coast",
        "39.50",
        "Gold-plated hooks, Baltic amber",
        "Light amber teardrops on gold hooks.",
    ),
)

BY_SKU: dict[str, Product] = {p.sku: p for p in PRODUCTS}
BY_SLUG: dict[str, Product] = {p.slug: p for p in PRODUCTS}


def products(category: str | None = None) -> list[Product]:
    """Every product, or those of one category."""
    return [p for p in PRODUCTS if category is None or p.category == category]
