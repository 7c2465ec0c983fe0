"""Anna turns her points into a discount code; nobody can spend a point twice."""

from __future__ import annotations

import re
import threading
import typing as t
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import CodeExpired
from flask_loyalty import CodeUsed
from flask_loyalty import FrozenClock
from flask_loyalty import InvalidPoints
from flask_loyalty import Loyalty
from flask_loyalty import NotEnoughPoints
from flask_loyalty import ShopCustomer
from flask_loyalty import UnknownCode
from flask_loyalty import signals
from flask_loyalty.codes.service import ALPHABET
from flask_loyalty.codes.service import redeem_code
from flask_loyalty.models import DiscountCode
from flask_loyalty.models import PointsEntry
from flask_loyalty.points.service import redeem_points

from .conftest import balance
from .conftest import customer_id
from .conftest import form_key
from .conftest import form_token
from .conftest import order


def counts(loyalty: Loyalty) -> tuple[int, int]:
    s = loyalty.state.session
    return (
        s.scalar(sa.select(sa.func.count()).select_from(PointsEntry)) or 0,
        s.scalar(sa.select(sa.func.count()).select_from(DiscountCode)) or 0,
    )


@pytest.fixture
def anna(shop: Flask, shop_loyalty: Loyalty) -> FlaskClient:
    """Anna, signed in through the shop's login, with 1,900 points (19.00 EUR)."""
    order(shop_loyalty, "SF-1", "380.00")

    @shop_loyalty.customer_loader
    def current() -> ShopCustomer:
        return ShopCustomer(
            email="anna@example.com", name="Anna Tamm", email_verified=True
        )

    return shop.test_client()


def test_the_account_page_shows_points_value_and_tier(anna: FlaskClient) -> None:
    html = anna.get("/loyalty/").get_data(as_text=True)
    assert "1,900 points" in html
    assert "worth €19.00" in html
    assert "Your tier: Basic" in html
    assert "Spend €120.00 more in 12 months to reach Gold." in html
    assert "order:SF-1" not in html  # keys are for the owner
    assert 'href="/loyalty/newsletter/link"' in html
    # Redeeming, the history and the birthday gift are on her points page.
    assert 'href="/loyalty/points"' in html
    assert 'action="/loyalty/points/redeem"' not in html
    points = anna.get("/loyalty/points").get_data(as_text=True)
    assert "1,900 points" in points and "Get my code" in points
    assert "Your tier: Basic" in points and 'href="/loyalty/"' in points


def test_her_points_page_sends_a_visitor_to_sign_in(shop: Flask) -> None:
    response = shop.test_client().get("/loyalty/points")
    assert response.status_code == 302
    assert response.headers["Location"] == "/loyalty/"


def test_she_redeems_points_for_a_code_on_her_points_page(
    anna: FlaskClient, shop_loyalty: Loyalty
) -> None:
    page = anna.get("/loyalty/points").get_data(as_text=True)
    received: list[t.Any] = []
    with signals.points_redeemed.connected_to(
        lambda _s, **kw: received.append(kw["code"].value_cents)
    ):
        response = anna.post(
            "/loyalty/points/redeem",
            data={
                "csrf_token": form_token(page),
                "key": form_key(page, "redeem"),
                "points": "1000",
            },
        )
    assert response.status_code == 302
    html = anna.get("/loyalty/points").get_data(as_text=True)
    assert "Your discount code is" in html
    assert "900 points" in html
    code = shop_loyalty.state.session.scalar(sa.select(DiscountCode))
    assert code is not None
    assert (code.value_cents, code.currency, code.source) == (1000, "EUR", "points")
    assert code.display in html and "€10.00" in html
    assert received == [1000]
    assert balance(shop_loyalty) == 900


def test_submitting_the_same_form_twice_redeems_once(
    anna: FlaskClient, shop_loyalty: Loyalty
) -> None:
    page = anna.get("/loyalty/points").get_data(as_text=True)
    data = {
        "csrf_token": form_token(page),
        "key": form_key(page, "redeem"),
        "points": "500",
    }
    assert anna.post("/loyalty/points/redeem", data=data).status_code == 302
    assert anna.post("/loyalty/points/redeem", data=data).status_code == 302
    assert counts(shop_loyalty) == (2, 1)
    assert balance(shop_loyalty) == 1400


def test_another_customer_resubmitting_her_key_never_sees_her_code(
    shop: Flask, shop_loyalty: Loyalty
) -> None:
    """Bob posts Anna's redemption key: he is not shown Anna's code (issue 17, 6)."""
    order(shop_loyalty, "SF-1", "380.00")
    order(shop_loyalty, "SF-2", "250.00", email="bob@example.com", name="Bob Berg")
    who = {"email": "anna@example.com"}

    @shop_loyalty.customer_loader
    def current() -> ShopCustomer:
        return ShopCustomer(email=who["email"], name="Someone", email_verified=True)

    client = shop.test_client()
    page = client.get("/loyalty/points").get_data(as_text=True)
    data = {"csrf_token": form_token(page), "key": form_key(page, "redeem")}
    response = client.post("/loyalty/points/redeem", data={**data, "points": "1000"})
    assert response.status_code == 302
    annas = shop_loyalty.state.session.scalar(sa.select(DiscountCode))
    assert annas is not None

    who["email"] = "bob@example.com"
    bob = shop.test_client()
    with shop.app_context():  # his own g: the fixture's context outlives requests
        token = form_token(bob.get("/loyalty/points").get_data(as_text=True))
        response = bob.post(
            "/loyalty/points/redeem",
            data={**data, "csrf_token": token, "points": "500"},
        )
        assert response.status_code == 302
        html = bob.get("/loyalty/points").get_data(as_text=True)
        assert annas.display not in html
        assert "Your discount code is" in html  # his own, from his own points
    assert balance(shop_loyalty, "bob@example.com") == 750
    assert balance(shop_loyalty) == 900
    assert counts(shop_loyalty) == (4, 2)


@pytest.mark.parametrize(
    ("points", "message"),
    [
        ("0", "Enter a number of points above zero."),
        ("-50", "Enter a number of points above zero."),
        ("", "Enter how many points to redeem."),
        ("ten", "Enter a whole number, like 500."),
        ("2.5", "Enter a whole number, like 500."),
        ("100", "You can redeem 500 points or more at a time."),
        ("5000", "You do not have enough points: your balance is 1900."),
    ],
)
def test_a_bad_redemption_says_why_and_writes_nothing(
    anna: FlaskClient, shop_loyalty: Loyalty, points: str, message: str
) -> None:
    page = anna.get("/loyalty/points").get_data(as_text=True)
    response = anna.post(
        "/loyalty/points/redeem",
        data={"csrf_token": form_token(page), "points": points},
    )
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert counts(shop_loyalty) == (1, 0)
    assert balance(shop_loyalty) == 1900


def test_a_redemption_without_the_csrf_token_is_refused(
    anna: FlaskClient, shop_loyalty: Loyalty
) -> None:
    response = anna.post("/loyalty/points/redeem", data={"points": "500"})
    assert response.status_code == 400
    assert "This form has expired" in response.get_data(as_text=True)
    assert counts(shop_loyalty) == (1, 0)


def test_every_form_of_her_points_page_carries_the_token_and_no_id_twice(
    anna: FlaskClient,
) -> None:
    """Each form posts the session's CSRF token; the token inputs carry no id,
    so a page of several forms repeats none (a label or a link could point at
    the wrong one)."""
    html = anna.get("/loyalty/points").get_data(as_text=True)
    forms = re.findall(r"<form method=\"post\".*?</form>", html, re.S)
    tokens = {form_token(form) for form in forms}
    actions = {re.search(r'action="([^"]+)"', form).group(1) for form in forms}  # type: ignore[union-attr]
    assert {"/loyalty/points/redeem", "/loyalty/points/birthday"} <= actions
    assert len(tokens) == 1
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert ids and len(ids) == len(set(ids)), sorted(ids)


def test_the_service_refuses_what_is_not_a_whole_number(
    shop_loyalty: Loyalty,
) -> None:
    order(shop_loyalty, "SF-1", "380.00")
    state = shop_loyalty.state
    for bad in (0, -5, 2.5, "600", True):
        with pytest.raises(InvalidPoints):
            redeem_points(
                state.session,
                state.now(),
                customer_id=customer_id(shop_loyalty),
                points=bad,
                currency="EUR",
            )


def test_a_code_is_used_once_and_expires(
    shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    order(shop_loyalty, "SF-1", "380.00")
    state = shop_loyalty.state
    code = redeem_points(
        state.session,
        state.now(),
        customer_id=customer_id(shop_loyalty),
        points=500,
        currency="EUR",
    )
    state.session.commit()
    shown = code.display
    assert len(shown) == 12 and shown[4] == shown[9] == "-"
    assert set(code.code) <= set(ALPHABET) and not set("01OIL") & set(ALPHABET)
    used = redeem_code(state.session, state.now(), shown.lower(), "SF-2")
    state.session.commit()
    assert used.used_order == "SF-2"
    assert redeem_code(state.session, state.now(), shown, "SF-2").id == used.id
    with pytest.raises(CodeUsed):
        redeem_code(state.session, state.now(), shown, "SF-3")
    with pytest.raises(UnknownCode):
        redeem_code(state.session, state.now(), "ABCD-EFGH-JK", "SF-3")
    other = redeem_points(
        state.session,
        state.now(),
        customer_id=customer_id(shop_loyalty),
        points=500,
        currency="EUR",
    )
    state.session.commit()
    clock.advance(days=91)
    with pytest.raises(CodeExpired):
        redeem_code(state.session, state.now(), other.code, "SF-4")
    assert other.expires_at == clock.now - timedelta(days=1)


@pytest.mark.postgres
def test_twenty_threads_redeeming_five_redemptions_worth(
    make_app: t.Callable[..., Flask], postgres_url: str
) -> None:
    app = make_app(database_url=postgres_url)
    loyalty = app.extensions["loyalty"].extension
    with app.app_context():
        order(loyalty, "SF-1", "500.00")  # 2,500 points: five times 500
        anna_id = customer_id(loyalty)
    barrier = threading.Barrier(20)
    results: list[str] = []

    def redeem() -> None:
        with app.app_context():
            state = app.extensions["loyalty"]
            barrier.wait()
            try:
                redeem_points(
                    state.session,
                    state.now(),
                    customer_id=anna_id,
                    points=500,
                    currency="EUR",
                )
                state.session.commit()
                results.append("ok")
            except NotEnoughPoints:
                state.session.rollback()
                results.append("not enough")

    threads = [threading.Thread(target=redeem) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["not enough"] * 15 + ["ok"] * 5
    with app.app_context():
        assert balance(loyalty) == 0
        assert counts(loyalty) == (6, 5)


def test_a_locked_database_is_retried_not_shown_as_an_error(
    anna: FlaskClient, shop_loyalty: Loyalty, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SQLite says "database is locked" when another process holds the write lock
    too long; the redemption is tried again."""
    from sqlalchemy.exc import OperationalError

    from flask_loyalty.points import views

    real = views.service.redeem_points
    calls: list[int] = []

    def locked_once(*args: t.Any, **kwargs: t.Any) -> t.Any:
        calls.append(1)
        if len(calls) < 3:
            raise OperationalError("UPDATE", {}, Exception("database is locked"))
        return real(*args, **kwargs)

    monkeypatch.setattr(views.service, "redeem_points", locked_once)
    page = anna.get("/loyalty/points").get_data(as_text=True)
    response = anna.post(
        "/loyalty/points/redeem",
        data={"csrf_token": form_token(page), "points": "500"},
    )
    assert response.status_code == 302
    assert len(calls) == 3
    assert balance(shop_loyalty) == 1400


def test_a_database_that_stays_locked_gets_a_busy_page_not_a_500(
    anna: FlaskClient, shop_loyalty: Loyalty, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy.exc import OperationalError

    from flask_loyalty.points import views

    def locked(*args: t.Any, **kwargs: t.Any) -> t.Any:
        raise OperationalError("UPDATE", {}, Exception("database is locked"))

    monkeypatch.setattr(views.service, "redeem_points", locked)
    monkeypatch.setattr(views.time, "sleep", lambda _s: None)
    page = anna.get("/loyalty/points").get_data(as_text=True)
    response = anna.post(
        "/loyalty/points/redeem",
        data={"csrf_token": form_token(page), "points": "500"},
    )
    assert response.status_code == 503
    assert "The shop is busy. Please try again." in response.get_data(as_text=True)
    assert counts(shop_loyalty) == (1, 0)


@pytest.mark.postgres
def test_one_redeem_form_sent_from_five_threads_redeems_once(
    make_app: t.Callable[..., Flask], postgres_url: str
) -> None:
    from sqlalchemy.exc import IntegrityError

    app = make_app(database_url=postgres_url)
    loyalty = app.extensions["loyalty"].extension
    with app.app_context():
        order(loyalty, "SF-1", "500.00")
        anna_id = customer_id(loyalty)
    barrier = threading.Barrier(5)
    outcomes: list[str] = []

    def submit() -> None:
        with app.app_context():
            state = app.extensions["loyalty"]
            barrier.wait()
            try:
                redeem_points(
                    state.session,
                    state.now(),
                    customer_id=anna_id,
                    points=500,
                    currency="EUR",
                    key="redeem:one-form",
                )
                state.session.commit()
                outcomes.append("code")
            except IntegrityError:
                state.session.rollback()
                outcomes.append("duplicate")

    threads = [threading.Thread(target=submit) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(outcomes) == 5 and "code" in outcomes
    with app.app_context():
        assert counts(loyalty) == (2, 1)
        assert balance(loyalty) == 2000
