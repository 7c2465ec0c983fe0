"""The shop as two gunicorn workers see it, for the SQLite redemption test.

``gunicorn -w 2 'tests.points.gunicorn_app:create_app()'`` with
``LOYALTY_POINTS_DATABASE_URL`` set. The customer is whoever the ``X-Customer``
header names (the shop's own login, in a real shop).
"""

from __future__ import annotations

import os

from flask import Flask
from flask import request
from flask_sqlalchemy import SQLAlchemy

from flask_loyalty import Loyalty
from flask_loyalty import ShopCustomer


def create_app() -> Flask:
    app = Flask("gunicornshop")
    app.config.update(
        SECRET_KEY="gunicorn test secret",
        SQLALCHEMY_DATABASE_URI=os.environ["LOYALTY_POINTS_DATABASE_URL"],
        LOYALTY_MAIL_DELIVERY="hold",
    )
    db = SQLAlchemy(app)
    loyalty = Loyalty(app, db=db)

    @loyalty.customer_loader
    def current() -> ShopCustomer | None:
        email = request.headers.get("X-Customer")
        return ShopCustomer(email=email, email_verified=True) if email else None

    return app
