"""Maria holds back a share of her first-purchase offer's customers to measure it."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import Loyalty
from flask_loyalty import signals
from flask_loyalty.codes.models import DiscountCode
from flask_loyalty.customers.models import Customer
from flask_loyalty.measure.models import HoldoutDecision
from flask_loyalty.measure.uplift import groups
from flask_loyalty.models import Offer
from flask_loyalty.models import OfferGrant
from flask_loyalty.models import OutboxMessage
from flask_loyalty.offers.messages import mail_due_offers
from tests.sql import sent_statements

from .conftest import CATALOG
from .conftest import buy
from .conftest import form_token
from .conftest import make_offer
from .conftest import owner_shop
from .test_owner import offer_form


def _decisions(loyalty: Loyalty) -> dict[int, bool]:
    rows = loyalty.state.session.execute(
        sa.select(HoldoutDecision.customer_id, HoldoutDecision.held_out)
    ).all()
    return {cid: out for cid, out in rows}


def test_held_out_customers_get_nothing_and_are_not_told(
    shop_loyalty: Loyalty,
) -> None:
    offer = make_offer(shop_loyalty, holdout_percent=50)
    heard: list[t.Any] = []
    with signals.held_out.connected_to(lambda _app, **kw: heard.append(kw["decision"])):
        for i in range(30):
            buy(shop_loyalty, f"SF-{i}", email=f"p{i}@example.com", name=f"P {i}")
    session = shop_loyalty.state.session
    decided = _decisions(shop_loyalty)
    assert len(decided) == 30
    out = {cid for cid, held in decided.items() if held}
    assert 5 <= len(out) <= 25
    granted = set(session.scalars(sa.select(OfferGrant.customer_id)))
    assert granted == set(decided) - out
    assert {d.customer_id for d in heard} == out
    assert {(d.measure, d.measure_id, d.share) for d in heard} == {
        ("offer", offer.id, 50)
    }
    coded = set(session.scalars(sa.select(DiscountCode.customer_id)))
    assert coded & out == set()
    assert mail_due_offers(shop_loyalty.state) == len(granted)
    mailed = set(
        session.scalars(
            sa.select(OutboxMessage.to_addr).where(OutboxMessage.kind == "offer")
        )
    )
    assert len(mailed) == len(granted)


def test_a_held_out_customer_stays_out_when_the_share_is_lowered(
    shop: Flask, shop_loyalty: Loyalty
) -> None:
    shop_loyalty.owner_check(lambda: True)
    owner = shop.test_client()
    offer = make_offer(shop_loyalty, trigger="every_purchase", holdout_percent=50)
    for i in range(20):
        buy(shop_loyalty, f"A-{i}", email=f"q{i}@example.com")
        buy(shop_loyalty, f"B-{i}", email=f"q{i}@example.com")
    before = _decisions(shop_loyalty)
    page = owner.get(f"/loyalty/owner/offers/{offer.id}").get_data(as_text=True)
    assert 'name="holdout_percent"' in page and 'value="50"' in page
    data = offer_form(page, trigger="every_purchase", holdout_percent="0")
    response = owner.post(f"/loyalty/owner/offers/{offer.id}", data=data)
    assert response.status_code == 302
    session = shop_loyalty.state.session
    assert session.get(Offer, offer.id).holdout_percent == 0
    for i in range(20):
        buy(shop_loyalty, f"C-{i}", email=f"q{i}@example.com")
    assert _decisions(shop_loyalty) == before
    out = {cid for cid, held in before.items() if held}
    assert out
    granted = set(session.scalars(sa.select(OfferGrant.customer_id)))
    assert granted & out == set()


def test_a_bad_share_is_refused_and_the_offer_kept(
    shop: Flask, shop_loyalty: Loyalty
) -> None:
    shop_loyalty.owner_check(lambda: True)
    owner = shop.test_client()
    offer = make_offer(shop_loyalty, holdout_percent=20)
    page = owner.get(f"/loyalty/owner/offers/{offer.id}").get_data(as_text=True)
    data = offer_form(page, holdout_percent="75", name="Renamed")
    response = owner.post(f"/loyalty/owner/offers/{offer.id}", data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "A holdout share must be from 0 to 50 percent" in html
    assert form_token(html)
    shop_loyalty.state.session.expire_all()
    kept = shop_loyalty.state.session.get(Offer, offer.id)
    assert (kept.name, kept.holdout_percent) == ("Thank you", 20)


def test_the_report_compares_the_two_groups_over_their_window(
    shop: Flask, shop_loyalty: Loyalty, clock: t.Any
) -> None:
    offer = make_offer(shop_loyalty, holdout_percent=50)
    for i in range(40):  # her first order decides, and is not counted
        buy(shop_loyalty, f"SF-{i}", email=f"p{i}@example.com")
    clock.advance(days=5)
    for i in range(0, 40, 3):
        buy(shop_loyalty, f"AGAIN-{i}", "NCK-FERN", email=f"p{i}@example.com")
    session = shop_loyalty.state.session
    decided = _decisions(shop_loyalty)
    emails = dict(session.execute(sa.select(Customer.id, Customer.email)).all())
    back = {cid for cid in decided if int(emails[cid][1:].split("@")[0]) % 3 == 0}
    treated, held, revenue = groups(session, "offer", offer.id, clock.now)
    out = {cid for cid, h in decided.items() if h}
    assert (held.people, treated.people) == (len(out), 40 - len(out))
    assert held.came_back == len(back & out) == held.orders
    assert treated.came_back == len(back - out) == treated.orders
    assert held.revenue_cents == 4600 * len(back & out)  # the pendant, 46.00
    assert sorted(revenue[True]) == sorted(4600 if cid in back else 0 for cid in out)
    shop_loyalty.owner_check(lambda: True)
    page = shop.test_client().get(f"/loyalty/owner/offers/{offer.id}/report")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert 'data-verdict="too_few"' in html
    assert "Too few people yet to tell: about" in html
    assert "Held out" in html and "Got it" in html


def test_an_offer_nobody_is_held_out_of_says_there_is_nothing_to_compare(
    shop: Flask, shop_loyalty: Loyalty
) -> None:
    offer = make_offer(shop_loyalty, holdout_percent=0)
    buy(shop_loyalty, "SF-1")
    shop_loyalty.owner_check(lambda: True)
    html = (
        shop.test_client()
        .get(f"/loyalty/owner/offers/{offer.id}/report")
        .get_data(as_text=True)
    )
    assert "No one is held out of it, so there is nothing to compare with." in html
    assert f'href="/loyalty/owner/offers/{offer.id}"' in html


def test_the_overview_lists_an_offer_that_pays(
    shop: Flask, shop_loyalty: Loyalty, clock: t.Any
) -> None:
    shop_loyalty.owner_check(lambda: True)
    owner = shop.test_client()
    empty = owner.get("/loyalty/owner/").get_data(as_text=True)
    assert "No offer or journey holds anyone out yet" in empty
    offer = make_offer(shop_loyalty, name="Thank-you gift", holdout_percent=50)
    for i in range(60):
        buy(shop_loyalty, f"SF-{i}", email=f"r{i}@example.com")
    clock.advance(days=10)
    out = {cid for cid, held in _decisions(shop_loyalty).items() if held}
    emails = dict(
        shop_loyalty.state.session.execute(sa.select(Customer.id, Customer.email)).all()
    )
    for cid, email in emails.items():
        if cid not in out:  # everyone who got it came back; no one held out did
            buy(shop_loyalty, f"AGAIN-{cid}", "NCK-FERN", email=email)
    page = owner.get("/loyalty/owner/").get_data(as_text=True)
    pays = page.split('data-section="pays"')[1].split("</ul>")[0]
    assert f'href="/loyalty/owner/offers/{offer.id}/report"' in pays
    assert "Thank-you gift" in pays
    assert "Brought back about 100 more customers in 100" in pays
    report = owner.get(f"/loyalty/owner/offers/{offer.id}/report")
    html = report.get_data(as_text=True)
    assert 'data-verdict="pays"' in html
    assert "Each person who got it spent about" in html


@pytest.mark.browser
def test_the_comparison_reads_on_a_phone_without_scripts(
    make_app: t.Callable[..., Flask], live_server: t.Any, browser: t.Any, clock: t.Any
) -> None:
    app, loyalty = owner_shop(make_app)
    with app.app_context():
        offer_id = make_offer(loyalty, holdout_percent=50).id
        for i in range(60):
            buy(loyalty, f"SF-{i}", email=f"r{i}@example.com")
        clock.advance(days=10)
        for i in range(0, 60, 2):
            buy(loyalty, f"AGAIN-{i}", "NCK-FERN", email=f"r{i}@example.com")
    base = live_server(app)
    phone = browser.new_context(
        viewport={"width": 390, "height": 844}, java_script_enabled=False
    )
    try:
        page = phone.new_page()
        for url in (f"/loyalty/owner/offers/{offer_id}/report", "/loyalty/owner/"):
            page.goto(f"{base}{url}")
            page.get_by_role("heading", name="Does it pay?").wait_for()
            assert page.evaluate("document.documentElement.scrollWidth") <= 390
        page.goto(f"{base}/loyalty/owner/offers/{offer_id}/report")
        table = page.locator("section.uplift table")
        assert "Held out" in table.inner_text()
        assert "Got it" in table.inner_text()
    finally:
        phone.close()


def test_no_products_are_chosen_for_a_customer_held_out(
    make_app: t.Callable[..., Flask], database_url: str
) -> None:
    """Her suggestions cost the shop's catalog loader and a read of what was bought
    together: a customer held out of the offer gets no grant to show them in, so
    her first order runs neither."""
    app = make_app(database_url=database_url)
    loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)
    loaded: list[int] = []
    loyalty.catalog_loader(lambda: loaded.append(1) or CATALOG)
    with app.app_context():
        make_offer(loyalty, holdout_percent=50)
        with sent_statements(loyalty.state.db.engine) as sent:
            for i in range(30):
                buy(loyalty, f"SF-{i}", email=f"p{i}@example.com")
        pairs_read = [
            sql
            for sql in sent
            if sql.startswith("SELECT") and "FROM loyalty_copurchases" in sql
        ]
        decided = _decisions(loyalty)
        granted = loyalty.state.session.scalars(sa.select(OfferGrant)).all()
    held = [cid for cid, out in decided.items() if out]
    assert len(decided) == 30 and 5 <= len(held) <= 25
    assert len(granted) == 30 - len(held)
    assert len(loaded) == len(pairs_read) == len(granted)
    assert all(grant.suggestions for grant in granted)
