"""Maria opens the owner overview: how the programme did over the last 7, 30 or
90 days beside the days before, and what waits for her."""

from __future__ import annotations

import re
import typing as t
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty.deliverability.models import HARD_BOUNCE
from flask_loyalty.deliverability.models import MailEvent
from flask_loyalty.newsletter.models import SCHEDULED
from flask_loyalty.newsletter.models import Campaign
from flask_loyalty.outbox.models import FAILED
from flask_loyalty.outbox.queueing import queue_mail
from flask_loyalty.owner import views as owner_views
from flask_loyalty.owner.figures import Compared
from flask_loyalty.owner.figures import Dashboard
from flask_loyalty.owner.figures import Day
from flask_loyalty.owner.figures import Rate
from flask_loyalty.owner.figures import Waiting
from flask_loyalty.owner.figures import dashboard
from flask_loyalty.points.models import PointsEntry
from flask_loyalty.points.service import redeem_points
from tests.sql import sent_statements

from ..returns.conftest import place_order
from ..returns.conftest import request_return

# The clock stands at 2026-03-02 10:00 UTC: the last 30 days are 1 February to
# 2 March, the 30 before them 2 to 31 January.
ORDERS = [
    # (when, order, email, total, pays with a points code)
    ("2025-12-15 12:00", "SF-E1", "eve@example.com", "30.00", False),
    ("2026-01-10 12:00", "SF-A1", "anna@example.com", "100.00", False),
    ("2026-01-20 09:00", "SF-B1", "bea@example.com", "50.00", False),
    ("2026-01-20 12:00", "SF-A2", "anna@example.com", "40.00", True),
    ("2026-02-05 12:00", "SF-B2", "bea@example.com", "60.00", False),
    ("2026-02-10 12:00", "SF-C1", "cleo@example.com", "1234.56", False),
    ("2026-03-01 12:00", "SF-C2", "cleo@example.com", "20.00", True),
    ("2026-03-02 09:00", "SF-D1", "dan@example.com", "10.00", False),
]


def at(text: str) -> datetime:
    return datetime.strptime(text, "%Y-%m-%d %H:%M").replace(tzinfo=UTC)


@pytest.fixture
def shop(
    make_app: t.Callable[..., Flask], database_url: str, clock: FrozenClock
) -> Flask:
    """Five customers over three months; two orders paid with a points code (on
    SQLite and on PostgreSQL)."""
    app = make_app(database_url=database_url)
    loyalty = app.extensions["loyalty"].extension
    start = clock.now
    with app.app_context():
        state = loyalty.state
        for when, ref, email, total, with_code in ORDERS:
            clock.now = at(when)
            code = None
            if with_code:  # her first order's points, turned into a code
                customer_id = state.session.scalar(
                    sa.text("SELECT id FROM loyalty_customers WHERE email = :e"),
                    {"e": email},
                )
                code = redeem_points(
                    state.session,
                    clock.now,
                    customer_id=customer_id,
                    points=500,
                    currency="EUR",
                ).code
                state.session.commit()
            loyalty.record_order(
                ref, email=email, total=Decimal(total), placed_at=at(when)
            )
            if code:
                loyalty.redeem_discount(code, ref)
    clock.now = start
    loyalty.owner_check(lambda: True)
    return app


@pytest.fixture
def client(shop: Flask) -> FlaskClient:
    return shop.test_client()


def points_in_ledger(app: Flask) -> int:
    """Every customer's points, summed from the ledger's entries."""
    with app.app_context():
        session = app.extensions["loyalty"].session
        return int(session.scalar(sa.select(sa.func.sum(PointsEntry.points))))


def card(html: str, title: str) -> str:
    """The text of the card headed ``title``, tags removed."""
    match = re.search(rf"<h2>{re.escape(title)}</h2>(.*?)</section>", html, re.S)
    assert match, title
    return " ".join(re.sub(r"<[^>]+>", " ", match.group(1)).split())


def test_the_figures_of_the_last_30_days_beside_the_30_before(
    shop: Flask, client: FlaskClient
) -> None:
    html = client.get("/loyalty/owner/").get_data(as_text=True)
    assert "Feb 1\u2009–\u2009Mar 2, 2026, compared with the 30 days before" in html
    # Cleo and Dan joined in this period, Anna and Bea in the one before; Eve earlier
    assert card(html, "Members") == ("5 2 new in this period Previous period: 2")
    assert card(html, "Codes redeemed") == "1 Previous period: 1"
    assert card(html, "Sales with a code") == (
        "€20.00 of €1,324.56 in all Previous period: €40.00 down 50%"
    )
    # Bea (her second order) and Cleo (two in the period) of three buyers; in
    # January Anna of two (Bea's first order)
    assert card(html, "Repeat-purchase rate") == (
        "67% 2 of 3 buyers have ordered more than once Previous period: 50%"
    )
    points = points_in_ledger(shop)
    assert points > 1000
    text = card(html, "Points not yet used")
    assert text == f"€{points / 100:,.2f} {points:,} points"


@pytest.mark.parametrize(
    ("days", "period", "codes", "sales"),
    [
        (
            "7",
            "Feb 24\u2009–\u2009Mar 2, 2026",
            "1 Previous period: 0",
            "€20.00 of €30.00 in all Previous period: €0.00",
        ),
        (
            "90",
            "Dec 3, 2025\u2009–\u2009Mar 2, 2026",
            "2 Previous period: 0",
            "€60.00 of €1,544.56 in all Previous period: €0.00",
        ),
    ],
)
def test_the_owner_chooses_the_period(
    shop: Flask, client: FlaskClient, days: str, period: str, codes: str, sales: str
) -> None:
    html = client.get(f"/loyalty/owner/?days={days}").get_data(as_text=True)
    assert period in html
    assert card(html, "Codes redeemed") == codes
    assert card(html, "Sales with a code") == sales
    assert re.search(rf'<button name="days" value="{days}" aria-pressed="true">', html)
    periods = html.split('<form method="get" class="periods"', 1)[1].split("</form>")[0]
    assert periods.count('aria-pressed="true"') == 1


@pytest.mark.parametrize("days", ["", "14", "abc", "-7", "7.5", "1" * 400, "%00"])
def test_a_period_that_is_not_offered_shows_30_days(
    shop: Flask, client: FlaskClient, days: str
) -> None:
    response = client.get(f"/loyalty/owner/?days={days}")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "compared with the 30 days before" in html
    assert '<button name="days" value="30" aria-pressed="true">' in html


def test_the_chart_has_a_bar_for_each_day(shop: Flask, client: FlaskClient) -> None:
    html = client.get("/loyalty/owner/?days=7").get_data(as_text=True)
    svg = html.split("<svg", 1)[1].split("</svg>", 1)[0]
    days = re.findall(r'data-day="([0-9-]+)"><title>([^<]*)</title>', svg)
    assert [day for day, _title in days] == [f"2026-02-{d}" for d in range(24, 29)] + [
        "2026-03-01",
        "2026-03-02",
    ]
    assert days[-2][1] == "Mar 1, 2026 · with a code: 1, without: 0"
    assert days[-1][1] == "Mar 2, 2026 · with a code: 0, without: 1"
    assert "<script" not in html


def test_the_figures_take_a_few_queries(shop: Flask, clock: FrozenClock) -> None:
    loyalty = shop.extensions["loyalty"].extension
    with shop.app_context():
        engine = loyalty.state.session.get_bind()
        with sent_statements(engine) as statements:
            figures = dashboard(loyalty.state.session, clock.now, 30, "EUR")
    assert len(statements) <= 8
    assert figures.revenue_cents.now == 132456
    assert figures.code_revenue_cents.before == 4000


def test_the_dashboard_says_what_waits_for_the_owner(
    make_app: t.Callable[..., Flask], clock: FrozenClock
) -> None:
    app = make_app()
    loyalty = app.extensions["loyalty"].extension
    loyalty.owner_check(lambda: True)
    client = app.test_client()
    html = client.get("/loyalty/owner/").get_data(as_text=True)
    assert "Nothing is waiting for you." in html

    with app.app_context():
        place_order(loyalty, "SF-1", days_ago=3)
    assert request_return(client, app, {"RNG-FERN": 1}).status_code == 302
    with app.app_context():
        state = loyalty.state
        now = state.now()
        for status in (SCHEDULED, SCHEDULED, "draft"):
            state.session.add(
                Campaign(
                    subject="News",
                    body="Hi",
                    status=status,
                    send_at=now,
                    created_at=now,
                    updated_at=now,
                )
            )
        state.session.add(
            MailEvent(
                kind=HARD_BOUNCE,
                email="x@example.com",
                email_hash="x",
                source="smtp",
                at=now,
            )
        )
        message = queue_mail(
            state.session,
            now,
            kind="test",
            to="anna@example.com",
            subject="Hello",
            text="Body",
        )
        message.status = FAILED
        state.session.commit()

    html = client.get("/loyalty/owner/").get_data(as_text=True)
    waiting = re.findall(
        r'<li><a href="([^"]+)">([^<]+)</a></li>',
        html.split("<h2>Waiting for you</h2>", 1)[1].split("</section>", 1)[0],
    )
    assert waiting == [
        ("/loyalty/owner/returns/?status=requested", "1 return to approve"),
        ("/loyalty/owner/newsletter/", "2 campaigns scheduled"),
        ("/loyalty/owner/deliverability", "1 bounce or complaint in this period"),
        ("/loyalty/owner/outbox", "1 email could not be sent"),
    ]
    for url, _text in waiting:
        assert client.get(url).status_code == 200


BIG = Dashboard(
    days=30,
    start=datetime(2026, 2, 1, tzinfo=UTC),
    members=12345,
    new_members=Compared(1234, 5678),
    points_outstanding=9876543,
    points_value_cents=9876543,
    codes_redeemed=Compared(1234, 4321),
    code_revenue_cents=Compared(1234567, 18190),
    revenue_cents=Compared(12345678, 9876543),
    repeat_rate=Rate(1234, 5678),
    repeat_rate_before=Rate(5678, 9999),
    chart=[Day(date(2026, 2, 1) + timedelta(days=i), 1234, 4321) for i in range(30)],
    waiting=Waiting(1234, 1234, 1234, 1234),
)
"""Four- and five-digit figures, sums in the ten thousands."""


@pytest.mark.browser
@pytest.mark.parametrize("language", ["en", "hu", "el"])
def test_no_figure_overflows_its_card_on_a_desktop_or_a_phone(
    make_app: t.Callable[..., Flask],
    live_server: t.Any,
    browser: t.Any,
    monkeypatch: pytest.MonkeyPatch,
    language: str,
) -> None:
    monkeypatch.setattr(owner_views, "dashboard", lambda *args: BIG)
    app = make_app(SERVER_NAME=None)
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    base = live_server(app)
    for width in (1280, 390):
        context = browser.new_context(
            viewport={"width": width, "height": 900}, locale=language
        )
        try:
            page = context.new_page()
            page.goto(f"{base}/loyalty/owner/")
            assert page.locator("html").get_attribute("lang") == language
            assert page.evaluate("document.documentElement.scrollWidth") <= width
            # the shop's name keeps its words whole beside the header's links
            assert page.locator(".owner-shop").bounding_box()["height"] < 64
            boxes = page.evaluate(
                """() => [...document.querySelectorAll(
                       '.cards .card, .cards .card *, .dashboard-head, .periods')]
                   .map(e => [e.className || e.tagName, e.textContent.trim(),
                              e.scrollWidth, e.clientWidth])"""
            )
            assert len(boxes) > 30
            over = [box for box in boxes if box[2] > box[3] and box[3] > 0]
            assert not over, (width, over)
            if language == "hu":  # the figure of the review: "181,90 EUR"
                page.goto(f"{base}/loyalty/owner/?days=7")
                assert "181,90\xa0EUR" in page.locator(".cards").inner_text()
        finally:
            context.close()
