"""A refund takes back the points of what it gives back, never the shipping's
(issue 19, point 1): points are earned on the total without shipping."""

from __future__ import annotations

from decimal import Decimal

import pytest
import sqlalchemy as sa
from hypothesis import given
from hypothesis import settings
from hypothesis import strategies as st

from flask_loyalty import InvalidRefund
from flask_loyalty import Loyalty
from flask_loyalty import LoyaltyError
from flask_loyalty import OrderLine
from flask_loyalty.models import Refund
from flask_loyalty.points.service import points_to_take_back

from .conftest import balance

RING = OrderLine(
    sku="RING-1", name="Silver fern ring", quantity=1, unit_price=Decimal("38.00")
)
STUDS = OrderLine(
    sku="EAR-2", name="Moss studs", quantity=2, unit_price=Decimal("12.50")
)


def readme_order(loyalty: Loyalty) -> int:
    """The README's order: 63.00 of jewellery and 4.90 shipping; her points."""
    loyalty.record_order(
        "SF-1",
        email="anna@example.com",
        name="Anna",
        total=Decimal("67.90"),
        items=[RING, STUDS],
        shipping=Decimal("4.90"),
    )
    return balance(loyalty)


def test_returning_every_item_takes_back_every_point(shop_loyalty: Loyalty) -> None:
    earned = readme_order(shop_loyalty)
    assert earned == 315  # 63.00 at 5 points a euro; shipping earns none
    shop_loyalty.record_refund("SF-1", refund_id="R-1", items={"EAR-2": 1})
    assert balance(shop_loyalty) == 315 - 315 * 1250 // 6300
    shop_loyalty.record_refund("SF-1", refund_id="R-2", items={"RING-1": 1, "EAR-2": 1})
    assert balance(shop_loyalty) == 0


def test_a_shipping_refund_takes_back_nothing(shop_loyalty: Loyalty) -> None:
    readme_order(shop_loyalty)
    shop_loyalty.record_refund("SF-1", refund_id="R-77", shipping=Decimal("4.90"))
    assert balance(shop_loyalty) == 315
    refund = shop_loyalty.record_refund(
        "SF-1", refund_id="R-77", shipping=Decimal("4.90")
    )
    assert (refund.amount_cents, refund.shipping_cents) == (490, 490)  # recorded once


def test_items_and_their_shipping_in_one_refund(shop_loyalty: Loyalty) -> None:
    readme_order(shop_loyalty)
    shop_loyalty.record_refund(
        "SF-1", refund_id="R-1", items={"RING-1": 1}, shipping=Decimal("4.90")
    )
    assert balance(shop_loyalty) == 315 - 315 * 3800 // 6300
    shop_loyalty.record_refund("SF-1", refund_id="R-2", amount=Decimal("25.00"))
    assert balance(shop_loyalty) == 0  # the whole order given back: all points


def test_an_amount_without_shipping_counts_against_the_goods(
    shop_loyalty: Loyalty,
) -> None:
    readme_order(shop_loyalty)
    shop_loyalty.record_refund("SF-1", refund_id="R-1", amount=Decimal("63.00"))
    assert balance(shop_loyalty) == 0
    shop_loyalty.record_refund("SF-1", refund_id="R-2", amount=Decimal("4.90"))
    assert balance(shop_loyalty) == 0  # never more than the order earned


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"shipping": Decimal("5.00")}, "Only 4.90 EUR of shipping is left"),
        ({"amount": Decimal("1.00"), "shipping": Decimal("2.00")}, "more than the"),
        ({"shipping": Decimal("-1.00")}, "cannot be negative"),
        ({"shipping": Decimal("1.234")}, "more than 2 decimal places"),
    ],
)
def test_a_shipping_part_that_cannot_be_is_refused(
    shop_loyalty: Loyalty, values: dict[str, Decimal], message: str
) -> None:
    readme_order(shop_loyalty)
    with pytest.raises(LoyaltyError) as refused:
        shop_loyalty.record_refund("SF-1", refund_id="R-1", **values)
    assert message in refused.value.message
    assert shop_loyalty.state.session.scalar(sa.select(sa.func.count(Refund.id))) == 0
    assert balance(shop_loyalty) == 315


def test_shipping_once_refunded_cannot_be_refunded_again(shop_loyalty: Loyalty) -> None:
    readme_order(shop_loyalty)
    shop_loyalty.record_refund("SF-1", refund_id="R-1", shipping=Decimal("4.90"))
    with pytest.raises(InvalidRefund, match="Only 0.00 EUR of shipping is left"):
        shop_loyalty.record_refund("SF-1", refund_id="R-2", shipping=Decimal("0.01"))


refunds = st.lists(
    st.tuples(st.integers(0, 20_000), st.integers(0, 2_000)), min_size=1, max_size=8
)


@settings(max_examples=500, deadline=None)
@given(
    earned=st.integers(0, 1_000_000),
    goods=st.integers(0, 50_000),
    shipping=st.integers(0, 2_000),
    steps=refunds,
)
def test_no_sequence_of_refunds_takes_back_more_than_was_earned(
    earned: int, goods: int, shipping: int, steps: list[tuple[int, int]]
) -> None:
    total = goods + shipping
    refunded = shipped = taken = 0
    for amount, ship in steps:
        ship = min(ship, shipping - shipped, amount)
        amount = min(amount, total - refunded)
        refunded, shipped = refunded + amount, shipped + ship
        now = points_to_take_back(earned, goods, total, refunded, shipped)
        assert taken <= now <= earned  # points only ever go back, never too many
        taken = now
    if refunded == total:
        assert taken == earned
    if refunded == shipped:
        assert taken == (earned if total == refunded else 0)
