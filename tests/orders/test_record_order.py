"""The shop reports an order at checkout; the extension keeps it exactly once."""

from __future__ import annotations

import typing as t
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from datetime import timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import InvalidAmount
from flask_loyalty import InvalidEmail
from flask_loyalty import InvalidOrder
from flask_loyalty import Loyalty
from flask_loyalty import LoyaltyError
from flask_loyalty import OrderConflict
from flask_loyalty import OrderLine
from flask_loyalty import UnknownCurrency
from flask_loyalty import signals
from flask_loyalty.models import Customer
from flask_loyalty.models import Order
from flask_loyalty.models import OrderItem

RING = OrderLine(
    sku="RING-1",
    name="Silver fern ring",
    quantity=1,
    unit_price=Decimal("38.00"),
    category="rings",
)
STUDS = {
    "sku": "EAR-2",
    "name": "Moss studs",
    "quantity": 2,
    "unit_price": Decimal("12.50"),
    "category": "earrings",
}


def counts(loyalty: Loyalty) -> tuple[int, int, int]:
    session = loyalty.state.session
    return tuple(  # type: ignore[return-value]
        session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (Customer, Order, OrderItem)
    )


@pytest.fixture
def any_loyalty(
    make_app: t.Callable[..., Flask], database_url: str
) -> t.Iterator[Loyalty]:
    """The extension in an app context, on SQLite and on PostgreSQL."""
    app = make_app(database_url=database_url)
    with app.app_context():
        yield app.extensions["loyalty"].extension


def test_an_order_is_stored_with_its_items_in_cents(any_loyalty: Loyalty) -> None:
    order = any_loyalty.record_order(
        "SF-1001",
        email=" Anna.Tamm@Example.COM ",
        name="Anna  Tamm",
        total=Decimal("67.90"),
        items=[RING, STUDS],
        shipping=Decimal("4.90"),
    )
    assert order.reference == "SF-1001"
    assert order.total == Decimal("67.90")
    assert order.total_cents == 6790
    assert order.currency == "EUR"
    assert order.customer.email == "anna.tamm@example.com"
    assert order.customer.name == "Anna Tamm"
    assert order.customer.first_name == "Anna"
    assert [(i.sku, i.quantity, i.unit_price_cents) for i in order.items] == [
        ("RING-1", 1, 3800),
        ("EAR-2", 2, 1250),
    ]
    assert order.placed_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    assert order.placed_at.tzinfo is not None


def test_recording_the_same_order_twice_changes_nothing(any_loyalty: Loyalty) -> None:
    first = any_loyalty.record_order(
        "SF-1", email="a@example.com", total=Decimal("38.00"), items=[RING]
    )
    before = counts(any_loyalty)
    again = any_loyalty.record_order(
        "SF-1", email="A@example.com", total=Decimal("38.00"), items=[RING]
    )
    assert again.id == first.id
    assert counts(any_loyalty) == before == (1, 1, 1)


@pytest.mark.parametrize(
    "changes",
    [
        {"total": Decimal("39.00"), "shipping": Decimal("1.00")},
        {"email": "someone.else@example.com"},
        {"items": [OrderLine("RING-1", "Silver fern ring", 2, Decimal("19.00"))]},
        {"currency": "USD"},
    ],
)
def test_a_reused_order_id_with_other_contents_is_refused(
    any_loyalty: Loyalty, changes: dict[str, t.Any]
) -> None:
    any_loyalty.record_order(
        "SF-1", email="a@example.com", total=Decimal("38.00"), items=[RING]
    )
    before = counts(any_loyalty)
    kwargs: dict[str, t.Any] = {
        "email": "a@example.com",
        "total": Decimal("38.00"),
        "items": [RING],
    }
    kwargs.update(changes)
    with pytest.raises(OrderConflict, match="SF-1"):
        any_loyalty.record_order("SF-1", **kwargs)
    assert counts(any_loyalty) == before


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"email": ""}, InvalidEmail, "required"),
        ({"email": None}, InvalidEmail, "required"),
        ({"email": "not-an-address"}, InvalidEmail, "not a valid email"),
        ({"total": Decimal("-1.00"), "items": []}, InvalidAmount, "negative"),
        ({"total": 38.0}, InvalidAmount, "Decimal"),
        ({"total": 38}, InvalidAmount, "Decimal"),
        ({"total": Decimal("NaN"), "items": []}, InvalidAmount, "finite"),
        ({"total": Decimal("38.001")}, InvalidAmount, "decimal places"),
        ({"total": Decimal("40.00")}, InvalidOrder, "add up to"),
        ({"currency": "XYZ"}, UnknownCurrency, "XYZ"),
        ({"currency": 978}, UnknownCurrency, "978"),
        ({"order_id": ""}, InvalidOrder, "order id"),
        ({"order_id": 1001}, InvalidOrder, "order id"),
        ({"order_id": "x" * 65}, InvalidOrder, "at most 64"),
        ({"placed_at": datetime(2026, 1, 1)}, InvalidOrder, "time zone"),
        ({"placed_at": "yesterday"}, InvalidOrder, "datetime"),
        (
            {
                "items": [
                    {"sku": "A", "name": "B", "quantity": 0, "unit_price": Decimal(1)}
                ]
            },
            InvalidOrder,
            "quantity",
        ),
        (
            {
                "items": [
                    {"sku": "A", "name": "B", "quantity": 1.5, "unit_price": Decimal(1)}
                ]
            },
            InvalidOrder,
            "quantity",
        ),
        ({"items": [{"sku": "A", "name": "B", "qty": 1}]}, InvalidOrder, "unknown"),
        ({"items": ["RING-1"]}, InvalidOrder, "OrderLine"),
        ({"items": "RING-1"}, InvalidOrder, "list"),
        (
            {
                "items": [
                    {
                        "sku": "A\x00",
                        "name": "B",
                        "quantity": 1,
                        "unit_price": Decimal(1),
                    }
                ]
            },
            InvalidOrder,
            "control",
        ),
        ({"shipping": Decimal("-4.90")}, InvalidAmount, "negative"),
    ],
)
def test_bad_input_raises_a_clear_error_and_stores_nothing(
    any_loyalty: Loyalty,
    kwargs: dict[str, t.Any],
    error: type[LoyaltyError],
    message: str,
) -> None:
    call: dict[str, t.Any] = {
        "order_id": "SF-9",
        "email": "a@example.com",
        "total": Decimal("38.00"),
        "items": [RING],
    }
    call.update(kwargs)
    with pytest.raises(error, match=message) as raised:
        any_loyalty.record_order(call.pop("order_id"), **call)
    assert str(raised.value)
    assert counts(any_loyalty) == (0, 0, 0)


def test_total_is_items_less_discount_plus_shipping(any_loyalty: Loyalty) -> None:
    order = any_loyalty.record_order(
        "SF-2",
        email="a@example.com",
        total=Decimal("35.10"),
        items=[RING],
        discount=Decimal("7.60"),
        shipping=Decimal("4.70"),
    )
    assert (order.discount_cents, order.shipping_cents) == (760, 470)


def test_currency_places_follow_the_currency(any_loyalty: Loyalty) -> None:
    order = any_loyalty.record_order(
        "HU-1", email="a@example.com", total=Decimal("12500"), currency="huf"
    )
    assert order.currency == "HUF"
    assert order.total == Decimal("12500")
    with pytest.raises(InvalidAmount, match="decimal places"):
        any_loyalty.record_order(
            "JP-1", email="a@example.com", total=Decimal("10.5"), currency="JPY"
        )


def test_placed_at_is_kept_in_utc(any_loyalty: Loyalty) -> None:
    tallinn = timezone(timedelta(hours=2))
    order = any_loyalty.record_order(
        "SF-3",
        email="a@example.com",
        total=Decimal("1.00"),
        placed_at=datetime(2026, 2, 14, 18, 30, tzinfo=tallinn),
    )
    any_loyalty.state.session.expire_all()
    assert order.placed_at == datetime(2026, 2, 14, 16, 30, tzinfo=UTC)
    assert order.placed_at.utcoffset() == timedelta(0)


def test_an_order_never_links_a_shop_user_to_an_address_but_follows_a_link(
    any_loyalty: Loyalty,
) -> None:
    """``customer_id`` is no proof that the buyer owns the address (a sign-up with
    someone else's would take over her account, issue 17): it is not stored. A
    login linked by proof (a verified login, or her sign-in link) keeps getting
    her orders, whatever address the order gives."""
    from flask_loyalty.customers.service import customer_for_login

    first = any_loyalty.record_order(
        "SF-4", email="old@example.com", total=Decimal("1.00"), customer_id="user-7"
    )
    assert first.customer.external_id is None
    state = any_loyalty.state
    customer_for_login(
        state.session,
        state.now(),
        email="old@example.com",
        name=None,
        external_id="user-7",
        locale=None,
        verified=True,
    )
    state.session.commit()
    second = any_loyalty.record_order(
        "SF-5", email="new@example.com", total=Decimal("2.00"), customer_id="user-7"
    )
    assert first.customer.id == second.customer.id
    assert second.customer.external_id == "user-7"


def test_commit_false_joins_the_shops_transaction(any_loyalty: Loyalty) -> None:
    session = any_loyalty.state.session
    any_loyalty.record_order(
        "SF-6", email="a@example.com", total=Decimal("1.00"), commit=False
    )
    session.rollback()
    assert counts(any_loyalty) == (0, 0, 0)


def test_order_recorded_signal_is_sent_after_commit_only(any_loyalty: Loyalty) -> None:
    received: list[tuple[object, dict[str, t.Any]]] = []

    def listener(sender: object, **kwargs: t.Any) -> None:
        received.append((sender, kwargs))

    session = any_loyalty.state.session
    with signals.order_recorded.connected_to(listener):
        any_loyalty.record_order(
            "SF-7", email="a@example.com", total=Decimal("1.00"), commit=False
        )
        assert received == []
        session.rollback()
        assert received == []
        order = any_loyalty.record_order(
            "SF-7", email="a@example.com", total=Decimal("1.00")
        )
        any_loyalty.record_order("SF-7", email="a@example.com", total=Decimal("1.00"))
    assert len(received) == 1
    assert received[0][1]["order"].id == order.id
    assert received[0][1]["customer"].email == "a@example.com"


def test_order_hooks_run_in_the_orders_transaction_on_every_call(
    any_loyalty: Loyalty,
) -> None:
    from flask_loyalty.models import Customer as CustomerModel

    calls: list[str] = []

    def hook(state: t.Any, order: Order) -> None:
        calls.append(order.reference)
        order.customer.locale = "et"  # a write that must share the order's fate

    state = any_loyalty.state
    state.order_hooks.append(hook)
    any_loyalty.record_order("SF-8", email="a@example.com", total=Decimal("1.00"))
    any_loyalty.record_order("SF-8", email="a@example.com", total=Decimal("1.00"))
    assert calls == ["SF-8", "SF-8"]
    state.session.expire_all()
    customer = state.session.scalar(sa.select(CustomerModel))
    assert customer is not None and customer.locale == "et"


def test_a_failing_hook_leaves_no_order_behind_when_the_shop_rolls_back(
    any_loyalty: Loyalty,
) -> None:
    def broken(state: t.Any, order: Order) -> None:
        raise RuntimeError("hook bug")

    any_loyalty.state.order_hooks.append(broken)
    with pytest.raises(RuntimeError, match="hook bug"):
        any_loyalty.record_order("SF-9", email="a@example.com", total=Decimal("1.00"))
    any_loyalty.state.session.rollback()
    assert counts(any_loyalty) == (0, 0, 0)


def test_an_order_keeps_the_language_she_ordered_in(any_loyalty: Loyalty) -> None:
    """Its item names are as she read them: pages in another language mark them
    with this one (issue 20)."""
    hungarian = any_loyalty.record_order(
        "SF-2001", email="zsofia@example.com", total=Decimal("38.00"),
        items=[RING], locale="hu",
    )  # fmt: skip
    unknown = any_loyalty.record_order(
        "SF-2002", email="zsofia@example.com", total=Decimal("38.00"), items=[RING]
    )
    assert (hungarian.language, unknown.language) == ("hu", None)
    assert hungarian.customer.locale == "hu"
