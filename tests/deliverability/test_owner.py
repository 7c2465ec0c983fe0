"""The owner sees the figures, the complaint rate against 0.3%, and why each address
is suppressed; she can lift a suppression. A complaint stops marketing mail only."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.deliverability import figures
from flask_loyalty.newsletter import service as newsletter
from flask_loyalty.outbox.models import SENT
from flask_loyalty.outbox.models import SUPPRESSED
from flask_loyalty.outbox.queueing import queue_mail

from .conftest import MakeApp
from .conftest import RawSMTPServer
from .conftest import add_subscribers
from .conftest import messages
from .conftest import run_worker
from .conftest import send_campaign
from .conftest import smtp_app
from .test_webhooks import SECRETS
from .test_webhooks import loyalty_headers
from .test_webhooks import post


def owner_app(make_app: MakeApp, smtp: RawSMTPServer, **config: object) -> Flask:
    app = smtp_app(
        make_app,
        smtp,
        LOYALTY_MAIL_WEBHOOK_SECRETS=SECRETS,
        LOYALTY_NEWSLETTER_MIN_DAYS=0,
        **config,
    )
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    return app


def report(app: Flask, clock: FrozenClock, *events: dict[str, str]) -> dict:
    body = json.dumps({"events": list(events)}).encode()
    response = post(app, "loyalty", body, loyalty_headers(body, clock().timestamp()))
    assert response.status_code == 200
    return response.get_json()


def text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_figures_per_campaign_and_month_with_the_complaint_warning(
    make_app: MakeApp, smtp: RawSMTPServer, clock: FrozenClock, database_url: str
) -> None:
    clock.now = clock.now.replace(day=31, hour=23, minute=30)  # March, in UTC
    if database_url.startswith("postgresql"):
        # A database session in Auckland, where it is already April: months are UTC.
        url = sa.make_url(database_url)
        options = f"{url.query['options']} -cTimeZone=Pacific/Auckland"
        database_url = url.update_query_dict({"options": options}).render_as_string(
            hide_password=False
        )
    app = owner_app(
        make_app,
        smtp,
        database_url=database_url,
        LOYALTY_COMPLAINT_RATE_WARNING=0.001,
    )
    people = [f"p{n:03d}@example.com" for n in range(400)]
    topic = add_subscribers(app, people)
    send_campaign(app, topic, "Spring pieces")
    run_worker(app)
    smtp.wait_for(400, timeout=30)
    client = app.test_client()
    page = text(client.get("/loyalty/owner/deliverability").get_data(as_text=True))
    assert "0.00% complaint rate, last 30 days (limit 0.30%)" in page
    assert "Warning" not in page

    assert report(
        app,
        clock,
        {"id": "1", "type": "complaint", "email": "p001@example.com"},
        {"id": "2", "type": "hard_bounce", "email": "p002@example.com"},
    ) == {"unsubscribed": 1, "suppressed": 1}
    with app.app_context():
        state = app.extensions["loyalty"]
        p3 = newsletter.find_subscriber(state.session, "p003@example.com")
        newsletter.unsubscribe(
            state.session, state.now(), p3, how="link", campaign_id=1
        )
        state.session.commit()

    page = text(client.get("/loyalty/owner/deliverability").get_data(as_text=True))
    # 1 complaint in 400: 0.25%, past the warning line, under the limit.
    assert "Warning: complaints are at 0.25%" in page
    assert "Spring pieces 400 1 1 1 0.25%" in page
    assert "March 2026 400 1 1 1 0.25%" in page

    report(app, clock, {"id": "3", "type": "complaint", "email": "p004@example.com"})
    page = text(client.get("/loyalty/owner/deliverability").get_data(as_text=True))
    assert "over the 0.30% that Gmail and Yahoo allow" in page
    with app.app_context():
        rate = figures.complaint_rate(app.extensions["loyalty"].session, clock(), 0.001)
        assert (rate.sent, rate.complained, rate.level) == (400, 2, "over")


def test_a_complaint_stops_marketing_mail_but_not_a_receipt(
    make_app: MakeApp, smtp: RawSMTPServer, clock: FrozenClock
) -> None:
    app = owner_app(make_app, smtp)
    topic = add_subscribers(app, ["fay@example.com", "gus@example.com"])
    send_campaign(app, topic, "Spring pieces")
    run_worker(app)
    report(app, clock, {"id": "c", "type": "complaint", "email": "fay@example.com"})
    with app.app_context():
        state = app.extensions["loyalty"]
        for kind, headers in (
            ("campaign", {"List-Unsubscribe": "<https://shop.test/u>"}),
            ("receipt", {}),
        ):
            queue_mail(
                state.session,
                state.now(),
                kind=kind,
                to="fay@example.com",
                subject=kind,
                text=kind,
                headers=headers,
            )
        state.session.commit()

    run_worker(app)

    smtp.wait_for(3)
    assert sorted(m["Subject"] for m in smtp.messages) == [
        "Spring pieces",
        "Spring pieces",
        "receipt",
    ]
    statuses = {
        (m.kind, m.subject): m.status for m in messages(app, to_addr="fay@example.com")
    }
    assert statuses == {
        ("campaign", "Spring pieces"): SENT,  # sent before she complained
        ("campaign", "campaign"): SUPPRESSED,
        ("receipt", "receipt"): SENT,
    }


def test_the_owner_sees_why_and_lifts_a_suppression(
    make_app: MakeApp, smtp: RawSMTPServer, clock: FrozenClock
) -> None:
    app = owner_app(make_app, smtp)
    topic = add_subscribers(app, ["bob@example.net"])
    send_campaign(app, topic)
    report(
        app,
        clock,
        {
            "id": "h",
            "type": "hard_bounce",
            "email": "bob@example.net",
            "detail": "550 5.1.1 mailbox unknown",
        },
    )
    client = app.test_client()
    html = client.get("/loyalty/owner/deliverability/suppressed").get_data(as_text=True)
    page = text(html)
    assert "bob@example.net" in page
    assert "hard bounce: the address does not take mail" in page
    assert "550 5.1.1 mailbox unknown" in page
    found = text(
        client.get(
            "/loyalty/owner/deliverability/suppressed?q=Bob@Example.net"
        ).get_data(as_text=True)
    )
    assert "hard_bounce · webhook:loyalty · 550 5.1.1 mailbox unknown" in found

    # Without the form's CSRF token nothing changes.
    assert (
        client.post(
            "/loyalty/owner/deliverability/suppressed",
            data={"email": "bob@example.net"},
        ).status_code
        == 400
    )
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html)
    assert token
    lifted = client.post(
        "/loyalty/owner/deliverability/suppressed",
        data={"csrf_token": token.group(1), "email": "bob@example.net"},
        follow_redirects=True,
    )
    assert "Mail can reach that address again." in lifted.get_data(as_text=True)
    assert "No address is suppressed." in lifted.get_data(as_text=True)
    with app.app_context():
        state = app.extensions["loyalty"]
        assert not newsletter.is_suppressed(state.session, "bob@example.net")
        queue_mail(
            state.session,
            state.now(),
            kind="receipt",
            to="bob@example.net",
            subject="R",
            text="R",
        )
        state.session.commit()
    run_worker(app)
    assert smtp.wait_for(2)[-1]["Subject"] == "R"


def test_owner_pages_are_closed_to_others(make_app: MakeApp) -> None:
    client = make_app().test_client()
    assert client.get("/loyalty/owner/deliverability").status_code == 403
    assert client.get("/loyalty/owner/deliverability/suppressed").status_code == 403
    assert (
        client.post(
            "/loyalty/owner/deliverability/suppressed", data={"email": "a@b.c"}
        ).status_code
        == 403
    )


def test_the_owner_sees_a_broken_dkim_key(make_app: MakeApp) -> None:
    app = make_app(
        LOYALTY_DKIM_SELECTOR="s1", LOYALTY_DKIM_PRIVATE_KEY="/nonexistent/key.pem"
    )
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    page = text(
        app.test_client().get("/loyalty/owner/deliverability").get_data(as_text=True)
    )
    assert "DKIM signing is off because of a problem with the key" in page
    assert "cannot read the key file" in page
