"""The owner sees who has points, adjusts a balance with a reason, and edits the
program."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import g
from flask.testing import FlaskClient

from flask_loyalty import Loyalty
from flask_loyalty.models import PointsEntry
from flask_loyalty.models import Program
from flask_loyalty.points.program import load_program
from flask_loyalty.points.tiers import load_tiers

from .conftest import balance
from .conftest import customer_id
from .conftest import form_key
from .conftest import form_token
from .conftest import order


@pytest.fixture
def owner(shop: Flask, shop_loyalty: Loyalty) -> FlaskClient:
    """The owner, Maria, with three customers in her shop."""
    order(shop_loyalty, "SF-1", "38.00", email="anna@example.com", name="Anna Tamm")
    order(shop_loyalty, "SF-2", "12.00", email="anna@example.com", name="Anna Tamm")
    order(shop_loyalty, "SF-3", "120.50", email="eszter@example.hu", name="Eszter K")
    order(shop_loyalty, "SF-4", "80.00", email="maria@example.ph", name="Maria Cruz")
    shop_loyalty.owner_check(lambda: True)

    @shop.before_request
    def who() -> None:
        g.loyalty_owner = "maria@shop.test"

    return shop.test_client()


def names_in_order(html: str) -> list[str]:
    return re.findall(r'customers/\d+">([^<]+)</a>', html)


def test_customers_with_points_sorted_and_searched(owner: FlaskClient) -> None:
    by_points = owner.get("/loyalty/owner/points").get_data(as_text=True)
    assert names_in_order(by_points) == ["Eszter K", "Maria Cruz", "Anna Tamm"]
    assert "602" in by_points and "€120.50" in by_points
    recent = owner.get("/loyalty/owner/points?sort=last_order").get_data(as_text=True)
    assert names_in_order(recent)[0] in ("Maria Cruz", "Eszter K", "Anna Tamm")
    found = owner.get("/loyalty/owner/points?q=cruz").get_data(as_text=True)
    assert names_in_order(found) == ["Maria Cruz"]


def test_the_owner_adjusts_points_with_a_reason(
    owner: FlaskClient, shop_loyalty: Loyalty
) -> None:
    url = f"/loyalty/owner/points/customers/{customer_id(shop_loyalty)}"
    page = owner.get(url).get_data(as_text=True)
    assert "SF-1" in page and "order:SF-2" in page
    response = owner.post(
        url,
        data={
            "csrf_token": form_token(page),
            "key": form_key(page, "adjust"),
            "points": "100",
            "reason": "Broken mug, sorry",
        },
    )
    assert response.status_code == 302
    entry = shop_loyalty.state.session.scalar(
        sa.select(PointsEntry).where(PointsEntry.kind == "adjust")
    )
    assert entry is not None
    assert (entry.points, entry.note, entry.actor) == (
        100,
        "Broken mug, sorry",
        "maria@shop.test",
    )
    assert balance(shop_loyalty) == 350
    assert "Broken mug, sorry" in owner.get(url).get_data(as_text=True)


@pytest.mark.parametrize(
    ("points", "reason", "message"),
    [
        ("100", "", "Give a reason for the adjustment."),
        ("100", "   ", "Give a reason for the adjustment."),
        ("0", "typo", "Adjust by a whole number of points"),
        ("-1000", "typo", "The customer has only 250 points."),
        ("many", "typo", "Enter a whole number"),
    ],
)
def test_a_bad_adjustment_is_refused_and_writes_nothing(
    owner: FlaskClient,
    shop_loyalty: Loyalty,
    points: str,
    reason: str,
    message: str,
) -> None:
    url = f"/loyalty/owner/points/customers/{customer_id(shop_loyalty)}"
    page = owner.get(url).get_data(as_text=True)
    response = owner.post(
        url,
        data={"csrf_token": form_token(page), "points": points, "reason": reason},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert balance(shop_loyalty) == 250
    assert (
        shop_loyalty.state.session.scalar(
            sa.select(sa.func.count()).where(PointsEntry.kind == "adjust")
        )
        == 0
    )


def program_data(page: str, **changes: str) -> dict[str, str]:
    data = {
        "csrf_token": form_token(page),
        "earn_mode": "cashback",
        "points_per_unit": "5",
        "cashback_percent": "5.5",
        "point_value_cents": "1",
        "min_redeem": "300",
        "code_valid_days": "60",
        "signup_bonus": "100",
        "newsletter_bonus": "50",
        "birthday_bonus": "200",
        "referrer_bonus": "0",
        "referred_bonus": "0",
        "expiry_mode": "after_earning",
        "expiry_months": "18",
        "warning_days": "21",
        "tiers-0-name": "Friend",
        "tiers-0-threshold": "0",
        "tiers-0-multiplier": "100",
        "tiers-0-perks": "",
        "tiers-1-name": "Patron",
        "tiers-1-threshold": "300.00",
        "tiers-1-multiplier": "125",
        "tiers-1-perks": "Free gift wrapping",
    }
    data.update(changes)
    return data


def test_the_owner_edits_the_program(owner: FlaskClient, shop_loyalty: Loyalty) -> None:
    page = owner.get("/loyalty/owner/points/settings").get_data(as_text=True)
    assert 'value="VIP"' in page  # the defaults, before any save
    response = owner.post("/loyalty/owner/points/settings", data=program_data(page))
    assert response.status_code == 302
    session = shop_loyalty.state.session
    program = load_program(session)
    assert (program.earn_mode, program.cashback_bp, program.expiry_months) == (
        "cashback",
        550,
        18,
    )
    assert [
        (t.name, t.threshold_cents, t.multiplier_bp) for t in load_tiers(session)
    ] == [
        ("Friend", 0, 10_000),
        ("Patron", 30_000, 12_500),
    ]
    assert session.get(Program, 1).updated_by == "maria@shop.test"
    order(shop_loyalty, "SF-5", "100.00", email="new@example.com")
    # 5.5% of 100 EUR = 550 points, and the sign-up bonus of 100.
    assert balance(shop_loyalty, "new@example.com") == 650


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"cashback_percent": "120"}, "Number must be between 0 and 100."),
        ({"tiers-0-threshold": "10"}, "One tier must start at a spend of 0."),
        ({"tiers-1-threshold": "0"}, "Two tiers cannot start at the same spend."),
        ({"tiers-1-multiplier": ""}, "Tier Patron needs a spend and a multiplier."),
        ({"point_value_cents": "0"}, "Number must be between 1 and 1000000."),
        ({"cashback_percent": "5.555"}, "at most two decimal places"),
        ({"csrf_token": ""}, "This form has expired"),
    ],
)
def test_bad_program_settings_are_refused(
    owner: FlaskClient,
    shop_loyalty: Loyalty,
    changes: dict[str, str],
    message: str,
) -> None:
    page = owner.get("/loyalty/owner/points/settings").get_data(as_text=True)
    response = owner.post(
        "/loyalty/owner/points/settings", data=program_data(page, **changes)
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert shop_loyalty.state.session.get(Program, 1) is None


@pytest.mark.parametrize(
    "url",
    [
        "/loyalty/owner/points",
        "/loyalty/owner/points/settings",
        "/loyalty/owner/points/customers/1",
    ],
)
def test_points_owner_pages_are_closed_to_customers(
    shop: Flask, shop_loyalty: Loyalty, url: str
) -> None:
    order(shop_loyalty, "SF-1", "38.00")
    assert shop.test_client().get(url).status_code == 403
    shop_loyalty.owner_check(lambda: False)
    assert shop.test_client().get(url).status_code == 403
