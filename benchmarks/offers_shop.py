"""The shop of the offers benchmarks (``benchmarks/offers.py``): a Flask app with
the extension, a frozen clock and a 12-product catalog, on SQLite or on a
PostgreSQL schema of its own."""

from __future__ import annotations

from datetime import UTC
from datetime import datetime
from decimal import Decimal

from flask import Flask
from flask_sqlalchemy import SQLAlchemy

from flask_loyalty import CatalogProduct
from flask_loyalty import FrozenClock
from flask_loyalty import Loyalty
from flask_loyalty.db import Base

NOW = datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
CATALOG = [
    CatalogProduct(
        f"SKU-{n}",
        f"Piece {n}",
        Decimal(20 + 3 * n),
        ("rings", "necklaces", "earrings")[n % 3],
        ("Forest", "Tidepool", "Moonlight", "Amber")[n % 4],
    )
    for n in range(12)
]


def build_app(url: str) -> Flask:
    app = Flask("offersbench")
    app.config.update(
        SECRET_KEY="bench",
        SQLALCHEMY_DATABASE_URI=url,
        LOYALTY_MAIL_DELIVERY="hold",
        LOYALTY_CLOCK=FrozenClock(NOW),
        SERVER_NAME="shop.test",
    )
    db = SQLAlchemy(app)
    loyalty = Loyalty(app, db=db)
    loyalty.catalog_loader(lambda: CATALOG)
    with app.app_context():
        Base.metadata.create_all(db.engine)
    return app
