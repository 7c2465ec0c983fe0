"""Anna buys; she earns points by the program's rules, her tier and its multiplier."""

from __future__ import annotations

import threading
import typing as t
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty import Loyalty
from flask_loyalty import signals
from flask_loyalty.customers.service import find_customer
from flask_loyalty.customers.service import link_login
from flask_loyalty.models import PointsEntry
from flask_loyalty.points.models import CASHBACK
from flask_loyalty.points.program import ProgramSettings
from flask_loyalty.points.program import points_for
from flask_loyalty.points.tiers import DEFAULT_TIERS

from .conftest import balance
from .conftest import order
from .conftest import set_program


def entries(loyalty: Loyalty) -> list[tuple[str, str, int]]:
    rows = loyalty.state.session.scalars(
        sa.select(PointsEntry).order_by(PointsEntry.id)
    )
    return [(e.kind, e.key, e.points) for e in rows]


def test_an_order_earns_five_points_per_euro_rounded_down_without_shipping(
    shop_loyalty: Loyalty,
) -> None:
    order(shop_loyalty, "SF-1", "42.99", shipping=Decimal("4.90"))
    # 42.99 - 4.90 = 38.09 EUR of goods: 190.45 points, rounded down.
    assert entries(shop_loyalty) == [("earn", "order:SF-1", 190)]
    assert balance(shop_loyalty) == 190


def test_recording_the_same_order_again_earns_nothing_more(
    shop_loyalty: Loyalty,
) -> None:
    for _ in range(3):
        order(shop_loyalty, "SF-1", "38.00")
    assert entries(shop_loyalty) == [("earn", "order:SF-1", 190)]


def test_cash_back_mode_and_the_signal(shop_loyalty: Loyalty) -> None:
    set_program(shop_loyalty, earn_mode=CASHBACK, cashback_bp=500, point_value_cents=1)
    received: list[int] = []
    with signals.points_earned.connected_to(
        lambda _s, **kw: received.append(kw["entry"].points)
    ):
        order(shop_loyalty, "SF-1", "38.00")
    assert received == [190]  # 5% of 38.00 EUR is 190 cents, 1 cent a point
    set_program(shop_loyalty, point_value_cents=3)
    order(shop_loyalty, "SF-2", "38.00")
    assert entries(shop_loyalty)[-1] == ("earn", "order:SF-2", 63)  # 190 / 3


def test_earning_arithmetic_is_integer_and_floors() -> None:
    program = ProgramSettings(points_per_unit=1)
    assert points_for(program, 999, 15_000, "EUR") == 14  # 9.99 * 1.5
    assert points_for(program, 1000, 15_000, "JPY") == 1500  # yen have no cents
    assert points_for(program, 0, 15_000, "EUR") == 0


def test_gold_tier_after_500_euros_in_12_months_earns_one_and_a_half(
    shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    assert DEFAULT_TIERS[1].name == "Gold"
    order(shop_loyalty, "SF-1", "480.00")
    order(shop_loyalty, "SF-2", "20.00")  # tier counts spend before this order
    order(shop_loyalty, "SF-3", "10.00")  # 500 EUR reached: Gold
    assert [p for _k, _key, p in entries(shop_loyalty)] == [2400, 100, 75]
    clock.advance(days=366)  # a year later the old spend no longer counts
    order(shop_loyalty, "SF-4", "10.00")
    assert entries(shop_loyalty)[-1][2] == 50


def test_a_refund_takes_back_points_in_proportion(shop_loyalty: Loyalty) -> None:
    order(shop_loyalty, "SF-1", "100.00")
    received: list[int] = []
    with signals.points_reversed.connected_to(
        lambda _s, **kw: received.append(kw["entry"].points)
    ):
        shop_loyalty.record_refund("SF-1", refund_id="R-1", amount=Decimal("33.33"))
        shop_loyalty.record_refund("SF-1", refund_id="R-1", amount=Decimal("33.33"))
    assert received == [-166]  # 500 * 33.33 / 100, rounded down; once
    shop_loyalty.record_refund("SF-1", refund_id="R-2", amount=Decimal("66.67"))
    assert balance(shop_loyalty) == 0  # a full refund takes back everything


def test_refunded_points_already_spent_leave_a_negative_balance(
    shop_loyalty: Loyalty,
) -> None:
    """The documented policy: the points are taken back all the same."""
    from flask_loyalty.points.service import redeem_points

    from .conftest import customer_id

    order(shop_loyalty, "SF-1", "100.00")
    state = shop_loyalty.state
    redeem_points(
        state.session,
        state.now(),
        customer_id=customer_id(shop_loyalty),
        points=500,
        currency="EUR",
    )
    state.session.commit()
    shop_loyalty.record_refund("SF-1", refund_id="R-1", amount=Decimal("100.00"))
    assert balance(shop_loyalty) == -500
    order(shop_loyalty, "SF-2", "60.00")
    assert balance(shop_loyalty) == -200  # the next points fill the gap first


def checkouts_at_once(app: Flask, refs: list[str], total: str) -> Loyalty:
    """An order of ``total`` for Anna by each of ``refs``, a thread each, all at
    once; none may fail."""
    loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)
    barrier = threading.Barrier(len(refs))
    errors: list[BaseException] = []

    def checkout(ref: str) -> None:
        with app.app_context():
            try:
                barrier.wait()
                order(loyalty, ref, total)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=checkout, args=(ref,)) for ref in refs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    return loyalty


@pytest.mark.postgres
def test_one_order_recorded_from_ten_threads_earns_once(
    make_app: t.Callable[..., Flask], postgres_url: str
) -> None:
    app = make_app(database_url=postgres_url)
    loyalty = checkouts_at_once(app, ["SF-RACE"] * 10, "50.00")
    with app.app_context():
        assert entries(loyalty) == [("earn", "order:SF-RACE", 250)]
        assert balance(loyalty) == 250


@pytest.mark.postgres
def test_ten_orders_of_a_new_customer_at_once_each_earn(
    make_app: t.Callable[..., Flask], postgres_url: str
) -> None:
    """Her first orders from ten threads: one inserts her, the nine others wait
    for it and read her row again after their first query (which could not see
    it); each order earns its points, and the balance is their sum."""
    app = make_app(database_url=postgres_url)
    loyalty = checkouts_at_once(app, [f"SF-{n}" for n in range(10)], "10.00")
    with app.app_context():
        assert sorted(p for _k, _key, p in entries(loyalty)) == [50] * 10
        assert balance(loyalty) == 500


def test_with_saved_tiers_the_linked_row_earns_by_its_own_spend(
    shop_loyalty: Loyalty,
) -> None:
    """The order's first query reads the saved tiers (a row each) and the spend
    of every row of hers it finds (the one linked to her login, the one with
    the order's address): the tier is that of the row the order goes to."""
    set_program(shop_loyalty)  # the built-in tiers, saved
    order(shop_loyalty, "SF-1", "500.00")  # Anna is Gold from now on
    order(shop_loyalty, "SF-2", "10.00", email="new@example.com")
    session = shop_loyalty.state.session
    assert link_login(find_customer(session, "anna@example.com"), "user-7")
    session.commit()
    order(shop_loyalty, "SF-3", "10.00", email="new@example.com", customer_id="user-7")
    order(shop_loyalty, "SF-4", "10.00", email="new@example.com")
    assert [p for _k, _key, p in entries(shop_loyalty)] == [2500, 50, 75, 50]


def test_points_dates_follow_the_clock(
    shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    clock.advance(days=3)
    order(shop_loyalty, "SF-1", "10.00")
    entry = shop_loyalty.state.session.scalar(sa.select(PointsEntry))
    assert entry is not None
    assert entry.created_at == clock.now
    assert clock.now - entry.created_at == timedelta(0)
