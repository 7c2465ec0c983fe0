"""A shop app for the worker processes of the journey tests.

``python -m flask --app tests.journeys.worker_app:create_app loyalty run-due``;
the database comes from ``LOYALTY_JOURNEY_TEST_DATABASE_URL`` and the batch size
from ``LOYALTY_JOURNEY_BATCH``. Mail stays in the outbox (``hold``): these tests
count the steps done, not deliveries. The clock is the system clock.
"""

from __future__ import annotations

import os

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_loyalty import Loyalty


def create_app() -> Flask:
    env = os.environ
    app = Flask("journeyshop")
    app.config.update(
        SECRET_KEY="journey test secret",
        SQLALCHEMY_DATABASE_URI=env["LOYALTY_JOURNEY_TEST_DATABASE_URL"],
        LOYALTY_MAIL_DELIVERY="hold",
        LOYALTY_SHOP_NAME="Clay & Thread",
        LOYALTY_BASE_URL="https://shop.test",
        LOYALTY_JOURNEY_BATCH=int(env.get("LOYALTY_JOURNEY_BATCH", "200")),
        LOYALTY_NEWSLETTER_MIN_DAYS=0,
        MAIL_DEFAULT_SENDER="Clay & Thread <shop@clay.test>",
    )
    db = SQLAlchemy(app)
    Loyalty(app, db=db)
    return app
