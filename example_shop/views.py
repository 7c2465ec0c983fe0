"""Shop pages: catalog, product, cart, checkout and the order confirmation."""

from __future__ import annotations

import typing as t
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from flask_babel import gettext
from flask_login import current_user

from flask_loyalty import CodeExpired
from flask_loyalty import CodeNotApplicable
from flask_loyalty import CodeNotYours
from flask_loyalty import CodeUsed
from flask_loyalty import DiscountQuote
from flask_loyalty import InvalidEmail
from flask_loyalty import LoyaltyError
from flask_loyalty import OrderLine

from . import cart as carts
from .catalog import BY_SKU
from .catalog import BY_SLUG
from .catalog import CATEGORIES
from .catalog import COLLECTIONS
from .catalog import products
from .extensions import db
from .extensions import loyalty
from .forms import AddToCartForm
from .forms import CheckoutForm
from .forms import RemoveForm
from .forms import UpdateQuantityForm
from .models import ShopOrder
from .models import ShopOrderLine
from .models import User
from .models import utcnow

bp = Blueprint("shop", __name__)

CodeError = (CodeExpired, CodeNotApplicable, CodeNotYours, CodeUsed)

PLACED_KEY = "placed_orders"
"""Order numbers placed in this browser session: their confirmation pages open."""


@bp.get("/")
def catalog() -> str:
    category = request.args.get("category") or None
    if category is not None and category not in CATEGORIES:
        abort(404)
    return render_template(
        "shop/catalog.html", products=products(category), category=category
    )


@bp.get("/products/<slug>")
def product(slug: str) -> str:
    item = BY_SLUG.get(slug) or abort(404)
    related = [
        p for p in products() if p.collection == item.collection and p.sku != item.sku
    ]
    form = AddToCartForm(sku=item.sku)
    return render_template(
        "shop/product.html",
        product=item,
        form=form,
        related=related,
        collection_text=COLLECTIONS[item.collection],
    )


@bp.post("/cart/add")
def cart_add() -> t.Any:
    form = AddToCartForm()
    if not form.validate_on_submit() or form.sku.data not in BY_SKU:
        abort(400)
    carts.add(form.sku.data, form.quantity.data)
    flash(gettext("%(name)s is in your cart.", name=BY_SKU[form.sku.data].name))
    return redirect(url_for(".cart"))


@bp.get("/cart")
def cart() -> str:
    current = carts.current_cart()
    forms = {
        line.product.sku: (
            UpdateQuantityForm(sku=line.product.sku, quantity=line.quantity),
            RemoveForm(sku=line.product.sku),
        )
        for line in current.lines
    }
    return render_template("shop/cart.html", cart=current, forms=forms)


@bp.post("/cart/update")
def cart_update() -> t.Any:
    form = UpdateQuantityForm()
    if not form.validate_on_submit() or form.sku.data not in BY_SKU:
        flash(gettext("Please choose a quantity from 0 to 10."), "error")
        return redirect(url_for(".cart"))
    carts.set_quantity(form.sku.data, form.quantity.data)
    return redirect(url_for(".cart"))


@bp.post("/cart/remove")
def cart_remove() -> t.Any:
    form = RemoveForm()
    if not form.validate_on_submit():
        abort(400)
    carts.set_quantity(form.sku.data, 0)
    if form.sku.data in BY_SKU:
        flash(
            gettext(
                "%(name)s was removed from your cart.", name=BY_SKU[form.sku.data].name
            )
        )
    return redirect(url_for(".cart"))


@bp.route("/checkout", methods=["GET", "POST"])
def checkout() -> t.Any:
    current = carts.current_cart()
    if not current.lines:
        flash(gettext("Your cart is empty."))
        return redirect(url_for(".cart"))
    form = CheckoutForm()
    if request.method == "GET" and current_user.is_authenticated:
        form.name.data = current_user.name
        form.email.data = current_user.email
    error = None
    if form.validate_on_submit():
        code = (form.code.data or "").strip() or None
        try:
            quote = _quote(current, code, form.email.data)
            if quote is not None and not quote.ok:
                form.code.errors = [quote.message]
                raise _CodeRefused
            order = place_order(current, form.name.data, form.email.data, quote)
        except _CodeRefused:
            pass
        except LoyaltyError as exc:
            db.session.rollback()
            if isinstance(exc, InvalidEmail):
                form.email.errors = [exc.message]
            elif code and isinstance(exc, CodeError):
                form.code.errors = [exc.message]
            else:
                error = exc.message
        else:
            carts.clear()
            session[PLACED_KEY] = [*session.get(PLACED_KEY, [])[-9:], order.number]
            return redirect(url_for(".confirmation", number=order.number))
    status = 400 if request.method == "POST" else 200
    return render_template(
        "shop/checkout.html", form=form, cart=current, error=error
    ), status


class _CodeRefused(Exception):
    """The discount code does not apply; the form says why."""


def _lines(current: carts.Cart) -> list[OrderLine]:
    return [
        OrderLine(
            sku=line.product.sku,
            name=str(line.product.name),
            quantity=line.quantity,
            unit_price=line.product.price,
            category=line.product.category,
        )
        for line in current.lines
    ]


def _quote(current: carts.Cart, code: str | None, email: str) -> DiscountQuote | None:
    """What the code gives this cart (before payment), or ``None`` without one."""
    if code is None:
        return None
    return loyalty.quote_discount(
        code, email=email, subtotal=current.subtotal, items=_lines(current)
    )


def place_order(
    current: carts.Cart, name: str, email: str, quote: DiscountQuote | None = None
) -> ShopOrder:
    """Store the shop's order and the loyalty order in one transaction, and use the
    discount code (``quote``) on it: ``record_order`` then ``redeem_discount``.

    :raises LoyaltyError: flask-loyalty refused the order or the code (used at the
        same moment elsewhere); the caller rolls back.
    """
    discount = quote.discount if quote is not None else Decimal("0.00")
    shipping = Decimal("0.00") if quote and quote.free_shipping else current.shipping
    user: User | None = (
        current_user._get_current_object()  # type: ignore[attr-defined]
        if current_user.is_authenticated
        else None
    )
    order = ShopOrder(
        user=user,
        name=name.strip(),
        email=email.strip(),
        subtotal=current.subtotal,
        shipping=shipping,
        total=current.subtotal + shipping - discount,
        placed_at=utcnow(),
        lines=[
            ShopOrderLine(
                sku=line.product.sku,
                name=str(line.product.name),
                category=line.product.category,
                quantity=line.quantity,
                unit_price=line.product.price,
            )
            for line in current.lines
        ],
    )
    db.session.add(order)
    db.session.flush()
    order.assign_number()
    loyalty.record_order(
        order.number,
        email=order.email,
        name=order.name,
        total=order.total,
        items=[
            OrderLine(
                sku=line.sku,
                name=line.name,
                quantity=line.quantity,
                unit_price=line.unit_price,
                category=line.category,
            )
            for line in order.lines
        ],
        shipping=order.shipping,
        discount=discount,
        customer_id=str(user.id) if user is not None else None,
        placed_at=order.placed_at,
        commit=False,
    )
    if quote is not None:
        loyalty.redeem_discount(quote.code, order.number, commit=False)
    db.session.commit()
    return order


@bp.get("/orders/<number>")
def confirmation(number: str) -> str:
    order = db.session.scalar(sa.select(ShopOrder).where(ShopOrder.number == number))
    if order is None:
        abort(404)
    mine = number in session.get(PLACED_KEY, []) or (
        current_user.is_authenticated
        and (order.user_id == current_user.id or current_user.is_owner)
    )
    if not mine:
        abort(404)
    return render_template("shop/confirmation.html", order=order)
