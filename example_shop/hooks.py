"""What the shop tells flask-loyalty: who shops, who owns, what is sold."""

from __future__ import annotations

from flask import url_for
from flask_login import current_user

from flask_loyalty import CatalogProduct
from flask_loyalty import ShopCustomer

from .catalog import PRODUCTS
from .extensions import loyalty


@loyalty.customer_loader
def current_shop_customer() -> ShopCustomer | None:
    """The signed-in shop user; ``None`` for a guest (she can use a sign-in link)."""
    if not current_user.is_authenticated:
        return None
    return ShopCustomer(
        email=current_user.email,
        name=current_user.name,
        external_id=str(current_user.id),
    )


@loyalty.owner_check
def is_owner() -> bool:
    """Only the signed-in owner may open the loyalty owner pages."""
    return bool(current_user.is_authenticated and current_user.is_owner)


@loyalty.catalog_loader
def catalog() -> list[CatalogProduct]:
    """The products, with links when a URL can be built (in a request, or with
    ``SERVER_NAME`` set for the CLI)."""
    return [
        CatalogProduct(
            sku=p.sku,
            name=p.name,
            price=p.price,
            category=p.category,
            collection=p.collection,
            url=_url("shop.product", slug=p.slug),
            image_url=_url("static", filename=p.image),
        )
        for p in PRODUCTS
    ]


def _url(endpoint: str, **values: str) -> str | None:
    try:
        return url_for(endpoint, _external=True, **values)
    except RuntimeError:
        return None
