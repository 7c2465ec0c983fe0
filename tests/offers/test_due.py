"""Birthday and win-back offers by ``flask loyalty run-due``: once, however often
it runs; the newsletter confirmation offer."""

from __future__ import annotations

import typing as t
from datetime import date

import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty import Loyalty
from flask_loyalty import signals
from flask_loyalty.customers.service import find_customer
from flask_loyalty.models import OfferGrant
from flask_loyalty.models import OutboxMessage
from flask_loyalty.offers import models as om
from flask_loyalty.offers.due import run_offers_due
from flask_loyalty.points.bonuses import set_birthday

from .conftest import buy
from .conftest import make_offer


def keys(loyalty: Loyalty) -> list[str]:
    return list(
        loyalty.state.session.scalars(sa.select(OfferGrant.key).order_by(OfferGrant.id))
    )


def birthday(loyalty: Loyalty, email: str, day: date) -> None:
    customer = find_customer(loyalty.state.session, email)
    assert customer is not None
    set_birthday(loyalty.state.session, customer.id, day)
    loyalty.state.session.commit()


def test_a_birthday_offer_comes_once_a_year_however_often_run_due_runs(
    shop: Flask, shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    offer_id = make_offer(shop_loyalty, name="Happy birthday", trigger=om.BIRTHDAY).id
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    buy(shop_loyalty, "SF-2", "RNG-FERN", email="bob@example.com", name="Bob")
    birthday(shop_loyalty, "anna@example.com", date(1990, 3, 4))
    birthday(shop_loyalty, "bob@example.com", date(1985, 9, 1))
    runner = shop.test_cli_runner()
    assert keys(shop_loyalty) == []  # 2 March: not yet
    clock.advance(days=2)
    first = runner.invoke(args=["loyalty", "run-due"])
    assert first.exit_code == 0, first.output
    anna = find_customer(shop_loyalty.state.session, "anna@example.com")
    assert anna is not None
    assert keys(shop_loyalty) == [f"birthday:{offer_id}:{anna.id}:2026"]
    for _ in range(2):  # a second run, and a run a day later, change nothing
        assert run_offers_due(shop_loyalty.state) == 0
        clock.advance(days=1)
    mail = shop_loyalty.state.session.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.kind == "offer")
    ).one()
    assert mail.subject == "A gift for you, Anna"
    clock.advance(days=365)
    run_offers_due(shop_loyalty.state)
    assert keys(shop_loyalty)[-1] == f"birthday:{offer_id}:{anna.id}:2027"


def test_a_win_back_offer_goes_to_who_went_quiet_once_per_lapse(
    shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    make_offer(shop_loyalty, name="We miss you", trigger=om.WIN_BACK, trigger_n=180)
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    clock.advance(days=100)
    buy(shop_loyalty, "SF-2", "RNG-FERN", email="bob@example.com", name="Bob")
    clock.advance(days=81)  # Anna: 181 days; Bob: 81
    assert run_offers_due(shop_loyalty.state) == 1
    assert run_offers_due(shop_loyalty.state) == 0
    assert [k.split(":")[0] for k in keys(shop_loyalty)] == ["winback"]
    buy(shop_loyalty, "SF-3", "RNG-TIDE")  # Anna is back
    clock.advance(days=181)  # both quiet now, Anna for the second time
    assert run_offers_due(shop_loyalty.state) == 2
    assert len(set(keys(shop_loyalty))) == 3


def test_two_machines_running_at_once_issue_each_offer_once(
    make_app: t.Callable[..., Flask], database_url: str, clock: FrozenClock
) -> None:
    app = make_app(database_url=database_url)
    loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)
    with app.app_context():
        make_offer(loyalty, trigger=om.WIN_BACK, trigger_n=30)
        for n in range(5):
            buy(loyalty, f"SF-{n}", "RNG-FERN", email=f"c{n}@example.com")
    clock.advance(days=31)
    other = make_app(database_url=database_url, create_tables=False)
    done = []
    for one in (app, other):
        with one.app_context():
            done.append(run_offers_due(one.extensions["loyalty"]))
    assert done == [5, 0]
    with app.app_context():
        assert len(keys(loyalty)) == 5


def test_confirming_the_newsletter_brings_its_offer(
    shop: Flask, shop_loyalty: Loyalty
) -> None:
    offer_id = make_offer(shop_loyalty, name="Welcome", trigger=om.NEWSLETTER).id
    buy(shop_loyalty, "SF-1", "RNG-FERN")

    class Subscriber:
        email = "anna@example.com"

    for _ in range(2):
        signals.subscription_confirmed.send(shop, subscriber=Subscriber())
    anna = find_customer(shop_loyalty.state.session, "anna@example.com")
    assert anna is not None
    assert keys(shop_loyalty) == [f"newsletter:{offer_id}:{anna.id}"]
