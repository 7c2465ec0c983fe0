"""Codes at checkout: Anna's code is quoted, used once, and refused with a reason."""

from __future__ import annotations

import math
import threading
import typing as t
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import jsonify
from flask import request

from flask_loyalty import CodeExpired
from flask_loyalty import CodeNotApplicable
from flask_loyalty import CodeNotYours
from flask_loyalty import CodeUsed
from flask_loyalty import DiscountQuote
from flask_loyalty import FrozenClock
from flask_loyalty import Loyalty
from flask_loyalty import UnknownCode
from flask_loyalty.codes.service import ALPHABET
from flask_loyalty.codes.service import LENGTH
from flask_loyalty.codes.service import generate_code
from flask_loyalty.models import CodeRedemption
from flask_loyalty.models import DiscountCode
from flask_loyalty.models import Offer
from flask_loyalty.models import OfferGrant
from flask_loyalty.offers import models as om
from flask_loyalty.points.service import redeem_points

from .conftest import buy
from .conftest import line
from .conftest import make_offer


def first_code(loyalty: Loyalty, email: str = "anna@example.com") -> str:
    session = loyalty.state.session
    grant = session.scalars(
        sa.select(OfferGrant).order_by(OfferGrant.id.desc())
    ).first()
    assert grant is not None and grant.code is not None
    return grant.code.display


def quote(loyalty: Loyalty, code: str, *skus: str, **kw: t.Any) -> DiscountQuote:
    items = [line(sku) for sku in skus or ("NCK-FERN",)]
    subtotal = sum((i.unit_price for i in items), Decimal(0))
    return t.cast(
        DiscountQuote,
        loyalty.quote_discount(
            code,
            email=kw.pop("email", "anna@example.com"),
            subtotal=kw.pop("subtotal", subtotal),
            items=items,
        ),
    )


def test_codes_are_unguessable_and_grouped_for_reading() -> None:
    assert LENGTH * math.log2(len(ALPHABET)) >= 40
    assert not set("01OIL") & set(ALPHABET)
    codes = {generate_code() for _ in range(2000)}
    assert len(codes) == 2000


def test_a_first_purchase_code_is_quoted_used_once_then_refused(
    shop_loyalty: Loyalty,
) -> None:
    make_offer(shop_loyalty, percent=20)
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    code = first_code(shop_loyalty)
    assert len(code) == 12 and code[4] == code[9] == "-"

    offered = quote(shop_loyalty, code.lower().replace("-", " "), "NCK-FERN")
    assert offered.ok and offered.reason is None
    assert offered.discount == Decimal("9.20")
    assert offered.description == "20% off"

    buy(shop_loyalty, "SF-2", "NCK-FERN", discount=offered.discount, commit=False)
    used = shop_loyalty.redeem_discount(code, "SF-2")
    assert used.discount_cents == 920
    again = shop_loyalty.redeem_discount(code, "SF-2")  # the same order: no change
    assert again.id == used.id

    refused = quote(shop_loyalty, code, "NCK-FERN")
    assert not refused and refused.reason == "used"
    assert refused.message == f"The code {code} was already used."
    buy(shop_loyalty, "SF-3", "NCK-FERN")
    with pytest.raises(CodeUsed):
        shop_loyalty.redeem_discount(code, "SF-3")
    shop_loyalty.state.session.rollback()
    session = shop_loyalty.state.session
    assert session.scalar(sa.select(sa.func.count(CodeRedemption.id))) == 1
    offer = session.scalars(sa.select(Offer)).one()
    assert (offer.uses, offer.spent_cents) == (1, 920)


@pytest.mark.parametrize(
    ("change", "reason", "message"),
    (
        ({"code": "ZZZZ-ZZZZ-ZZ"}, "unknown", "There is no discount code"),
        ({"email": "bob@example.com"}, "not_yours", "There is no discount code"),
        ({"days": 31}, "expired", "has expired"),
        ({"subtotal": Decimal("20.00")}, "below_minimum", "at least €30.00"),
        ({"skus": ("NCK-TIDE",)}, "wrong_items", "is for rings only"),
    ),
)
def test_a_code_that_does_not_apply_says_why(
    shop_loyalty: Loyalty,
    clock: FrozenClock,
    change: dict[str, t.Any],
    reason: str,
    message: str,
) -> None:
    make_offer(
        shop_loyalty,
        min_subtotal=Decimal("30"),
        categories="rings",
        valid_days=30,
    )
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    code = change.get("code") or first_code(shop_loyalty)
    clock.advance(days=change.get("days", 0))
    kw = {k: change[k] for k in ("email", "subtotal") if k in change}
    result = quote(
        shop_loyalty, code, *change.get("skus", ("RNG-TIDE", "NCK-TIDE")), **kw
    )
    assert (result.ok, result.reason) == (False, reason)
    assert message in result.message
    assert result.discount == Decimal("0.00")


def test_redeeming_a_code_that_does_not_apply_raises_and_writes_nothing(
    shop_loyalty: Loyalty,
) -> None:
    make_offer(shop_loyalty, min_subtotal=Decimal("40"))
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    code = first_code(shop_loyalty)
    buy(shop_loyalty, "SF-2", "RNG-TIDE")  # 24.00, below the minimum
    buy(shop_loyalty, "SF-3", "NCK-FERN", email="bob@example.com")
    with pytest.raises(CodeNotApplicable) as below:
        shop_loyalty.redeem_discount(code, "SF-2")
    assert below.value.reason == "below_minimum"
    with pytest.raises(CodeNotYours):
        shop_loyalty.redeem_discount(code, "SF-3")
    with pytest.raises(UnknownCode):
        shop_loyalty.redeem_discount("ABCD-EFGH-JK", "SF-2")
    session = shop_loyalty.state.session
    session.rollback()
    assert session.scalar(sa.select(sa.func.count(CodeRedemption.id))) == 0
    assert session.scalars(sa.select(DiscountCode.uses)).all() == [0, 0]


def test_a_paused_offer_keeps_its_codes_an_ended_one_refuses_them(
    shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    """Pausing stops new codes (Bea's first order gets none), not the promise of
    the one Anna holds; an end date stops it, as does a start moved later."""
    offer = make_offer(shop_loyalty)
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    code = first_code(shop_loyalty)
    offer.active = False
    shop_loyalty.state.session.commit()
    buy(shop_loyalty, "SF-9", "RNG-FERN", email="bea@example.com", name="Bea")
    grants = sa.select(sa.func.count(OfferGrant.id))
    assert shop_loyalty.state.session.scalar(grants) == 1  # Anna's only
    assert quote(shop_loyalty, code).ok
    offer.starts_at = clock.now + timedelta(days=1)
    shop_loyalty.state.session.commit()
    assert quote(shop_loyalty, code).reason == "not_active"
    offer.starts_at = None
    offer.ends_at = clock.now - timedelta(seconds=1)
    shop_loyalty.state.session.commit()
    assert quote(shop_loyalty, code).reason == "expired"
    buy(shop_loyalty, "SF-2", "NCK-FERN")
    with pytest.raises(CodeExpired):
        shop_loyalty.redeem_discount(code, "SF-2")


@pytest.mark.parametrize(
    ("benefit", "changes", "skus", "discount", "flag"),
    (
        (om.AMOUNT, {"amount": Decimal("15")}, ("RNG-TIDE",), "15.00", None),
        (om.AMOUNT, {"amount": Decimal("50")}, ("RNG-TIDE",), "24.00", None),
        (om.FREE_SHIPPING, {}, ("RNG-TIDE",), "0.00", "free_shipping"),
        (om.GIFT, {"sku": "EAR-FERN"}, ("RNG-TIDE",), "0.00", "gift"),
        (
            om.COMPLEMENTARY,
            {"sku": "NCK-FERN", "percent": 25},
            ("RNG-TIDE", "NCK-FERN"),
            "11.50",
            None,
        ),
    ),
)
def test_each_benefit_gives_what_it_says(
    shop_loyalty: Loyalty,
    benefit: str,
    changes: dict[str, t.Any],
    skus: tuple[str, ...],
    discount: str,
    flag: str | None,
) -> None:
    make_offer(shop_loyalty, benefit=benefit, **{"percent": 0, **changes})
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    result = quote(shop_loyalty, first_code(shop_loyalty), *skus)
    assert result.ok, result.message
    assert result.discount == Decimal(discount)
    assert result.free_shipping is (flag == "free_shipping")
    assert result.gift_sku == ("EAR-FERN" if flag == "gift" else None)


def test_a_complementary_code_needs_its_product(shop_loyalty: Loyalty) -> None:
    make_offer(shop_loyalty, benefit=om.COMPLEMENTARY, sku="NCK-FERN", percent=25)
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    assert quote(shop_loyalty, first_code(shop_loyalty), "RNG-TIDE").reason == (
        "wrong_items"
    )


def test_a_budget_caps_the_discount_and_then_the_offer(shop_loyalty: Loyalty) -> None:
    make_offer(shop_loyalty, percent=50, budget=Decimal("30"))
    for n, email in enumerate(("a@example.com", "b@example.com", "c@example.com")):
        buy(shop_loyalty, f"SF-{n}", "RNG-FERN", email=email)
    codes = {
        g.customer.email: g.code.display
        for g in shop_loyalty.state.session.scalars(sa.select(OfferGrant))
    }
    for n, email in enumerate(("a@example.com", "b@example.com")):
        buy(shop_loyalty, f"SF-x{n}", "NCK-FERN", email=email, commit=False)
        shop_loyalty.redeem_discount(codes[email], f"SF-x{n}")
    spent = [
        r.discount_cents
        for r in shop_loyalty.state.session.scalars(sa.select(CodeRedemption))
    ]
    assert spent == [2300, 700]  # half of 46.00, then what the budget had left
    result = quote(shop_loyalty, codes["c@example.com"], email="c@example.com")
    assert result.reason == "used_up"


def test_points_codes_go_through_the_same_checkout(shop_loyalty: Loyalty) -> None:
    buy(shop_loyalty, "SF-1", "NCK-GOLD")  # 2,000 points
    state = shop_loyalty.state
    customer_id = state.session.scalars(sa.select(DiscountCode.customer_id)).first()
    from flask_loyalty.customers.service import find_customer

    anna = find_customer(state.session, "anna@example.com")
    assert anna is not None and customer_id is None
    code = redeem_points(
        state.session, state.now(), customer_id=anna.id, points=1000, currency="EUR"
    )
    state.session.commit()
    result = quote(shop_loyalty, code.display, "RNG-TIDE")
    assert (result.ok, result.discount, result.description) == (
        True,
        Decimal("10.00"),
        "€10.00 off",
    )
    assert quote(shop_loyalty, code.display, email="eve@example.com").reason == (
        "not_yours"
    )
    buy(shop_loyalty, "SF-2", "RNG-TIDE", discount=Decimal("10.00"), commit=False)
    assert shop_loyalty.redeem_discount(code.display, "SF-2").discount_cents == 1000
    assert quote(shop_loyalty, code.display).reason == "used"


@pytest.mark.postgres
def test_twenty_concurrent_redemptions_of_one_code_give_one_success(
    postgres_shop: tuple[Flask, Loyalty],
) -> None:
    app, loyalty = postgres_shop
    with app.app_context():
        make_offer(loyalty)
        buy(loyalty, "SF-1", "RNG-FERN")
        code = first_code(loyalty)
        for n in range(20):
            buy(loyalty, f"SF-2{n:02d}", "NCK-FERN")
    barrier = threading.Barrier(20)
    results: list[str] = []

    def redeem(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                loyalty.redeem_discount(code, f"SF-2{n:02d}")
                results.append("ok")
            except CodeUsed:
                loyalty.state.session.rollback()
                results.append("used")

    threads = [threading.Thread(target=redeem, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(results) == ["ok"] + ["used"] * 19
    with app.app_context():
        session = loyalty.state.session
        assert session.scalar(sa.select(sa.func.count(CodeRedemption.id))) == 1
        assert session.scalars(sa.select(Offer)).one().uses == 1
        assert (
            session.scalars(
                sa.select(DiscountCode.uses).where(DiscountCode.offer_id.is_not(None))
            ).one()
            == 1
        )


def test_guessing_codes_through_a_checkout_is_rate_limited(
    make_app: t.Callable[..., Flask],
) -> None:
    app = make_app(LOYALTY_CODE_RATE_LIMIT="3/15 minutes")
    loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)

    @app.post("/apply-code")
    def apply_code() -> t.Any:
        result = loyalty.quote_discount(
            request.form["code"], email="eve@example.com", subtotal=Decimal("10.00")
        )
        return jsonify(reason=result.reason), 200 if result.ok else 400

    client = app.test_client()
    reasons = [
        client.post("/apply-code", data={"code": generate_code()}).json["reason"]
        for _ in range(5)
    ]
    assert reasons == ["unknown"] * 3 + ["too_many_attempts"] * 2
    other = client.post(
        "/apply-code",
        data={"code": generate_code()},
        environ_base={"REMOTE_ADDR": "10.0.0.2"},
    )
    assert other.json["reason"] == "unknown"


def test_a_bad_rate_limit_setting_fails_at_init_app(
    make_app: t.Callable[..., Flask],
) -> None:
    with pytest.raises(RuntimeError, match="LOYALTY_CODE_RATE_LIMIT"):
        make_app(LOYALTY_CODE_RATE_LIMIT=(0, 900))


def test_the_code_rate_limit_is_shared_through_redis(
    make_app: t.Callable[..., Flask], redis_url: str
) -> None:
    """Two workers of the shop (two apps) count one client's guesses together."""
    apps = [
        make_app(
            LOYALTY_CODE_RATE_LIMIT="4/15 minutes",
            LOYALTY_RATE_LIMIT_STORAGE_URL=redis_url,
        )
        for _ in range(2)
    ]
    reasons = []
    for n in range(6):
        app = apps[n % 2]
        with app.test_request_context(environ_base={"REMOTE_ADDR": "10.9.9.9"}):
            result = app.extensions["loyalty"].extension.quote_discount(
                generate_code(), email="eve@example.com", subtotal=Decimal("10.00")
            )
            reasons.append(result.reason)
    assert reasons == ["unknown"] * 4 + ["too_many_attempts"] * 2


def test_once_per_customer_holds_across_her_codes(shop_loyalty: Loyalty) -> None:
    make_offer(shop_loyalty, trigger=om.EVERY_PURCHASE, percent=10)
    for n in range(1, 4):
        buy(shop_loyalty, f"SF-{n}", "RNG-TIDE")  # orders 2 and 3 bring a code each
    session = shop_loyalty.state.session
    first, second = [g.code.display for g in session.scalars(sa.select(OfferGrant))]
    buy(shop_loyalty, "SF-4", "NCK-FERN", commit=False)
    shop_loyalty.redeem_discount(first, "SF-4")
    refused = quote(shop_loyalty, second)
    assert (refused.reason, refused.message) == (
        "used",
        "This offer was already used on another order.",
    )
