"""The example shop as a visitor, a customer and the owner use it (test client)."""

from __future__ import annotations

import re
import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from example_shop import db
from example_shop.catalog import BY_SKU
from example_shop.catalog import PRODUCTS
from example_shop.cli import DEMO_ORDERS
from example_shop.models import ShopOrder
from example_shop.models import User
from flask_loyalty.models import Customer
from flask_loyalty.models import Order
from flask_loyalty.models import OutboxMessage

from .conftest import csrf_token
from .conftest import post_form

RING = BY_SKU["RNG-TIDE"]  # 24.00
PENDANT = BY_SKU["NCK-FERN"]  # 46.00


def add_to_cart(client: FlaskClient, sku: str, quantity: int = 1) -> None:
    product = BY_SKU[sku]
    response = post_form(
        client,
        f"/products/{product.slug}",
        "/cart/add",
        {"sku": sku, "quantity": quantity},
    )
    assert response.status_code == 302
    assert response.headers["Location"] == "/cart"


def checkout(client: FlaskClient, name: str, email: str) -> t.Any:
    return post_form(client, "/checkout", "/checkout", {"name": name, "email": email})


def count(app: Flask, model: type) -> int:
    with app.app_context():
        return int(db.session.scalar(sa.select(sa.func.count()).select_from(model)))


def make_user(app: Flask, email: str, name: str, password: str, owner: bool) -> int:
    with app.app_context():
        user = User(email=email, name=name, is_owner=owner)
        user.set_password(password)
        db.session.add(user)
        db.session.commit()
        return user.id


def verify_by_link(app: Flask, client: FlaskClient, email: str) -> None:
    """Open the sign-up email's link and press its button, as she does."""
    with app.app_context():
        message = db.session.scalars(
            sa.select(OutboxMessage)
            .where(OutboxMessage.to_addr == email, OutboxMessage.kind == "shop_verify")
            .order_by(OutboxMessage.id.desc())
        ).first()
    assert message is not None
    link = re.search(r"https?://[^/\s]+(/auth/verify/\S+)", message.text_body)
    assert link, message.text_body
    page = client.get(link[1]).get_data(as_text=True)
    response = client.post(link[1], data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302


def sign_in(client: FlaskClient, email: str, password: str) -> None:
    response = post_form(
        client, "/auth/sign-in", "/auth/sign-in", {"email": email, "password": password}
    )
    assert response.status_code == 302, response.get_data(as_text=True)


def test_catalog_lists_twelve_products_in_three_categories(
    shop_client: FlaskClient,
) -> None:
    html = shop_client.get("/").get_data(as_text=True)
    assert all(str(p.name) in html for p in PRODUCTS)
    assert {p.category for p in PRODUCTS} == {"rings", "necklaces", "earrings"}
    assert all(isinstance(p.price, Decimal) and p.collection for p in PRODUCTS)
    rings = shop_client.get("/?category=rings").get_data(as_text=True)
    assert rings.count('class="card product-card"') == 4
    assert "Fern Leaf Ring" in rings and "Fern Frond Pendant" not in rings
    assert shop_client.get("/?category=hats").status_code == 404
    assert shop_client.get("/products/no-such-thing").status_code == 404


def test_pages_use_local_files_only(shop_client: FlaskClient) -> None:
    html = shop_client.get(f"/products/{RING.slug}").get_data(as_text=True)
    assert '<meta name="viewport"' in html and '<html lang="en">' in html
    assert not re.search(r'(src|href)="(https?:)?//', html)
    with shop_client.get(f"/static/{RING.image}") as image:
        assert image.status_code == 200 and image.mimetype == "image/svg+xml"
        assert b"<svg" in image.data


def test_add_to_cart_update_and_remove(shop_client: FlaskClient) -> None:
    add_to_cart(shop_client, RING.sku)
    add_to_cart(shop_client, RING.sku)
    add_to_cart(shop_client, PENDANT.sku)
    html = shop_client.get("/cart").get_data(as_text=True)
    assert 'class="count" aria-label="3 items">3<' in html
    assert "€94.00" in html  # 2 x 24.00 + 46.00, shipping free from 60
    assert "Free" in html

    response = post_form(
        shop_client, "/cart", "/cart/update", {"sku": RING.sku, "quantity": 0}
    )
    assert response.status_code == 302
    html = shop_client.get("/cart").get_data(as_text=True)
    assert str(RING.name) not in html and str(PENDANT.name) in html
    assert "€4.90" in html and "€50.90" in html  # under 60: flat shipping

    post_form(shop_client, "/cart", "/cart/remove", {"sku": PENDANT.sku})
    assert "Your cart is empty" in shop_client.get("/cart").get_data(as_text=True)


def test_posts_without_csrf_token_are_refused(shop_client: FlaskClient) -> None:
    response = shop_client.post("/cart/add", data={"sku": RING.sku, "quantity": 1})
    assert response.status_code == 400
    assert "Your cart is empty" in shop_client.get("/cart").get_data(as_text=True)


def test_guest_checkout_records_the_loyalty_order(
    shop_app: Flask, shop_client: FlaskClient
) -> None:
    add_to_cart(shop_client, RING.sku, 2)
    response = checkout(shop_client, "Mari Kask", "Mari@Example.com")
    assert response.status_code == 302
    number = response.headers["Location"].rsplit("/", 1)[1]
    assert re.fullmatch(r"SF-\d{5}", number)

    page = shop_client.get(f"/orders/{number}").get_data(as_text=True)
    assert number in page and "Thank you, Mari!" in page
    assert 'href="/loyalty/">See your rewards</a>' in page
    assert "Your cart is empty" in shop_client.get("/cart").get_data(as_text=True)

    with shop_app.app_context():
        shop_order = db.session.scalar(sa.select(ShopOrder))
        assert shop_order.number == number and shop_order.user_id is None
        assert shop_order.total == Decimal("52.90")
        order = db.session.scalar(sa.select(Order).where(Order.reference == number))
        assert order is not None
        assert order.total == Decimal("52.90") and isinstance(order.total, Decimal)
        assert order.shipping_cents == 490
        assert [(i.sku, i.quantity, i.unit_price, i.category) for i in order.items] == [
            ("RNG-TIDE", 2, Decimal("24.00"), "rings")
        ]
        assert order.customer.email == "mari@example.com"
        assert order.customer.name == "Mari Kask"
        assert order.customer.external_id is None


def test_signed_in_checkout_passes_the_customer_id(
    shop_app: Flask, shop_client: FlaskClient
) -> None:
    response = post_form(
        shop_client,
        "/auth/sign-up",
        "/auth/sign-up",
        {
            "name": "Anna Tamm",
            "email": "anna@example.com",
            "password": "a long secret",
            "confirm": "a long secret",
        },
    )
    assert response.status_code == 200  # check your inbox
    verify_by_link(shop_app, shop_client, "anna@example.com")
    add_to_cart(shop_client, PENDANT.sku)
    form = shop_client.get("/checkout").get_data(as_text=True)
    assert 'value="Anna Tamm"' in form and 'value="anna@example.com"' in form

    response = checkout(shop_client, "Anna Tamm", "anna@example.com")
    assert response.status_code == 302
    with shop_app.app_context():
        user = db.session.scalar(sa.select(User))
        assert user.password_hash != "a long secret" and user.check_password(
            "a long secret"
        )
        assert db.session.scalar(sa.select(ShopOrder.user_id)) == user.id
    account = shop_client.get("/loyalty/").get_data(as_text=True)
    with shop_app.app_context():
        order = db.session.scalar(sa.select(Order))
        assert order.customer.external_id == str(user.id)  # verified: linked
    assert "Hello, Anna" in account and order.reference in account


def test_bad_email_rerenders_checkout_and_stores_nothing(
    shop_app: Flask, shop_client: FlaskClient
) -> None:
    add_to_cart(shop_client, RING.sku)
    response = checkout(shop_client, "Eleni", "eleni@@example")
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "is not a valid email address" in html
    assert 'aria-invalid="true"' in html and 'value="eleni@@example"' in html
    assert count(shop_app, ShopOrder) == 0
    assert count(shop_app, Order) == 0
    assert count(shop_app, Customer) == 0
    assert str(RING.name) in shop_client.get("/cart").get_data(as_text=True)


def test_confirmation_is_only_shown_to_whoever_placed_the_order(
    shop_app: Flask, shop_client: FlaskClient
) -> None:
    add_to_cart(shop_client, RING.sku)
    number = checkout(shop_client, "Mari", "mari@example.com").headers["Location"]
    assert shop_client.get(number).status_code == 200
    assert shop_app.test_client().get(number).status_code == 404


@pytest.mark.parametrize("path", ["/loyalty/owner/", "/loyalty/owner/customers"])
def test_owner_pages_are_for_the_owner_only(shop_app: Flask, path: str) -> None:
    make_user(shop_app, "owner@example.com", "Liis Saar", "owner pass", owner=True)
    make_user(shop_app, "anna@example.com", "Anna Tamm", "anna pass", owner=False)

    guest = shop_app.test_client()
    assert guest.get(path).headers["Location"].startswith("/auth/sign-in?next=")

    customer = shop_app.test_client()
    sign_in(customer, "anna@example.com", "anna pass")
    assert customer.get(path).status_code == 403
    assert ">Owner</a>" not in customer.get("/").get_data(as_text=True)

    owner = shop_app.test_client()
    sign_in(owner, "Owner@Example.com", "owner pass")
    response = owner.get(path)
    assert response.status_code == 200
    assert "Silver Fern" in response.get_data(as_text=True)  # the shop's base
    assert 'href="/loyalty/owner/">Owner</a>' in owner.get("/").get_data(as_text=True)


def test_wrong_password_and_foreign_next_url(
    shop_app: Flask, shop_client: FlaskClient
) -> None:
    make_user(shop_app, "anna@example.com", "Anna Tamm", "anna pass", owner=False)
    response = post_form(
        shop_client,
        "/auth/sign-in",
        "/auth/sign-in",
        {"email": "anna@example.com", "password": "wrong"},
    )
    assert response.status_code == 400
    assert "do not match" in response.get_data(as_text=True)
    response = post_form(
        shop_client,
        "/auth/sign-in",
        "/auth/sign-in?next=https://evil.example/",
        {"email": "anna@example.com", "password": "anna pass"},
    )
    assert response.headers["Location"] == "/"


def test_init_demo_twice_is_idempotent(
    shop_app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SHOP_OWNER_PASSWORD", "s3cret owner")
    runner = shop_app.test_cli_runner()
    first = runner.invoke(args=["shop", "init-demo"])
    assert first.exit_code == 0, first.output
    assert f"Added {len(DEMO_ORDERS)} past orders" in first.output
    assert "Owner login: owner@example.com / s3cret owner" in first.output
    models = (User, ShopOrder, Order, Customer)
    counts = [count(shop_app, model) for model in models]
    assert counts == [2, len(DEMO_ORDERS), len(DEMO_ORDERS), 5]

    second = runner.invoke(args=["shop", "init-demo"])
    assert second.exit_code == 0, second.output
    assert "nothing changed" in second.output
    assert [count(shop_app, model) for model in models] == counts

    with shop_app.app_context():
        anna = db.session.scalar(
            sa.select(User).where(User.email == "anna@example.com")
        )
        orders = db.session.scalars(
            sa.select(Order).join(Order.customer).where(Customer.email == anna.email)
        ).all()
        assert len(orders) == 3
        assert {o.customer.external_id for o in orders} == {None}  # not by orders
        newest = max(o.placed_at for o in orders)
    client = shop_app.test_client()
    sign_in(client, "owner@example.com", "s3cret owner")
    assert client.get("/loyalty/owner/").status_code == 200
    assert newest < shop_app.extensions["loyalty"].settings.clock()
