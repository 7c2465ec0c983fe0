"""A hard bounce during a campaign stops later mail to that address, also with two
workers sending at once."""

from __future__ import annotations

import json
import typing as t
from collections import Counter

import pytest
import sqlalchemy as sa

from flask_loyalty.deliverability.models import MailEvent
from flask_loyalty.newsletter import figures
from flask_loyalty.newsletter.models import Campaign
from flask_loyalty.outbox.models import FAILED
from flask_loyalty.outbox.models import SENT
from flask_loyalty.outbox.models import SUPPRESSED
from flask_loyalty.outbox.queueing import queue_mail
from flask_loyalty.outbox.service import deliver_due
from tests.outbox.helpers import deliver_side_by_side

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

DEAD = "dead@example.com"


def test_a_refused_address_gets_no_more_mail(
    make_app: MakeApp, smtp: RawSMTPServer, database_url: str
) -> None:
    smtp.refuse[DEAD] = "550 5.1.1 <dead@example.com>: Recipient address rejected"
    app = smtp_app(
        make_app,
        smtp,
        database_url=database_url,
        LOYALTY_WORKER_BATCH=3,
        LOYALTY_NEWSLETTER_MIN_DAYS=0,
    )
    people = ["a@example.com", DEAD, "b@example.com", "c@example.com"]
    topic = add_subscribers(app, people)
    first = send_campaign(app, topic, "Spring pieces")
    send_campaign(app, topic, "Summer pieces")
    with app.app_context():
        state = app.extensions["loyalty"]
        queue_mail(  # a receipt: a bounced address takes no mail at all
            state.session, state.now(), kind="receipt", to=DEAD, subject="R", text="R"
        )
        state.session.commit()

    run_worker(app)

    assert smtp.rcpt_log.count(DEAD) == 1
    smtp.wait_for(6)
    assert Counter(a for e in smtp.envelopes for a in e.rcpt_tos) == {
        "a@example.com": 2,
        "b@example.com": 2,
        "c@example.com": 2,
    }
    to_dead = messages(app, to_addr=DEAD)
    assert [m.status for m in to_dead] == [FAILED, SUPPRESSED, SUPPRESSED]
    assert "5.1.1 <dead@example.com>: Recipient address rejected" in (
        to_dead[0].last_error or ""
    )
    with app.app_context():
        s = app.extensions["loyalty"].session
        event = s.scalar(sa.select(MailEvent))
        assert (event.kind, event.email, event.campaign_id) == (
            "hard_bounce",
            DEAD,
            first,
        )
        assert event.source == "smtp"


@pytest.mark.slow
def test_two_workers_stop_mailing_a_bounced_address(
    make_app: MakeApp, smtp: RawSMTPServer, postgres_url: str
) -> None:
    smtp.refuse[DEAD] = "550 5.1.1 No such user here"
    apps = [
        smtp_app(
            make_app,
            smtp,
            database_url=postgres_url,
            LOYALTY_WORKER_BATCH=5,
            LOYALTY_NEWSLETTER_MIN_DAYS=0,
        )
        for _ in range(2)
    ]
    people = [DEAD] + [f"p{n:02d}@example.com" for n in range(39)]
    topic = add_subscribers(apps[0], people)
    send_campaign(apps[0], topic, "Spring pieces")
    send_campaign(apps[0], topic, "Summer pieces")
    deliver_side_by_side(apps)

    assert smtp.rcpt_log.count(DEAD) == 1
    smtp.wait_for(78)
    delivered = Counter(a for e in smtp.envelopes for a in e.rcpt_tos)
    assert delivered == {person: 2 for person in people[1:]}
    statuses = Counter(m.status for m in messages(apps[0]))
    assert statuses == {SENT: 78, FAILED: 1, SUPPRESSED: 1}


def test_a_bounce_reported_by_webhook_mid_campaign(
    make_app: MakeApp, smtp: RawSMTPServer, clock: t.Any
) -> None:
    app = smtp_app(
        make_app,
        smtp,
        LOYALTY_MAIL_WEBHOOK_SECRETS=SECRETS,
        LOYALTY_NEWSLETTER_MIN_DAYS=0,
    )
    topic = add_subscribers(app, [DEAD, "a@example.com", "b@example.com"])
    send_campaign(app, topic, "Spring pieces")
    with app.app_context():
        state = app.extensions["loyalty"]
        report = deliver_due(
            state.session, app.extensions["mail"], state.settings.clock, limit=1
        )
        assert report.sent == 1
    assert smtp.wait_for(1)[0]["To"] == DEAD
    # The provider reports the bounce while the rest of the campaign is queued.
    body = json.dumps(
        {"events": [{"id": "b1", "type": "hard_bounce", "email": DEAD}]}
    ).encode()
    assert post(app, "loyalty", body, loyalty_headers(body, clock().timestamp())).json
    send_campaign(app, topic, "Summer pieces")

    run_worker(app)

    smtp.wait_for(5)
    assert smtp.rcpt_log.count(DEAD) == 1
    # The next campaign is not even written for her: it counts her as not sent.
    assert [m.status for m in messages(app, to_addr=DEAD)] == [SENT]
    with app.app_context():
        session = app.extensions["loyalty"].session
        summer = session.scalar(sa.select(Campaign).where(Campaign.id == 2))
        assert summer is not None and summer.subject == "Summer pieces"
        report = figures.report(session, summer)
        assert (report.recipients, report.sent, report.suppressed) == (3, 2, 1)
