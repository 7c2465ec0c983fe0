"""The demo's first-purchase offer ran with a holdout: its report can tell."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import Flask

from example_shop.extensions import db
from flask_loyalty.measure.models import HoldoutDecision
from flask_loyalty.models import CodeRedemption

from .test_safe_methods import sign_in_to_shop


def test_the_offer_report_shows_the_comparison_with_an_interval(
    shop_app: Flask,
) -> None:
    runner = shop_app.test_cli_runner()
    assert runner.invoke(args=["shop", "init-offer-history"]).exit_code == 1
    assert runner.invoke(args=["shop", "init-demo"]).exit_code == 0
    first = runner.invoke(args=["shop", "init-offer-history"])
    assert first.exit_code == 0, first.output
    assert "Added 600 customers" in first.output
    with shop_app.app_context():
        decided = db.session.execute(
            sa.select(HoldoutDecision.held_out, sa.func.count()).group_by(
                HoldoutDecision.held_out
            )
        ).all()
        counts = dict(decided)
        assert counts[True] >= 30 and counts[False] >= 400
        used = db.session.scalar(sa.select(sa.func.count(CodeRedemption.id)))
        assert used > 50
    again = runner.invoke(args=["shop", "init-offer-history"])
    assert "nothing changed" in again.output

    owner = shop_app.test_client()
    sign_in_to_shop(owner, "owner@example.com", "demo-owner")
    html = owner.get("/loyalty/owner/offers/1/report").get_data(as_text=True)
    assert 'data-verdict="pays"' in html
    words = re.search(
        r"Brought back about (\d+) more customers in 100 \(between (\d+) and (\d+)\)",
        html,
    )
    assert words, html
    estimate, low, high = map(int, words.groups())
    assert 0 <= low <= estimate <= high
    assert "Each person who got it spent about" in html
    overview = owner.get("/loyalty/owner/").get_data(as_text=True)
    assert 'data-section="pays"' in overview
