""" "Once per customer" holds when she redeems two of her codes of one offer at the
same moment (two checkouts in two tabs): the second waits for the offer's row and
then sees the first redemption."""

from __future__ import annotations

import threading

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import CodeUsed
from flask_loyalty import Loyalty
from flask_loyalty.models import CodeRedemption
from flask_loyalty.models import Offer
from flask_loyalty.models import OfferGrant
from flask_loyalty.offers import models as om

from .conftest import buy
from .conftest import make_offer

CODES = 4


@pytest.mark.postgres
def test_her_codes_of_a_once_per_customer_offer_redeemed_at_once_give_one(
    postgres_shop: tuple[Flask, Loyalty],
) -> None:
    app, loyalty = postgres_shop
    with app.app_context():
        offer = make_offer(loyalty, trigger=om.EVERY_PURCHASE, percent=10)
        assert offer.once_per_customer
        for n in range(CODES + 1):  # every order after the first brings a code
            buy(loyalty, f"SF-{n}", "RNG-TIDE")
        codes = [
            grant.code.display
            for grant in loyalty.state.session.scalars(sa.select(OfferGrant))
        ]
        assert len(codes) == CODES
        for n in range(CODES):
            buy(loyalty, f"SF-R{n}", "NCK-FERN")
        loyalty.state.session.remove()
    barrier = threading.Barrier(CODES)
    results: list[str] = []

    def redeem(n: int) -> None:
        with app.app_context():
            barrier.wait()
            try:
                loyalty.redeem_discount(codes[n], f"SF-R{n}")
                results.append("ok")
            except CodeUsed:
                loyalty.state.session.rollback()
                results.append("used")

    threads = [threading.Thread(target=redeem, args=(n,)) for n in range(CODES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(results) == ["ok"] + ["used"] * (CODES - 1)
    with app.app_context():
        session = loyalty.state.session
        assert session.scalar(sa.select(sa.func.count(CodeRedemption.id))) == 1
        assert session.scalars(sa.select(Offer.uses)).one() == 1
        session.remove()
