"""What the shop tells flask-loyalty: who shops, who owns, what is sold."""

from __future__ import annotations

from flask_login import current_user

from flask_loyalty import CatalogProduct
from flask_loyalty import ShopCustomer
from flask_loyalty.links import site_url

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
        email_verified=current_user.email_verified_at is not None,
    )


@loyalty.owner_check
def is_owner() -> bool:
    """Only the signed-in owner may open the loyalty owner pages."""
    return bool(current_user.is_authenticated and current_user.is_owner)


@loyalty.catalog_loader
def catalog() -> list[CatalogProduct]:
    """The products, with links from ``LOYALTY_BASE_URL`` (they go into offer
    emails, so never from the request's Host header), named in the language of
    the moment: the page's, or the reader's while her email is written."""
    return [
        CatalogProduct(
            sku=p.sku,
            name=str(p.name),
            price=p.price,
            category=p.category,
            collection=p.collection_name,  # shown in offers: in her language
            url=site_url("shop.product", slug=p.slug),
            image_url=site_url("static", filename=p.image),
        )
        for p in PRODUCTS
    ]
