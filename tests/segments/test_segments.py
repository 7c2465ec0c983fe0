"""Maria sees who her regular, rare, former and best customers are, and writes to
them; the segments are computed in SQL and agree with a plain count."""

from __future__ import annotations

import random
import re
import typing as t
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty import InvalidSegment
from flask_loyalty import Loyalty
from flask_loyalty.models import OutboxMessage
from flask_loyalty.newsletter import campaigns
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service as newsletter
from flask_loyalty.newsletter.mail import build_due_campaigns
from flask_loyalty.points.program import add_months
from flask_loyalty.segments import service
from flask_loyalty.segments.service import SEGMENTS
from flask_loyalty.segments.service import Thresholds

PEOPLE = {
    # email: [(days ago, total)]
    "regular.heavy@example.com": [(10, "100"), (40, "100"), (100, "60"), (200, "40")],
    "regular.light@example.com": [(5, "20"), (50, "20"), (300, "20")],
    "rare.heavy@example.com": [(20, "250")],
    "rare.light@example.com": [(30, "25"), (90, "25")],
    "former@example.com": [(430, "80")],
    "first@example.com": [(3, "20")],
}
EXPECTED = {
    "regular_heavy": ["regular.heavy@example.com"],
    "regular_light": ["regular.light@example.com"],
    "rare_heavy": ["rare.heavy@example.com"],
    "rare_light": ["rare.light@example.com", "first@example.com"],
    "first_time": ["rare.heavy@example.com", "first@example.com"],
    "former": ["former@example.com"],
    "top_20": ["regular.heavy@example.com"],
    "next_40": ["rare.heavy@example.com", "regular.light@example.com"],
}


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> t.Iterator[Flask]:
    app = make_app(database_url=database_url)
    with app.app_context():
        yield app


@pytest.fixture
def loyalty(shop: Flask) -> Loyalty:
    return t.cast(Loyalty, shop.extensions["loyalty"].extension)


def record(loyalty: Loyalty, people: dict[str, list[tuple[int, str]]]) -> None:
    now = loyalty.state.now()
    for email, orders in people.items():
        for n, (days, total) in enumerate(orders):
            loyalty.record_order(
                f"{email}-{n}",
                email=email,
                total=Decimal(total),
                placed_at=now - timedelta(days=days),
                commit=False,
            )
    loyalty.state.session.commit()


def members(loyalty: Loyalty, segment: str) -> list[str]:
    state = loyalty.state
    rows = service.members(state.session, state.now(), segment)
    return [row[0].email for row in rows]


def test_each_segment_has_the_right_people(loyalty: Loyalty) -> None:
    record(loyalty, PEOPLE)
    state = loyalty.state
    sizes = service.sizes(state.session, state.now())
    assert sizes == {key: len(emails) for key, emails in EXPECTED.items()}
    for key, emails in EXPECTED.items():
        assert members(loyalty, key) == emails, key


def test_thresholds_move_people_between_segments(loyalty: Loyalty) -> None:
    record(loyalty, PEOPLE)
    state = loyalty.state
    service.save_thresholds(
        state.session,
        state.now(),
        Thresholds(regular_orders=2, heavy_spend_cents=5000, former_months=6),
    )
    state.session.commit()
    sizes = service.sizes(state.session, state.now())
    assert sizes["regular_heavy"] == 3  # regular.heavy, regular.light, rare.light
    assert sizes["rare_heavy"] == 1
    with pytest.raises(InvalidSegment):
        service.save_thresholds(state.session, state.now(), Thresholds(1, 5000, 6))
    with pytest.raises(InvalidSegment):
        service.members(state.session, state.now(), "nobody")


def python_sizes(
    orders: list[tuple[int, int, t.Any]], now: t.Any, th: Thresholds
) -> dict[str, int]:
    """The same segments, counted in Python from the raw orders."""
    year_ago, former = add_months(now, -12), add_months(now, -th.former_months)
    stats: dict[int, dict[str, t.Any]] = {}
    for cid, cents, placed in orders:
        s = stats.setdefault(cid, {"all": 0, "n": 0, "spend": 0, "last": placed})
        s["all"] += 1
        s["last"] = max(s["last"], placed)
        if placed >= year_ago:
            s["n"] += 1
            s["spend"] += cents
    buyers = sorted(
        (c for c, s in stats.items() if s["n"]), key=lambda c: (-stats[c]["spend"], c)
    )
    top = -(-len(buyers) * 20 // 100)
    next40 = -(-len(buyers) * 60 // 100)
    counts = dict.fromkeys(SEGMENTS, 0)
    for s in stats.values():
        regular, rare = s["n"] >= th.regular_orders, 1 <= s["n"] < th.regular_orders
        heavy, light = s["spend"] >= th.heavy_spend_cents, s["n"] >= 1
        light = light and not heavy
        counts["regular_heavy"] += regular and heavy
        counts["regular_light"] += regular and light
        counts["rare_heavy"] += rare and heavy
        counts["rare_light"] += rare and light
        counts["former"] += s["last"] < former
        counts["first_time"] += s["all"] == 1 and s["last"] >= former
    counts["top_20"] = top
    counts["next_40"] = next40 - top
    return counts


def test_the_sql_agrees_with_a_plain_count_on_random_shops(
    loyalty: Loyalty,
) -> None:
    rng = random.Random(5)
    people = {
        f"c{n}@example.com": [
            (rng.randint(0, 900), f"{rng.randint(1, 300)}.00")
            for _ in range(rng.choice((1, 1, 2, 3, 5, 8)))
        ]
        for n in range(80)
    }
    record(loyalty, people)
    state = loyalty.state
    from flask_loyalty.models import Order

    orders = state.session.execute(
        sa.select(Order.customer_id, Order.total_cents, Order.placed_at)
    ).all()
    for th in (Thresholds(), Thresholds(2, 15000, 6), Thresholds(5, 50000, 24)):
        assert service.sizes(state.session, state.now(), th) == python_sizes(
            list(orders), state.now(), th
        )


@pytest.fixture
def owner(shop: Flask, loyalty: Loyalty) -> FlaskClient:
    loyalty.owner_check(lambda: True)
    record(loyalty, PEOPLE)
    return shop.test_client()


def token(html: str) -> str:
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert match, html
    return match.group(1)


def test_the_owner_sees_sizes_and_members_and_sets_thresholds(
    owner: FlaskClient, loyalty: Loyalty
) -> None:
    page = owner.get("/loyalty/owner/segments/").get_data(as_text=True)
    assert re.search(r"Former buyers</a></td><td class=\"num\">1<", page)
    assert re.search(r"First-time buyers</a></td><td class=\"num\">2<", page)
    members_page = owner.get("/loyalty/owner/segments/rare_light").get_data(
        as_text=True
    )
    assert "rare.light@example.com" in members_page
    assert "regular.heavy@example.com" not in members_page
    assert owner.get("/loyalty/owner/segments/nobody").status_code == 404
    top = owner.get("/loyalty/owner/segments/top_20").get_data(as_text=True)
    assert "regular.heavy@example.com" in top and "€300.00" in top
    bad = owner.post(
        "/loyalty/owner/segments/",
        data={
            "csrf_token": token(page),
            "regular_orders": "1",
            "heavy_spend": "50",
            "former_months": "6",
        },
    )
    assert bad.status_code == 400
    assert service.load_thresholds(loyalty.state.session) == Thresholds()
    good = owner.post(
        "/loyalty/owner/segments/",
        data={
            "csrf_token": token(page),
            "regular_orders": "2",
            "heavy_spend": "50",
            "former_months": "6",
        },
    )
    assert good.status_code == 302
    assert service.load_thresholds(loyalty.state.session) == Thresholds(2, 5000, 6)


def test_a_campaign_can_go_to_a_segment_only(
    owner: FlaskClient, loyalty: Loyalty, clock: FrozenClock
) -> None:
    state = loyalty.state
    s, now = state.session, state.now()
    topic = preferences.add_topic(s, now, "New pieces")
    consent = newsletter.Consent("Yes", "1", "test")
    for email in ("regular.heavy@example.com", "former@example.com", "x@example.com"):
        sub, _ = newsletter.subscribe(
            s, now, email=email, first_name=None, topic_ids=[topic.id], consent=consent
        )
        newsletter.confirm(s, now, sub)
    campaign = campaigns.save_campaign(
        s, now, None, subject="Back soon", body="Hello", topic_ids=[topic.id]
    )
    s.commit()
    url = "/loyalty/owner/segments/former"
    page = owner.get(url).get_data(as_text=True)
    response = owner.post(
        url,
        data={"csrf_token": token(page), "campaign": str(campaign.id), "action": "use"},
    )
    assert response.status_code == 302
    assert "Going only to this segment: Back soon" in owner.get(url).get_data(
        as_text=True
    )
    s.expire_all()
    campaigns.schedule(s, state.now(), s.merge(campaign), state.now())
    s.commit()
    build_due_campaigns(state)
    sent = s.scalars(
        sa.select(OutboxMessage.to_addr).where(OutboxMessage.kind == "campaign")
    ).all()
    assert sent == ["former@example.com"]
