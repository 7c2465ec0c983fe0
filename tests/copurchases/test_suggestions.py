"""Her first-purchase offer suggests what this shop's customers bought together,
then the catalogue's rules; a new shop, or a pair with too few customers, gets
the catalogue's rules alone. Each suggestion says why, in her language."""

from __future__ import annotations

import contextlib
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import Loyalty
from flask_loyalty.models import OfferGrant
from flask_loyalty.models import OutboxMessage
from flask_loyalty.offers.messages import mail_due_offers
from flask_loyalty.offers.suggest import BOUGHT_TOGETHER
from flask_loyalty.offers.suggest import OTHER_CATEGORY
from flask_loyalty.offers.suggest import SAME_COLLECTION
from tests.offers.conftest import CATALOG
from tests.offers.conftest import buy
from tests.offers.conftest import make_offer

MakeApp = t.Callable[..., Flask]
CATALOGUE_RULES = [
    ("NCK-FERN", SAME_COLLECTION),
    ("EAR-FERN", SAME_COLLECTION),
    ("NCK-TIDE", OTHER_CATEGORY),
]
"""What the catalogue's rules suggest to a buyer of the Fern Leaf Ring."""


@contextlib.contextmanager
def shop(make_app: MakeApp, database_url: str, **config: t.Any) -> t.Iterator[Loyalty]:
    app = make_app(database_url=database_url, **config)
    loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)
    loyalty.catalog_loader(lambda: CATALOG)
    with app.app_context():
        yield loyalty


def history(loyalty: Loyalty, together: int) -> None:
    """``together`` customers bought both rings (of two collections: the catalogue
    would never pair them), five others the Fern studs."""
    for n in range(together):
        buy(loyalty, f"R-{n}", "RNG-FERN", "RNG-TIDE", email=f"r{n}@example.com")
    for n in range(5):
        buy(loyalty, f"E-{n}", "EAR-FERN", email=f"e{n}@example.com")


def first_order(loyalty: Loyalty, **kw: t.Any) -> OfferGrant:
    make_offer(loyalty, holdout_percent=0)  # nobody held out of the offer
    buy(loyalty, "ANNA-1", "RNG-FERN", **kw)
    return loyalty.state.session.scalars(
        sa.select(OfferGrant).where(OfferGrant.key.like("first:%"))
    ).one()


def reasons(grant: OfferGrant) -> list[tuple[str, str]]:
    return [(s["sku"], s["reason"]) for s in grant.suggestions]


def test_a_new_shop_suggests_by_the_catalogue(
    make_app: MakeApp, database_url: str
) -> None:
    with shop(make_app, database_url) as loyalty:
        assert reasons(first_order(loyalty)) == CATALOGUE_RULES


def test_what_customers_bought_together_comes_first(
    make_app: MakeApp, database_url: str
) -> None:
    with shop(make_app, database_url) as loyalty:
        history(loyalty, together=5)
        grant = first_order(loyalty)

    # The other ring first (lift 2: 5 of 10 buyers bought each ring, all 5
    # both), then the catalogue's rules fill the places left.
    assert reasons(grant) == [("RNG-TIDE", BOUGHT_TOGETHER), *CATALOGUE_RULES[:2]]
    assert grant.suggestions[0]["customers"] == 5
    assert grant.suggestions[0]["because"] == "Fern Leaf Ring"


@pytest.mark.parametrize(("least", "learned"), [(5, False), (4, True)])
def test_pairs_need_the_least_number_of_customers(
    make_app: MakeApp, database_url: str, least: int, learned: bool
) -> None:
    config = {"LOYALTY_SUGGESTION_MIN_CUSTOMERS": least}
    with shop(make_app, database_url, **config) as loyalty:
        history(loyalty, together=4)
        grant = first_order(loyalty)

    assert (reasons(grant)[0] == ("RNG-TIDE", BOUGHT_TOGETHER)) is learned
    if not learned:
        assert reasons(grant) == CATALOGUE_RULES


@pytest.mark.parametrize("least", [0, -1, 2.5, "5", True])
def test_the_least_number_of_customers_is_a_whole_number_from_1(
    make_app: MakeApp, least: object
) -> None:
    with pytest.raises(RuntimeError, match="LOYALTY_SUGGESTION_MIN_CUSTOMERS"):
        make_app(LOYALTY_SUGGESTION_MIN_CUSTOMERS=least)


@pytest.mark.parametrize(
    ("language", "reason"),
    [
        ("en", "Bought together with your Fern Leaf Ring by 5 customers."),
        ("et", "Selle ostis koos teie tootega Fern Leaf Ring 5 klienti."),
        ("hu", "5 vásárló vette meg az Ön termékével együtt: Fern Leaf Ring."),
    ],
)
def test_her_email_says_why_in_her_language(
    make_app: MakeApp, database_url: str, language: str, reason: str
) -> None:
    # The shop's first language: the offer's text is in it, so her email too.
    languages = (language, "en") if language != "en" else ("en",)
    with shop(make_app, database_url, LOYALTY_LANGUAGES=languages) as loyalty:
        history(loyalty, together=5)
        first_order(loyalty, locale=language)
        mail_due_offers(loyalty.state)
        mail = loyalty.state.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.kind == "offer")
        ).one()

    assert reason in mail.text_body
    assert reason in mail.html_body
