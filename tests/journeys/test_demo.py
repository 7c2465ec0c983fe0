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


def test_the_demo_speaks_five_languages_before_the_owner_writes_a_word(
    shop_app: Flask,
) -> None:
    """The starter journeys and the demo's offer ship a text in each shipped
    language: a Greek subscriber's welcome and a Hungarian buyer's offer are
    wholly theirs (issue 20)."""
    runner = shop_app.test_cli_runner()
    assert runner.invoke(args=["shop", "init-demo"]).exit_code == 0
    subscribe_confirmed(shop_app, "eleni@example.gr", "Eleni", locale="el")
    subscribe_confirmed(shop_app, "kati@example.ee", None, locale="et")
    with shop_app.app_context():
        shop_app.extensions["loyalty"].extension.record_order(
            "SF-20002",
            email="eszter@example.hu",
            name="Kovács Eszter",
            total=Decimal("38.00"),
            locale="hu",
        )
    assert runner.invoke(args=["loyalty", "worker", "--once"]).exit_code == 0
    with shop_app.app_context():
        session = shop_app.extensions["loyalty"].session
        mail = {
            (m.kind, m.to_addr): m
            for m in session.scalars(sa.select(OutboxMessage)).all()
        }
    greek = mail["journey", "eleni@example.gr"]
    assert greek.subject == "Καλώς ήρθατε στο Silver Fern Jewellery, Eleni"
    assert "Απεγγραφή" in greek.text_body and "Unsubscribe" not in greek.text_body
    estonian = mail["journey", "kati@example.ee"]
    assert estonian.subject == "Tere tulemast poodi Silver Fern Jewellery, sõber"
    offer = mail["offer", "eszter@example.hu"]
    assert offer.subject == "Köszönetajándék Önnek, Kovács Eszter"  # her whole name
    assert "20% kedvezmény" in offer.text_body and " off" not in offer.text_body
    for message in (greek, estonian, offer):
        assert "Content-Language: " + message.html_body.split('lang="')[1][:2] in (
            message.content.raw.decode()
        )


def test_a_hungarian_shop_s_starters_are_hungarian_with_an_english_version(
    make_app: t.Callable[..., Flask],
) -> None:
    from flask_loyalty import content_versions
    from flask_loyalty.journeys.starters import add_starter_journeys

    app = make_app(LOYALTY_LANGUAGES=("hu", "en"), BABEL_DEFAULT_LOCALE="hu")
    with app.app_context():
        state = app.extensions["loyalty"]
        assert add_starter_journeys(state.session, state.now(), ("hu", "en")) == 2
        state.session.commit()
        first = state.session.scalars(
            sa.select(jm.Step).order_by(jm.Step.journey_id, jm.Step.position)
        ).first()
        assert first.subject.startswith("Üdvözöljük nálunk")
        english = content_versions.read(first, ("subject", "body"), "en", ("hu", "en"))
        assert english.language == "en"
        assert english["subject"].startswith("Welcome to {{ shop_name }}")
        assert set(first.translations) == {"en"}  # only the shop's languages
