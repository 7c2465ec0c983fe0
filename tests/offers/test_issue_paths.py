"""Issuing an offer's rows on both databases: the paths that PostgreSQL's single
statement (``offers/together.py``) leaves to the statement-by-statement one,
each with the rows it must leave behind: one decision, one code, one grant, or
none of the code and grant."""

from __future__ import annotations

import typing as t

import pytest
import sqlalchemy as sa

from flask_loyalty import Loyalty
from flask_loyalty.codes import service as code_service
from flask_loyalty.codes.models import DiscountCode
from flask_loyalty.customers.models import Customer
from flask_loyalty.measure.models import HoldoutDecision
from flask_loyalty.models import Offer
from flask_loyalty.models import OfferGrant
from flask_loyalty.offers.service import issue_rows
from flask_loyalty.offers.together import insert_together

from .conftest import buy
from .conftest import make_offer


def counts(loyalty: Loyalty) -> tuple[int, int, int]:
    """Decisions, codes and grants stored."""
    session = loyalty.state.session
    return tuple(  # type: ignore[return-value]
        session.scalar(sa.select(sa.func.count()).select_from(model))
        for model in (HoldoutDecision, DiscountCode, OfferGrant)
    )


def test_a_code_that_clashes_with_one_issued_before_is_drawn_again(
    shop_loyalty: Loyalty, monkeypatch: pytest.MonkeyPatch
) -> None:
    make_offer(shop_loyalty, holdout_percent=0)
    buy(shop_loyalty, "SF-1", email="anna@example.com")
    session = shop_loyalty.state.session
    taken = session.scalars(sa.select(DiscountCode.code)).one()
    drawn = iter([taken, "QRSTUVWXYZ"])
    monkeypatch.setattr(code_service, "generate_code", lambda: next(drawn))

    buy(shop_loyalty, "SF-2", email="berit@example.com", name="Berit Kask")

    assert counts(shop_loyalty) == (2, 2, 2)
    grant = session.scalars(
        sa.select(OfferGrant).where(OfferGrant.customer.has(email="berit@example.com"))
    ).one()
    assert grant.code is not None and grant.code.code == "QRSTUVWXYZ"
    assert grant.code.customer_id == grant.customer_id


@pytest.fixture
def anna_has_it(shop_loyalty: Loyalty) -> tuple[Offer, Customer]:
    """The first-purchase offer (nobody held out), issued to Anna's first order."""
    offer = make_offer(shop_loyalty, holdout_percent=0)
    buy(shop_loyalty, "SF-1", email="anna@example.com")
    anna = shop_loyalty.state.session.scalars(sa.select(Customer)).one()
    return offer, anna


def test_a_grant_issued_since_the_look_up_takes_its_code_back(
    shop_loyalty: Loyalty, anna_has_it: tuple[Offer, Customer]
) -> None:
    offer, anna = anna_has_it
    state = shop_loyalty.state
    key = state.session.scalars(sa.select(OfferGrant.key)).one()

    # A concurrent order of hers wrote the grant after this call looked it up.
    issued = issue_rows(state, state.now(), offer, anna, key=key, checked=True)

    assert issued is None
    assert counts(shop_loyalty) == (1, 1, 1)


def test_a_decision_stored_before_stands_and_the_rows_follow_it(
    shop_loyalty: Loyalty, anna_has_it: tuple[Offer, Customer]
) -> None:
    offer, anna = anna_has_it
    state = shop_loyalty.state

    again = issue_rows(state, state.now(), offer, anna, key="again:1", send_mail=False)
    assert again is not None
    assert counts(shop_loyalty) == (1, 2, 2)

    state.session.execute(sa.update(HoldoutDecision).values(held_out=True))
    assert issue_rows(state, state.now(), offer, anna, key="again:2") is None
    assert counts(shop_loyalty) == (1, 2, 2)


def test_the_single_statement_refuses_rows_of_two_customers() -> None:
    """The rows share one parameter for her id: rows that disagree on it are a
    mistake of the caller, refused before anything is sent."""
    decision = {"key": "offer:1:customer:1", "customer_id": 1}
    code = {"code": "ABCDEFGHJK", "customer_id": 2}
    with pytest.raises(ValueError, match="customer_id"):
        insert_together(t.cast(sa.Connection, None), decision, code, {})
