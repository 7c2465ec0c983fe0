"""A real SMTP server that keeps the bytes it received and can refuse recipients,
and a shop with subscribers and a campaign to send."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty.models import OutboxMessage
from flask_loyalty.newsletter import campaigns
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service
from flask_loyalty.newsletter.mail import build_due_campaigns
from flask_loyalty.newsletter.models import Campaign
from flask_loyalty.outbox.queueing import queue_mail
from tests.plugins.services import SMTPServer
from tests.plugins.services import serving

HERE = Path(__file__).parent
KEY = HERE / "dkim_test_key.pem"  # PKCS#1, 1024 bits (small keeps the tests quick)
OTHER_KEY = HERE / "dkim_other_key.pem"  # PKCS#8
MakeApp = t.Callable[..., Flask]


@dataclass
class RawSMTPServer(SMTPServer):
    """Keeps each message's bytes as received; answers ``refuse[address]`` (a
    status line such as ``550 5.1.1 No such user``) to RCPT TO of that address."""

    raw: list[bytes] = field(default_factory=list)
    refuse: dict[str, str] = field(default_factory=dict)
    rcpt_log: list[str] = field(default_factory=list)

    async def handle_RCPT(
        self,
        server: t.Any,
        session: t.Any,
        envelope: t.Any,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        self.rcpt_log.append(address)
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: t.Any, session: t.Any, envelope: t.Any) -> str:
        raw = envelope.original_content or envelope.content
        self.raw.append(raw if isinstance(raw, bytes) else raw.encode())
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def smtp() -> t.Iterator[RawSMTPServer]:
    """A real aiosmtpd server on 127.0.0.1 that keeps raw bytes."""
    with serving(RawSMTPServer) as server:
        yield server


def smtp_app(make_app: MakeApp, smtp: SMTPServer, **config: t.Any) -> Flask:
    """An app that delivers to ``smtp``, From Silver Fern on fern.test."""
    config.setdefault("MAIL_DEFAULT_SENDER", ("Silver Fern", "hello@fern.test"))
    return make_app(
        LOYALTY_MAIL_DELIVERY="smtp",
        MAIL_SERVER=smtp.host,
        MAIL_PORT=smtp.port,
        MAIL_SUPPRESS_SEND=False,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        **config,
    )


def run_worker(app: Flask) -> str:
    result = app.test_cli_runner().invoke(args=["loyalty", "worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def add_subscribers(app: Flask, emails: t.Iterable[str]) -> int:
    """Confirmed subscribers of one topic; return the topic's id."""
    with app.app_context():
        state = app.extensions["loyalty"]
        s, now = state.session, state.now()
        topic = preferences.add_topic(s, now, "New pieces")
        consent = service.Consent("Yes, send me news", "1", "test")
        for email in emails:
            subscriber, _ = service.subscribe(
                s, now, email=email, topic_ids=[topic.id], consent=consent
            )
            service.confirm(s, now, subscriber)
        s.commit()
        return topic.id


def send_campaign(app: Flask, topic_id: int, subject: str = "Spring pieces") -> int:
    """Write and build a campaign now (its mail is queued); return its id."""
    with app.app_context():
        state = app.extensions["loyalty"]
        s, now = state.session, state.now()
        campaign = campaigns.save_campaign(
            s,
            now,
            None,
            subject=subject,
            body="Dear {{ first_name or 'friend' }}, new rings are in.",
            topic_ids=[topic_id],
        )
        campaigns.schedule(s, now, campaign, now)
        s.commit()
        campaign_id = campaign.id
        build_due_campaigns(state)
        assert s.get(Campaign, campaign_id).status == "sent"
        return campaign_id


def messages(app: Flask, **where: t.Any) -> list[OutboxMessage]:
    with app.app_context():
        session = app.extensions["loyalty"].session
        query = sa.select(OutboxMessage).order_by(OutboxMessage.id)
        for name, value in where.items():
            query = query.where(getattr(OutboxMessage, name) == value)
        found = list(session.scalars(query))
        session.expunge_all()
        return found


def queue_one(app: Flask, subject: str) -> None:
    """Queue a transactional message to Anna and commit."""
    with app.app_context():
        state = app.extensions["loyalty"]
        queue_mail(
            state.session,
            state.now(),
            kind="magic_link",
            to="anna@example.com",
            subject=subject,
            text="Hello Anna\n",
        )
        state.session.commit()
