"""The shop reports money given back; the extension keeps each refund once."""

from __future__ import annotations

import typing as t
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import InvalidAmount
from flask_loyalty import InvalidOrder
from flask_loyalty import InvalidRefund
from flask_loyalty import Loyalty
from flask_loyalty import OrderLine
from flask_loyalty import UnknownOrder
from flask_loyalty import signals
from flask_loyalty.models import Refund
from flask_loyalty.models import RefundItem

ITEMS = [
    OrderLine("RING-1", "Silver fern ring", 1, Decimal("38.00")),
    OrderLine("EAR-2", "Moss studs", 2, Decimal("12.50")),
]


@pytest.fixture
def any_loyalty(
    make_app: t.Callable[..., Flask], database_url: str
) -> t.Iterator[Loyalty]:
    app = make_app(database_url=database_url)
    with app.app_context():
        loyalty = app.extensions["loyalty"].extension
        loyalty.record_order(
            "SF-1",
            email="a@example.com",
            total=Decimal("67.90"),
            items=ITEMS,
            shipping=Decimal("4.90"),
        )
        yield loyalty


def refund_count(loyalty: Loyalty) -> tuple[int, int]:
    session = loyalty.state.session
    return (
        session.scalar(sa.select(sa.func.count(Refund.id))),
        session.scalar(sa.select(sa.func.count(RefundItem.id))),
    )


def test_refund_by_items_is_worth_their_price(any_loyalty: Loyalty) -> None:
    refund = any_loyalty.record_refund("SF-1", refund_id="R-1", items={"EAR-2": 1})
    assert refund.amount == Decimal("12.50")
    assert [(i.order_item.sku, i.quantity) for i in refund.items] == [("EAR-2", 1)]
    assert refund.order.refunded == Decimal("12.50")


def test_refund_by_amount(any_loyalty: Loyalty) -> None:
    refund = any_loyalty.record_refund(
        "SF-1", refund_id="R-1", amount=Decimal("4.90"), reason="Shipping was late"
    )
    assert refund.amount_cents == 490
    assert refund.reason == "Shipping was late"


def test_partial_amount_for_items_is_allowed_up_to_their_price(
    any_loyalty: Loyalty,
) -> None:
    refund = any_loyalty.record_refund(
        "SF-1", refund_id="R-1", items={"RING-1": 1}, amount=Decimal("30.00")
    )
    assert refund.amount == Decimal("30.00")
    with pytest.raises(InvalidRefund, match="more than the refunded items"):
        any_loyalty.record_refund(
            "SF-1", refund_id="R-2", items={"EAR-2": 1}, amount=Decimal("13.00")
        )


def test_the_same_refund_twice_changes_nothing(any_loyalty: Loyalty) -> None:
    first = any_loyalty.record_refund("SF-1", refund_id="R-1", items={"EAR-2": 2})
    again = any_loyalty.record_refund("SF-1", refund_id="R-1", items={"EAR-2": 2})
    assert again.id == first.id
    assert refund_count(any_loyalty) == (1, 1)


def test_a_reused_refund_id_with_other_contents_is_refused(
    any_loyalty: Loyalty,
) -> None:
    any_loyalty.record_refund("SF-1", refund_id="R-1", items={"EAR-2": 1})
    with pytest.raises(InvalidRefund, match="different contents"):
        any_loyalty.record_refund("SF-1", refund_id="R-1", items={"EAR-2": 2})
    assert refund_count(any_loyalty) == (1, 1)


def test_items_cannot_be_refunded_twice(any_loyalty: Loyalty) -> None:
    any_loyalty.record_refund("SF-1", refund_id="R-1", items={"EAR-2": 2})
    with pytest.raises(InvalidRefund, match="Only 0 of 'EAR-2'"):
        any_loyalty.record_refund("SF-1", refund_id="R-2", items={"EAR-2": 1})
    assert refund_count(any_loyalty) == (1, 1)


def test_refunds_never_exceed_the_order_total(any_loyalty: Loyalty) -> None:
    any_loyalty.record_refund("SF-1", refund_id="R-1", amount=Decimal("60.00"))
    with pytest.raises(InvalidRefund, match="7.90 EUR is left"):
        any_loyalty.record_refund("SF-1", refund_id="R-2", amount=Decimal("8.00"))
    any_loyalty.record_refund("SF-1", refund_id="R-3", amount=Decimal("7.90"))
    assert refund_count(any_loyalty) == (2, 0)


@pytest.mark.parametrize(
    ("kwargs", "error", "message"),
    [
        ({"order_id": "SF-404"}, UnknownOrder, "SF-404"),
        ({}, InvalidRefund, "amount or items"),
        ({"amount": Decimal("0")}, InvalidRefund, "above zero"),
        ({"amount": Decimal("-1")}, InvalidAmount, "negative"),
        ({"amount": 5.0}, InvalidAmount, "Decimal"),
        ({"items": {"NOPE": 1}}, InvalidRefund, "no item 'NOPE'"),
        ({"items": {"EAR-2": 3}}, InvalidRefund, "Only 2 of 'EAR-2'"),
        ({"items": {"EAR-2": 0}}, InvalidRefund, "above 0"),
        ({"items": [("EAR-2", 1)]}, InvalidRefund, "map SKUs"),
        ({"refund_id": ""}, InvalidOrder, "refund id"),
    ],
)
def test_bad_refunds_raise_and_store_nothing(
    any_loyalty: Loyalty, kwargs: dict[str, t.Any], error: type[Exception], message: str
) -> None:
    call: dict[str, t.Any] = {"order_id": "SF-1", "refund_id": "R-1"}
    call.update(kwargs)
    with pytest.raises(error, match=message):
        any_loyalty.record_refund(call.pop("order_id"), **call)
    assert refund_count(any_loyalty) == (0, 0)


def test_refund_recorded_signal(any_loyalty: Loyalty) -> None:
    received: list[dict[str, t.Any]] = []
    with signals.refund_recorded.connected_to(lambda _s, **kw: received.append(kw)):
        any_loyalty.record_refund("SF-1", refund_id="R-1", amount=Decimal("1.00"))
        any_loyalty.record_refund("SF-1", refund_id="R-1", amount=Decimal("1.00"))
    assert len(received) == 1
    assert received[0]["order"].reference == "SF-1"
