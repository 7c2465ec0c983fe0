"""The shop of the newsletter benchmark: the app, its subscribers, its campaign."""

from __future__ import annotations

import gc
import time
import tracemalloc
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_loyalty import Loyalty
from flask_loyalty.db import Base
from flask_loyalty.newsletter import campaigns
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter.mail import build_due_campaigns
from flask_loyalty.newsletter.models import CONFIRMED
from flask_loyalty.newsletter.models import Subscriber
from flask_loyalty.newsletter.models import subscriber_topics
from flask_loyalty.outbox import mime
from flask_loyalty.outbox.models import OutboxMessage

SENDER = "Clay & Thread <shop@clay.test>"
BODY = """Dear {{ first_name or 'friend' }},

**Twelve new mugs** came out of the kiln this week: speckled stoneware in a deep
blue glaze, each one thrown by hand and a little different from the next.

- 350 ml, dishwasher safe
- matching saucers on request

Subscribers see them a day before everyone else. See you soon!
"""


def make_shop(database_url: str, folder: Path, smtp_port: int = 25) -> Flask:
    app = Flask("benchshop", instance_path=str(folder / "instance"))
    app.config.update(
        SECRET_KEY="benchmark",
        SQLALCHEMY_DATABASE_URI=database_url,
        LOYALTY_SHOP_NAME="Clay & Thread",
        LOYALTY_BASE_URL="https://shop.example",
        LOYALTY_MAIL_DELIVERY="smtp",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=smtp_port,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_DEFAULT_SENDER=SENDER,
    )
    db = SQLAlchemy(app)
    Loyalty(app, db=db)
    with app.app_context():
        Base.metadata.create_all(db.engine)
    return app


def sqlite_url(folder: Path, name: str) -> str:
    return f"sqlite:///{folder / name}.db"


def add_subscribers(app: Flask, count: int) -> None:
    """A topic and ``count`` confirmed subscribers of it, by bulk inserts."""
    with app.app_context():
        state = app.extensions["loyalty"]
        session, now = state.session, state.now()
        topic_id = preferences.add_topic(session, now, "New pieces").id
        session.commit()
        for start in range(0, count, 10_000):
            rows = [
                {
                    "email": f"reader{n:07d}@example.com",
                    "first_name": None if n % 3 == 0 else f"Reader {n}",
                    "status": CONFIRMED,
                    "consent_text": "Yes, send me news about new pieces.",
                    "consent_version": "1",
                    "consent_source": "benchmark",
                    "created_at": now,
                    "confirmed_at": now,
                }
                for n in range(start, min(start + 10_000, count))
            ]
            session.execute(sa.insert(Subscriber), rows)
        session.execute(
            sa.insert(subscriber_topics).from_select(
                ["subscriber_id", "topic_id"],
                sa.select(Subscriber.id, sa.literal(topic_id)),
            )
        )
        campaign = campaigns.save_campaign(
            session,
            now,
            None,
            subject="New mugs for {{ first_name or 'you' }}",
            body=BODY,
            topic_ids=[topic_id],
        )
        campaigns.schedule(session, now, campaign, now)
        session.commit()
        state.session.remove()


def build_campaign(app: Flask) -> dict[str, float]:
    """Build the due campaign under tracemalloc: peak bytes and seconds."""
    with app.app_context():
        state = app.extensions["loyalty"]
        gc.collect()
        tracemalloc.start()
        try:
            before = tracemalloc.get_traced_memory()[0]
            started = time.perf_counter()
            built = build_due_campaigns(state)
            seconds = time.perf_counter() - started
            peak = tracemalloc.get_traced_memory()[1] - before
        finally:
            tracemalloc.stop()
        queued = state.session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
        state.session.remove()
    assert built == 1, built
    return {"peak_bytes": peak, "seconds": seconds, "queued": queued}


def mime_seconds(app: Flask, count: int) -> float:
    """Seconds per message to write its MIME; done once, when it is queued, so it is
    not part of the delivery figure (shown for the cost it moved to queueing)."""
    with app.app_context():
        state = app.extensions["loyalty"]
        messages = state.session.scalars(
            sa.select(OutboxMessage).order_by(OutboxMessage.id).limit(count)
        ).all()
        sender = state.settings.mail_sender
        started = time.perf_counter()
        for message in messages:
            mime.build(
                sender=sender,
                to=message.to_addr,
                subject=message.subject,
                text=message.text_body,
                html=message.html_body,
                headers=message.headers,
                date=message.created_at,
            )
        seconds = (time.perf_counter() - started) / len(messages)
        state.session.remove()
    return seconds
