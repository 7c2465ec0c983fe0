"""The example shop's demo ships two journeys, switched on: confirming brings the
welcome email with only ``flask loyalty worker`` running, and a first order starts
the post-purchase series."""

from __future__ import annotations

import typing as t
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from example_shop import create_app
from example_shop import db
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys.starters import AFTER_PURCHASE
from flask_loyalty.journeys.starters import WELCOME
from flask_loyalty.models import OutboxMessage
from tests.example_shop.conftest import ENVIRONMENT

from .conftest import subscribe_confirmed


@pytest.fixture
def shop_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> t.Iterator[Flask]:
    """The example shop on a temporary database, its mail held in the outbox."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "test secret",
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'shop.db'}",
            "LOYALTY_MAIL_DELIVERY": "hold",
        }
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_the_demo_has_both_journeys_running(shop_app: Flask) -> None:
    runner = shop_app.test_cli_runner()
    for _ in range(2):  # init-demo twice: still two journeys
        result = runner.invoke(args=["shop", "init-demo"])
        assert result.exit_code == 0, result.output
    with shop_app.app_context():
        session = shop_app.extensions["loyalty"].session
        journeys = session.execute(
            sa.select(jm.Journey.name, jm.Journey.active).order_by(jm.Journey.name)
        ).all()
        # The demo's past orders are old: they start no series.
        assert session.scalar(sa.select(sa.func.count(jm.Enrolment.id))) == 0
    assert journeys == [(AFTER_PURCHASE, True), (WELCOME, True)]

    subscribe_confirmed(shop_app, "kadri@example.com", "Kadri")
    result = runner.invoke(args=["loyalty", "worker", "--once"])
    assert result.exit_code == 0, result.output
    with shop_app.app_context():
        loyalty = shop_app.extensions["loyalty"].extension
        session = shop_app.extensions["loyalty"].session
        [welcome] = session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "journey")
        ).all()
        assert welcome.subject == "Welcome to Silver Fern Jewellery, Kadri"
        loyalty.record_order(
            "SF-20001", email="kadri@example.com", name="Kadri", total=Decimal("38.00")
        )
        series = (
            session.execute(
                sa.select(jm.Journey.name)
                .join(jm.Enrolment, jm.Enrolment.journey_id == jm.Journey.id)
                .where(jm.Enrolment.status == jm.ACTIVE)
                .order_by(jm.Journey.name)
            )
            .scalars()
            .all()
        )
    assert series == [AFTER_PURCHASE, WELCOME]
