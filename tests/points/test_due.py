"""Points expire oldest first, customers are warned once, birthdays bring a bonus;
``flask loyalty run-due`` can run twice, or on two machines, without harm."""

from __future__ import annotations

import threading
import typing as t
from datetime import UTC
from datetime import date
from datetime import datetime

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty import Loyalty
from flask_loyalty import ShopCustomer
from flask_loyalty.models import OutboxMessage
from flask_loyalty.models import PointsEntry
from flask_loyalty.points.bonuses import set_birthday
from flask_loyalty.points.due import run_points_due
from flask_loyalty.points.models import AFTER_EARNING
from flask_loyalty.points.models import INACTIVITY
from flask_loyalty.points.service import redeem_points

from .conftest import balance
from .conftest import customer_id
from .conftest import form_token
from .conftest import order
from .conftest import set_program


def run_due(loyalty: Loyalty) -> int:
    return run_points_due(loyalty.state)


def kinds(loyalty: Loyalty) -> list[tuple[str, int]]:
    rows = loyalty.state.session.scalars(
        sa.select(PointsEntry).order_by(PointsEntry.id)
    )
    return [(e.kind, e.points) for e in rows]


def mails(loyalty: Loyalty) -> list[OutboxMessage]:
    return list(
        loyalty.state.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "points_expiring")
        )
    )


def test_points_expire_twelve_months_after_earning_oldest_first(
    shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    set_program(shop_loyalty, expiry_mode=AFTER_EARNING, expiry_months=12)
    order(shop_loyalty, "SF-1", "200.00")  # 1,000 points on 2 March 2026
    clock.advance(days=180)
    order(shop_loyalty, "SF-2", "100.00")  # 500 points in August
    state = shop_loyalty.state
    redeem_points(
        state.session,
        state.now(),
        customer_id=customer_id(shop_loyalty),
        points=600,
        currency="EUR",
    )  # spends the oldest points first: 400 of March's are left
    state.session.commit()
    clock.now = datetime(2027, 3, 2, 10, 0, tzinfo=UTC)
    assert run_due(shop_loyalty) >= 1
    assert kinds(shop_loyalty)[-1] == ("expire", -400)
    assert balance(shop_loyalty) == 500
    assert run_due(shop_loyalty) == 0  # a second run changes nothing
    clock.now = datetime(2027, 8, 29, 10, 0, tzinfo=UTC)
    run_due(shop_loyalty)
    assert kinds(shop_loyalty)[-1] == ("expire", -500)
    assert balance(shop_loyalty) == 0


def test_she_is_warned_once_before_points_expire(
    shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    set_program(
        shop_loyalty, expiry_mode=AFTER_EARNING, expiry_months=12, warning_days=14
    )
    order(shop_loyalty, "SF-1", "200.00")
    clock.now = datetime(2027, 2, 10, 10, 0, tzinfo=UTC)
    run_due(shop_loyalty)
    assert mails(shop_loyalty) == []  # 20 days before: not yet
    clock.now = datetime(2027, 2, 20, 10, 0, tzinfo=UTC)
    run_due(shop_loyalty)
    run_due(shop_loyalty)
    [mail] = mails(shop_loyalty)
    assert mail.to_addr == "anna@example.com"
    assert "Dear Anna," in mail.text_body
    assert "1,000 of your points" in mail.text_body
    assert "€10.00" in mail.text_body
    assert "http://shop.test/loyalty/points" in mail.text_body


def test_points_expire_after_twelve_months_without_earning(
    shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    set_program(shop_loyalty, expiry_mode=INACTIVITY, expiry_months=12)
    order(shop_loyalty, "SF-1", "100.00")
    clock.advance(days=300)
    order(shop_loyalty, "SF-2", "100.00")
    clock.advance(days=300)  # 300 days after her last order: nothing expires
    run_due(shop_loyalty)
    assert balance(shop_loyalty) == 1000
    clock.advance(days=70)
    run_due(shop_loyalty)
    run_due(shop_loyalty)
    assert kinds(shop_loyalty)[-1] == ("expire", -1000)
    assert balance(shop_loyalty) == 0


def test_a_birthday_bonus_once_a_year(
    shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    set_program(shop_loyalty, birthday_bonus=250)
    order(shop_loyalty, "SF-1", "10.00")
    state = shop_loyalty.state
    set_birthday(state.session, customer_id(shop_loyalty), date(1990, 3, 5))
    state.session.commit()
    run_due(shop_loyalty)
    assert balance(shop_loyalty) == 50  # 2 March: not yet
    clock.advance(days=3)
    run_due(shop_loyalty)
    clock.advance(days=2)
    run_due(shop_loyalty)
    assert kinds(shop_loyalty)[-1] == ("bonus", 250)
    assert balance(shop_loyalty) == 300
    clock.advance(days=365)
    run_due(shop_loyalty)
    assert balance(shop_loyalty) == 550


def test_the_cli_command_runs_the_points_task(
    shop: Flask, shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    set_program(shop_loyalty, birthday_bonus=100)
    order(shop_loyalty, "SF-1", "10.00")
    state = shop_loyalty.state
    set_birthday(state.session, customer_id(shop_loyalty), date(2000, 3, 2))
    state.session.commit()
    result = shop.test_cli_runner().invoke(args=["loyalty", "run-due"])
    assert result.exit_code == 0, result.output
    assert "Points: 1" in result.output
    assert balance(shop_loyalty) == 150


@pytest.mark.postgres
def test_two_machines_expiring_at_once_expire_once(
    make_app: t.Callable[..., Flask], postgres_url: str, clock: FrozenClock
) -> None:
    app = make_app(database_url=postgres_url)
    loyalty = app.extensions["loyalty"].extension
    with app.app_context():
        set_program(
            loyalty, expiry_mode=AFTER_EARNING, expiry_months=12, birthday_bonus=10
        )
        for n in range(5):
            order(loyalty, f"SF-{n}", "20.00", email=f"c{n}@example.com")
            set_birthday(
                loyalty.state.session,
                customer_id(loyalty, f"c{n}@example.com"),
                date(1990, 3, 3),
            )
        loyalty.state.session.commit()
    clock.now = datetime(2027, 3, 3, 12, 0, tzinfo=UTC)
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def machine() -> None:
        with app.app_context():
            try:
                barrier.wait()
                run_points_due(app.extensions["loyalty"])
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

    threads = [threading.Thread(target=machine) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    with app.app_context():
        assert sorted(kinds(loyalty)) == sorted(
            [("earn", 100)] * 5 + [("expire", -100)] * 5 + [("bonus", 10)] * 5
        )
        assert (
            loyalty.state.session.scalar(sa.select(sa.func.sum(PointsEntry.points)))
            == 50
        )


@pytest.fixture
def signed_in(shop: Flask, shop_loyalty: Loyalty) -> FlaskClient:
    order(shop_loyalty, "SF-1", "10.00")

    @shop_loyalty.customer_loader
    def current() -> ShopCustomer:
        return ShopCustomer(
            email="anna@example.com", name="Anna Tamm", email_verified=True
        )

    return shop.test_client()


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("2001-02-30", "That date does not exist."),
        ("2026-12-24", "A birthday cannot be in the future."),
        ("24.12.1990", "Enter your birthday as year-month-day."),
        ("", "Enter your birthday."),
    ],
)
def test_a_birthday_that_cannot_be_is_refused(
    signed_in: FlaskClient, shop_loyalty: Loyalty, typed: str, message: str
) -> None:
    page = signed_in.get("/loyalty/points").get_data(as_text=True)
    response = signed_in.post(
        "/loyalty/points/birthday",
        data={"csrf_token": form_token(page), "birthday": typed},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    from flask_loyalty.points.bonuses import get_birthday

    assert get_birthday(shop_loyalty.state.session, customer_id(shop_loyalty)) is None


def test_she_saves_her_birthday(signed_in: FlaskClient, shop_loyalty: Loyalty) -> None:
    page = signed_in.get("/loyalty/points").get_data(as_text=True)
    response = signed_in.post(
        "/loyalty/points/birthday",
        data={"csrf_token": form_token(page), "birthday": "1992-02-29"},
    )
    assert response.status_code == 302
    html = signed_in.get("/loyalty/points").get_data(as_text=True)
    assert "We saved your birthday" in html and 'value="1992-02-29"' in html


@pytest.mark.parametrize("mode", (AFTER_EARNING, INACTIVITY))
def test_both_her_pages_say_which_points_expire_soon(
    signed_in: FlaskClient, shop_loyalty: Loyalty, clock: FrozenClock, mode: str
) -> None:
    """The account page reads what expires on its own (it shows no history);
    her points page from the page of history it reads anyway: the same words."""
    set_program(shop_loyalty, expiry_mode=mode, expiry_months=12)
    notice = "50 points expire by Mar 2, 2027."
    clock.now = datetime(2027, 1, 20, 10, 0, tzinfo=UTC)  # 41 days before: not yet
    assert "expire by" not in signed_in.get("/loyalty/").text
    assert "expire by" not in signed_in.get("/loyalty/points").text
    clock.now = datetime(2027, 2, 10, 10, 0, tzinfo=UTC)  # 20 days before
    assert notice in signed_in.get("/loyalty/").text
    assert notice in signed_in.get("/loyalty/points").text
