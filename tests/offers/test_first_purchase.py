"""Anna's first order brings a personal offer: email by name, code, suggestions."""

from __future__ import annotations

import typing as t
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask import g
from flask import render_template_string

from flask_loyalty import FrozenClock
from flask_loyalty import Loyalty
from flask_loyalty import signals
from flask_loyalty.models import OfferGrant
from flask_loyalty.models import OutboxMessage
from flask_loyalty.models import PointsEntry
from flask_loyalty.offers import models as om
from flask_loyalty.offers.messages import mail_due_offers
from flask_loyalty.offers.suggest import suggest
from flask_loyalty.personal_data import erase_person
from flask_loyalty.testing import sign_in

from .conftest import CATALOG
from .conftest import buy
from .conftest import line
from .conftest import make_offer


def grants(loyalty: Loyalty) -> list[OfferGrant]:
    return list(
        loyalty.state.session.scalars(sa.select(OfferGrant).order_by(OfferGrant.id))
    )


def worker_mails_offers(loyalty: Loyalty) -> int:
    """What the worker does next: write and queue the emails of offers that
    orders earned (out of the orders' transactions)."""
    return mail_due_offers(loyalty.state)


def mails(loyalty: Loyalty, kind: str = "offer") -> list[OutboxMessage]:
    return list(
        loyalty.state.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == kind)
        )
    )


def test_her_first_order_brings_an_email_by_name_with_code_and_suggestions(
    shop_loyalty: Loyalty,
) -> None:
    make_offer(shop_loyalty)
    received: list[t.Any] = []
    with signals.offer_issued.connected_to(
        lambda _app, **kw: received.append(kw["customer"].email)
    ):
        buy(shop_loyalty, "SF-1", "RNG-FERN")
    [grant] = grants(shop_loyalty)
    assert received == ["anna@example.com"]
    assert grant.key == f"first:{grant.offer_id}:{grant.customer_id}"
    assert mails(shop_loyalty) == []  # not in the order's transaction
    assert grant.mail_due
    assert worker_mails_offers(shop_loyalty) == 1
    assert worker_mails_offers(shop_loyalty) == 0  # once
    [mail] = mails(shop_loyalty)
    assert mail.to_addr == "anna@example.com"
    assert mail.subject == "A gift for you, Anna"
    code = grant.code.display
    assert f"Dear Anna, here is 20% off: {code}." in mail.text_body  # no ** marks
    assert f"<strong>{code}</strong>" in mail.html_body
    assert [s["sku"] for s in grant.suggestions] == ["NCK-FERN", "EAR-FERN", "NCK-TIDE"]
    assert "Fern Frond Pendant" in mail.text_body
    assert "From the Forest collection, like your Fern Leaf Ring." in mail.text_body


def test_the_signal_gives_the_grant_as_stored_with_its_code(
    shop_loyalty: Loyalty,
) -> None:
    make_offer(shop_loyalty)
    heard: list[tuple[str, str, list[str]]] = []
    with signals.offer_issued.connected_to(
        lambda _app, **kw: heard.append(
            (
                kw["grant"].key,
                kw["grant"].code.display,
                [s["sku"] for s in kw["grant"].suggestions],
            )
        )
    ):
        buy(shop_loyalty, "SF-1", "RNG-FERN")
    [grant] = grants(shop_loyalty)
    assert heard == [
        (grant.key, grant.code.display, [s["sku"] for s in grant.suggestions])
    ]


def test_a_failing_catalog_loader_never_loses_the_order_or_the_offer(
    shop_loyalty: Loyalty, caplog: pytest.LogCaptureFixture
) -> None:
    """The payment went through: the order, its points and the offer stay; only
    the suggestions are left out, and the error is logged for the shop."""

    def broken() -> list[t.Any]:
        raise ConnectionError("the product service is down")

    shop_loyalty.catalog_loader(broken)
    make_offer(shop_loyalty)
    order = buy(shop_loyalty, "SF-1", "RNG-FERN")
    assert order.reference == "SF-1"
    [grant] = grants(shop_loyalty)
    assert grant.suggestions == []
    worker_mails_offers(shop_loyalty)
    [mail] = mails(shop_loyalty)
    assert grant.code.display in mail.text_body
    assert shop_loyalty.state.session.scalar(sa.select(sa.func.count(PointsEntry.id)))
    [record] = [r for r in caplog.records if r.name == "flask_loyalty.offers"]
    assert "catalog_loader failed" in record.getMessage()
    assert "the product service is down" in record.exc_text


def test_only_the_first_order_and_a_repeat_of_it_changes_nothing(
    shop_loyalty: Loyalty,
) -> None:
    make_offer(shop_loyalty)
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    buy(shop_loyalty, "SF-1", "RNG-FERN")  # the shop retries the same order
    buy(shop_loyalty, "SF-2", "NCK-FERN")
    assert len(grants(shop_loyalty)) == 1
    assert worker_mails_offers(shop_loyalty) == 1
    assert len(mails(shop_loyalty)) == 1


def test_no_offer_email_for_a_customer_erased_before_the_worker_ran(
    shop_loyalty: Loyalty,
) -> None:
    make_offer(shop_loyalty)
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    state = shop_loyalty.state
    erase_person(state.session, state.now(), "anna@example.com")
    state.session.commit()
    assert worker_mails_offers(shop_loyalty) == 0
    assert mails(shop_loyalty) == []
    [grant] = grants(shop_loyalty)
    assert not grant.mail_due  # let go, not retried


def test_the_offer_is_issued_in_the_orders_transaction(
    shop_loyalty: Loyalty,
) -> None:
    make_offer(shop_loyalty)
    buy(shop_loyalty, "SF-1", "RNG-FERN", commit=False)
    assert len(grants(shop_loyalty)) == 1
    shop_loyalty.state.session.rollback()  # the shop's payment failed
    assert grants(shop_loyalty) == []
    assert mails(shop_loyalty) == []


def test_suggestions_are_deterministic_and_leave_out_what_does_not_fit() -> None:
    class Bought:
        def __init__(self, sku: str) -> None:
            item = line(sku)
            self.sku, self.name, self.category = item.sku, item.name, item.category
            self.unit_price_cents = int(item.unit_price * 100)

    bought = [Bought("RNG-TIDE")]  # 24.00: the band is 12.00 to 36.00
    first = suggest(CATALOG, bought, "EUR")
    assert first == suggest(list(reversed(CATALOG)), bought, "EUR")
    assert [(s["sku"], s["reason"]) for s in first] == [("EAR-FERN", "other_category")]
    # Not what she bought, nothing unavailable (EAR-GONE), nothing out of her band.
    assert suggest(CATALOG, bought, "EUR", owned={"EAR-FERN"}) == []


def test_the_account_page_shows_her_code_and_suggestions(
    shop: Flask, shop_loyalty: Loyalty
) -> None:
    make_offer(shop_loyalty)
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    code = grants(shop_loyalty)[0].code.display
    client = shop.test_client()
    sign_in(client, "anna@example.com")
    html = client.get("/loyalty/").get_data(as_text=True)
    assert "Your offers" in html
    assert f"<code>{code}</code>" in html
    assert "Fern Frond Pendant" in html
    g.pop("loyalty_customer", None)  # requests share the test's app context
    other = shop.test_client()
    sign_in(other, "bob@example.com")
    assert code not in other.get("/loyalty/").get_data(as_text=True)


def test_the_shop_shows_the_offer_on_its_confirmation_page(
    shop: Flask, shop_loyalty: Loyalty
) -> None:
    make_offer(shop_loyalty)
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    code = grants(shop_loyalty)[0].code.display
    page = (
        '{% from "loyalty/offers/_macros.html" import offer_for_order %}'
        "<main>{{ offer_for_order(number) }}</main>"
    )
    with shop.test_request_context():
        html = render_template_string(page, number="SF-1")
        assert "A thank-you for you, Anna" in html
        assert f"<code>{code}</code>" in html
        assert "Goes with your Fern Leaf Ring." in html
        empty = render_template_string(page, number="SF-404")
        assert "".join(empty.split()) == "<main></main>"


def test_a_stamp_card_fills_and_gives_the_next_one_free(
    shop: Flask, shop_loyalty: Loyalty
) -> None:
    make_offer(
        shop_loyalty,
        name="Buy 3, the next one free",
        trigger=om.STAMP_CARD,
        trigger_n=3,
        benefit=om.PERCENT,
        percent=100,
        categories="rings",
    )
    for n in range(1, 6):
        buy(shop_loyalty, f"SF-{n}", "RNG-TIDE")
    assert [g.key.rsplit(":", 1)[1] for g in grants(shop_loyalty)] == ["1"]
    client = shop.test_client()
    sign_in(client, "anna@example.com")
    html = client.get("/loyalty/").get_data(as_text=True)
    assert "Buy 3, the next one free: 2 of 3 stamps" in html
    assert html.count("stamp full") == 2
    code = grants(shop_loyalty)[0].code.display
    free = shop_loyalty.quote_discount(
        code,
        email="anna@example.com",
        subtotal=Decimal("24.00"),
        items=[line("RNG-TIDE")],
    )
    assert free.discount == Decimal("24.00")


def test_nth_and_every_purchase_offers(shop_loyalty: Loyalty) -> None:
    make_offer(shop_loyalty, name="Third", trigger=om.NTH_PURCHASE, trigger_n=3)
    make_offer(shop_loyalty, name="Later", trigger=om.EVERY_PURCHASE, percent=10)
    for n in range(1, 5):
        buy(shop_loyalty, f"SF-{n}", "RNG-TIDE")
    names = [g.offer.name for g in grants(shop_loyalty)]
    assert names == ["Later", "Third", "Later", "Later"]  # orders 2, 3, 3, 4


def test_bonus_points_and_a_multiplier(shop_loyalty: Loyalty) -> None:
    make_offer(
        shop_loyalty, name="Bonus", benefit=om.BONUS_POINTS, percent=0, points=300
    )
    make_offer(
        shop_loyalty,
        name="Double",
        benefit=om.MULTIPLIER,
        percent=0,
        points=200,
        trigger=om.FIRST_PURCHASE,
    )
    buy(shop_loyalty, "SF-1", "RNG-TIDE")  # 24.00: 120 points
    session = shop_loyalty.state.session
    bonus = session.scalars(
        sa.select(PointsEntry.points).where(PointsEntry.key.like("offer:%"))
    ).all()
    assert bonus == [300]
    double = next(g for g in grants(shop_loyalty) if g.offer.name == "Double")
    buy(shop_loyalty, "SF-2", "NCK-FERN", commit=False)  # 46.00: 230 points
    shop_loyalty.redeem_discount(double.code.display, "SF-2")
    extra = session.scalars(
        sa.select(PointsEntry.points).where(PointsEntry.key.like("multiplier:%"))
    ).all()
    assert extra == [230]


def test_imported_old_orders_issue_no_offers(
    shop_loyalty: Loyalty, clock: FrozenClock
) -> None:
    make_offer(shop_loyalty)
    buy(shop_loyalty, "OLD-1", "RNG-FERN", placed_at=clock.now - timedelta(days=30))
    assert grants(shop_loyalty) == []
    buy(shop_loyalty, "SF-1", "RNG-FERN", email="bob@example.com")
    assert [g.customer.email for g in grants(shop_loyalty)] == ["bob@example.com"]


def test_the_worker_mails_the_offer_an_order_earned(
    shop: Flask, shop_loyalty: Loyalty
) -> None:
    """``flask loyalty run-due`` (and each round of ``worker``) writes the email
    of the offers orders earned, in the reader's language, once."""
    make_offer(shop_loyalty)
    buy(shop_loyalty, "SF-1", "RNG-FERN")
    buy(shop_loyalty, "SF-2", "RNG-FERN", email="bob@example.com", name="Bob Lee")
    runner = shop.test_cli_runner()
    first = runner.invoke(args=["loyalty", "run-due"])
    assert first.exit_code == 0, first.output
    assert "Offer emails: 2" in first.output
    again = runner.invoke(args=["loyalty", "run-due"])
    assert again.exit_code == 0, again.output
    assert "Offer emails:" not in again.output  # nothing more to write
    assert sorted(m.to_addr for m in mails(shop_loyalty)) == [
        "anna@example.com",
        "bob@example.com",
    ]
