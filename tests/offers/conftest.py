from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
from flask import Flask

from flask_loyalty import CatalogProduct
from flask_loyalty import Loyalty
from flask_loyalty import OrderLine
from flask_loyalty.offers import models as om
from flask_loyalty.offers.editing import OfferValues
from flask_loyalty.offers.editing import save_offer

CATALOG = [
    CatalogProduct("RNG-FERN", "Fern Leaf Ring", Decimal("38.00"), "rings", "Forest"),
    CatalogProduct(
        "NCK-FERN", "Fern Frond Pendant", Decimal("46.00"), "necklaces", "Forest"
    ),
    CatalogProduct(
        "EAR-FERN", "Fern Sprig Studs", Decimal("29.00"), "earrings", "Forest"
    ),
    CatalogProduct("RNG-TIDE", "Sea Glass Ring", Decimal("24.00"), "rings", "Tidepool"),
    CatalogProduct(
        "NCK-TIDE", "Sea Glass Necklace", Decimal("42.00"), "necklaces", "Tidepool"
    ),
    CatalogProduct("NCK-GOLD", "Gold Chain", Decimal("400.00"), "necklaces", "Luxe"),
    CatalogProduct(
        "EAR-GONE",
        "Sold Out Studs",
        Decimal("30.00"),
        "earrings",
        "Tidepool",
        available=False,
    ),
]
PRODUCTS = {p.sku: p for p in CATALOG}


def line(sku: str, quantity: int = 1) -> OrderLine:
    p = PRODUCTS[sku]
    return OrderLine(sku, p.name, quantity, p.price, p.category)


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> t.Iterator[Flask]:
    """The shop on SQLite and PostgreSQL, with a catalog, in an app context."""
    app = make_app(database_url=database_url)
    app.extensions["loyalty"].extension.catalog_loader(lambda: CATALOG)
    with app.app_context():
        yield app


@pytest.fixture
def shop_loyalty(shop: Flask) -> Loyalty:
    return t.cast(Loyalty, shop.extensions["loyalty"].extension)


@pytest.fixture
def postgres_shop(
    make_app: t.Callable[..., Flask], postgres_url: str
) -> tuple[Flask, Loyalty]:
    """The shop on PostgreSQL with a catalog, for tests of simultaneous requests
    (no app context: each thread pushes its own)."""
    app = make_app(database_url=postgres_url)
    loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)
    loyalty.catalog_loader(lambda: CATALOG)
    return app, loyalty


def owner_shop(make_app: t.Callable[..., Flask]) -> tuple[Flask, Loyalty]:
    """A shop for a live server (no ``SERVER_NAME``) whose every visitor is the
    owner, with the catalog."""
    app = make_app(SERVER_NAME=None)
    loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)
    loyalty.catalog_loader(lambda: CATALOG)
    loyalty.owner_check(lambda: True)
    return app, loyalty


def buy(
    loyalty: Loyalty,
    ref: str,
    *skus: str,
    email: str = "anna@example.com",
    name: str = "Anna Tamm",
    **kw: t.Any,
) -> t.Any:
    items = [line(sku) for sku in skus or ("RNG-FERN",)]
    total = sum((i.unit_price * i.quantity for i in items), Decimal(0))
    total -= kw.get("discount", Decimal(0))
    return loyalty.record_order(
        ref, email=email, name=name, total=total, items=items, **kw
    )


def make_offer(loyalty: Loyalty, **changes: t.Any) -> om.Offer:
    state = loyalty.state
    values = OfferValues(
        name=changes.pop("name", "Thank you"),
        trigger=changes.pop("trigger", om.FIRST_PURCHASE),
        benefit=changes.pop("benefit", om.PERCENT),
        percent=changes.pop("percent", 20),
        subject=changes.pop("subject", "A gift for you, {{ first_name or 'friend' }}"),
        message=changes.pop(
            "message", "Dear {{ first_name }}, here is {{ offer }}: **{{ code }}**."
        ),
        **changes,
    )
    offer = save_offer(
        state.session,
        state.now(),
        None,
        values,
        currency="EUR",
        known_skus=set(PRODUCTS),
    )
    state.session.commit()
    return offer


def form_token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)
