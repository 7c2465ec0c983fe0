"""A shop app for worker processes started by the scale tests, and the bulk set-up
those tests share.

The worker processes run ``python -m flask --app tests.newsletter.scale_app:create_app
loyalty worker --once``; everything they need comes from the environment:

``LOYALTY_SCALE_DATABASE_URL``
    the SQLAlchemy URL (a PostgreSQL schema of the test's own);
``LOYALTY_SCALE_SMTP_HOST``, ``LOYALTY_SCALE_SMTP_PORT``
    the test's aiosmtpd server;
``LOYALTY_BASE_URL``, ``LOYALTY_MAIL_DELIVERY`` (default ``smtp``; ``hold`` makes
a worker only build due campaigns), ``LOYALTY_WORKER_BATCH``,
``LOYALTY_MAIL_CLAIM_TIMEOUT``
    passed to the app config as they are (the numbers as integers).

The clock is the system clock: the processes share no Python object with the test.
"""

from __future__ import annotations

import os
import typing as t
from datetime import datetime

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Session

from flask_loyalty import Loyalty
from flask_loyalty.newsletter import campaigns
from flask_loyalty.newsletter.models import CONFIRMED
from flask_loyalty.newsletter.models import Campaign
from flask_loyalty.newsletter.models import Subscriber
from flask_loyalty.newsletter.models import subscriber_topics

SENDER = "Clay & Thread <shop@clay.test>"
INTEGER_KEYS = ("LOYALTY_WORKER_BATCH", "LOYALTY_MAIL_CLAIM_TIMEOUT")


def create_app() -> Flask:
    """The shop as a worker machine sees it: database, SMTP server, base URL."""
    env = os.environ
    app = Flask("scaleshop")
    app.config.update(
        SECRET_KEY="scale test secret",
        SQLALCHEMY_DATABASE_URI=env["LOYALTY_SCALE_DATABASE_URL"],
        LOYALTY_MAIL_DELIVERY=env.get("LOYALTY_MAIL_DELIVERY", "smtp"),
        LOYALTY_SHOP_NAME="Clay & Thread",
        LOYALTY_BASE_URL=env.get("LOYALTY_BASE_URL", "https://shop.test"),
        MAIL_SERVER=env["LOYALTY_SCALE_SMTP_HOST"],
        MAIL_PORT=int(env["LOYALTY_SCALE_SMTP_PORT"]),
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        MAIL_SUPPRESS_SEND=False,
        MAIL_DEFAULT_SENDER=SENDER,
    )
    for key in INTEGER_KEYS:
        if key in env:
            app.config[key] = int(env[key])
    db = SQLAlchemy(app)
    Loyalty(app, db=db)
    return app


def worker_env(
    database_url: str, smtp_host: str, smtp_port: int, **config: t.Any
) -> dict[str, str]:
    """The environment of a worker process: ours, plus what ``create_app`` reads."""
    env = dict(os.environ)
    for key in (*INTEGER_KEYS, "LOYALTY_MAIL_DELIVERY"):
        env.pop(key, None)  # only what the test says
    env.update(
        LOYALTY_SCALE_DATABASE_URL=database_url,
        LOYALTY_SCALE_SMTP_HOST=smtp_host,
        LOYALTY_SCALE_SMTP_PORT=str(smtp_port),
        LOYALTY_BASE_URL="https://shop.test",
        PYTHONUNBUFFERED="1",
    )
    env.update({key: str(value) for key, value in config.items()})
    return env


def address(n: int) -> str:
    return f"reader{n:06d}@example.com"


def add_subscribers(
    session: Session, now: datetime, count: int, topic_id: int, *, chunk: int = 5000
) -> None:
    """``count`` confirmed subscribers of one topic, by bulk inserts; every third
    has no first name (the "Dear friend" path)."""
    for start in range(0, count, chunk):
        rows = [
            {
                "email": address(n),
                "first_name": None if n % 3 == 0 else f"Reader {n}",
                "status": CONFIRMED,
                "consent_text": "Yes, send me news.",
                "consent_version": "1",
                "consent_source": "scale test",
                "created_at": now,
                "confirmed_at": now,
            }
            for n in range(start, min(start + chunk, count))
        ]
        session.execute(sa.insert(Subscriber), rows)
    session.execute(
        sa.insert(subscriber_topics).from_select(
            ["subscriber_id", "topic_id"],
            sa.select(Subscriber.id, sa.literal(topic_id)),
        )
    )
    session.commit()


def scheduled_campaign(session: Session, now: datetime, topic_id: int) -> Campaign:
    """A campaign to the topic, due now, committed."""
    campaign = campaigns.save_campaign(
        session,
        now,
        None,
        subject="New mugs for {{ first_name or 'you' }}",
        body=(
            "Dear {{ first_name or 'friend' }},\n\n"
            "**Twelve new mugs** came out of the kiln this week.\n\n"
            "- speckled stoneware\n- a deep blue glaze\n\nSee you soon!"
        ),
        topic_ids=[topic_id],
    )
    campaigns.schedule(session, now, campaign, now)
    session.commit()
    return campaign
