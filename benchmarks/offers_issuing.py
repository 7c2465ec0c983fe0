"""Parts 2 and 3 of ``benchmarks/offers.py``: ``record_order`` issuing the
first-purchase offer against no offer, and quoting a code with 100 running offers
against 1."""

from __future__ import annotations

import statistics
import time
import typing as t
import uuid
from decimal import Decimal

import sqlalchemy as sa
from databases import postgres_database
from flask import Flask
from offers_shop import build_app

from flask_loyalty import OrderLine
from flask_loyalty.codes.models import OFFER
from flask_loyalty.codes.models import DiscountCode
from flask_loyalty.codes.service import create_code
from flask_loyalty.offers import models as om
from flask_loyalty.offers.editing import OfferValues
from flask_loyalty.offers.editing import save_offer
from flask_loyalty.offers.messages import mail_due_offers
from flask_loyalty.offers.models import Offer

# -- 2. record_order with the first-purchase offer --------------------------------


def record_orders(app: Flask, count: int) -> float:
    state = app.extensions["loyalty"]
    prefix = uuid.uuid4().hex[:6]
    lines = [OrderLine("SKU-1", "Piece 1", 1, Decimal(23), "necklaces")]
    with app.app_context():
        start = time.perf_counter()
        for i in range(count):
            state.extension.record_order(
                f"{prefix}-{i}",
                email=f"{prefix}-{i}@example.com",
                name="Anna Tamm",
                total=Decimal(23),
                items=lines,
            )
        return time.perf_counter() - start


def mail_offers(app: Flask) -> tuple[int, float]:
    """The worker's part: write and queue the emails the orders earned."""
    with app.app_context():
        state = app.extensions["loyalty"]
        start = time.perf_counter()
        done = mail_due_offers(state)
        return done, time.perf_counter() - start


def set_offer(app: Flask, active: bool) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        offer = state.session.scalar(sa.select(Offer))
        if offer is None:
            offer = save_offer(
                state.session,
                state.now(),
                None,
                OfferValues(
                    name="Thank you",
                    trigger="first_purchase",
                    benefit="percent",
                    percent=20,
                    subject="A gift for you, {{ first_name or 'friend' }}",
                    message="Dear {{ first_name }}, here is {{ offer }}: {{ code }}",
                    holdout_percent=0,  # every order issues it (each still asks)
                ),
                currency="EUR",
                known_skus=None,
            )
        offer.active = active
        state.session.commit()


def issue_benchmark(
    name: str, url: str, count: int, rounds: int = 10
) -> dict[str, t.Any]:
    """``count`` orders with the offer running and ``count`` without, in each of
    ``rounds`` rounds (which goes first alternating), the worker mailing each
    round's offers. The cost is the median of each round's own ratio of the
    rates, with their range: a round's two loops run a second apart, on the same
    disk and database weather (three long rounds gave 1.26 and 1.40 on
    PostgreSQL a minute apart)."""
    app = build_app(url)
    set_offer(app, True)
    record_orders(app, 10)  # warm-up
    mail_offers(app)
    rates: dict[str, list[float]] = {"offers": [], "none": []}
    mail_ms: list[float] = []
    for round_number in range(rounds):
        kinds = ("none", "offers") if round_number % 2 == 0 else ("offers", "none")
        for kind in kinds:
            set_offer(app, kind == "offers")
            rates[kind].append(count / record_orders(app, count))
        mailed, seconds = mail_offers(app)
        if mailed != count:
            raise RuntimeError(f"the worker mailed {mailed} offers of {count}")
        mail_ms.append(seconds * 1000 / mailed)
    with app.app_context():
        app.extensions["loyalty"].db.engine.dispose()
    ratios = [a / b for a, b in zip(rates["none"], rates["offers"], strict=True)]
    return {
        "database": name,
        "orders": count,
        "rounds": rounds,
        "with_offer_per_s": round(statistics.median(rates["offers"]), 1),
        "without_offers_per_s": round(statistics.median(rates["none"]), 1),
        "worker_ms_per_email": round(statistics.median(mail_ms), 2),
        "cost_ratio": round(statistics.median(ratios), 3),
        "cost_ratio_range": [round(min(ratios), 3), round(max(ratios), 3)],
    }


# -- 3. quoting a code with many running offers -------------------------------------

OTHER_TRIGGERS = (
    (om.NTH_PURCHASE, 3),
    (om.EVERY_PURCHASE, 0),
    (om.BIRTHDAY, 0),
    (om.WIN_BACK, 60),
    (om.NEWSLETTER, 0),
    (om.MANUAL, 0),
    (om.STAMP_CARD, 5),
)
CART = [
    OrderLine("SKU-1", "Piece 1", 1, Decimal(23), "necklaces"),
    OrderLine("SKU-2", "Piece 2", 2, Decimal(26), "earrings"),
    OrderLine("SKU-4", "Piece 4", 1, Decimal(32), "necklaces"),
]


def quote_shop(url: str, offers: int) -> tuple[Flask, str]:
    """A shop with the first-purchase offer and ``offers - 1`` more running
    offers; Anna's first order; her code."""
    app = build_app(url)
    set_offer(app, True)
    with app.app_context():
        state = app.extensions["loyalty"]
        now = state.now()
        for n in range(offers - 1):
            trigger, trigger_n = OTHER_TRIGGERS[n % len(OTHER_TRIGGERS)]
            benefit = (om.PERCENT, om.AMOUNT, om.FREE_SHIPPING)[n % 3]
            offer = save_offer(
                state.session,
                now,
                None,
                OfferValues(
                    name=f"Offer {n}",
                    trigger=trigger,
                    trigger_n=trigger_n,
                    benefit=benefit,
                    percent=10 if benefit == om.PERCENT else 0,
                    amount=Decimal(5) if benefit == om.AMOUNT else None,
                    categories=("rings", "necklaces", "")[n % 3],
                    min_subtotal=Decimal(30 + n) if n % 2 else None,
                    subject="For you",
                    message="Here is {{ offer }}: {{ code }}",
                ),
                currency="EUR",
                known_skus=None,
            )
            for _ in range(10):
                create_code(
                    state.session,
                    now,
                    value_cents=offer.amount_cents,
                    currency="EUR",
                    customer_id=None,
                    source=OFFER,
                    expires_at=None,
                    max_uses=1,
                    offer_id=offer.id,
                )
        state.session.commit()
        running = state.session.scalar(sa.select(sa.func.count(Offer.id)))
        if running != offers:
            raise RuntimeError(f"{running} offers running, not {offers}")
        state.extension.record_order(
            "Q-1",
            email="anna@example.com",
            name="Anna Tamm",
            total=Decimal(23),
            items=CART[:1],
        )
        code = (
            state.session.scalars(
                sa.select(DiscountCode).where(DiscountCode.customer_id.is_not(None))
            )
            .one()
            .display
        )
    return app, code


def quotes_per_second(app: Flask, code: str, count: int) -> float:
    with app.app_context():
        loyalty = app.extensions["loyalty"].extension
        start = time.perf_counter()
        for _ in range(count):
            quote = loyalty.quote_discount(
                code, email="anna@example.com", subtotal=Decimal(107), items=CART
            )
            if not quote.ok:
                raise RuntimeError(f"the code gives nothing: {quote.message}")
        seconds = time.perf_counter() - start
        app.extensions["loyalty"].session.remove()
    return count / seconds


def quote_benchmark(
    name: str, make_url: t.Callable[[str], str], count: int, rounds: int = 5
) -> dict[str, t.Any]:
    shops = {n: quote_shop(make_url(f"quote{n}"), n) for n in (1, 100)}
    for app, code in shops.values():
        quotes_per_second(app, code, 20)  # warm-up
    rates: dict[int, list[float]] = {1: [], 100: []}
    for _ in range(rounds):
        for n, (app, code) in shops.items():
            rates[n].append(quotes_per_second(app, code, count))
    for app, _code in shops.values():
        with app.app_context():
            app.extensions["loyalty"].db.engine.dispose()
    one = round(statistics.median(rates[1]), 1)
    hundred = round(statistics.median(rates[100]), 1)
    return {
        "database": name,
        "quotes": count,
        "one_offer_per_s": one,
        "hundred_offers_per_s": hundred,
        "ratio": round(one / hundred, 3),
    }


def quote_benchmark_postgres(url: str, count: int) -> dict[str, t.Any]:
    """The two shops of the quote benchmark in schemas of their own."""
    drops = []

    def make_url(_name: str) -> str:
        made = postgres_database()
        if made is None:
            raise RuntimeError("PostgreSQL stopped answering")
        drops.append(made[1])
        return made[0]

    try:
        return quote_benchmark("postgresql", make_url, count)
    finally:
        for drop in drops:
            drop()
