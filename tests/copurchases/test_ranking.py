"""Pairs ranked by lift with a minimum support, on a small history whose lift
is worked out by hand below."""

from __future__ import annotations

import typing as t

import pytest
from flask import Flask

from flask_loyalty import Loyalty
from flask_loyalty.copurchases.ranking import Pair
from flask_loyalty.copurchases.ranking import bought_with
from flask_loyalty.copurchases.ranking import buyers
from flask_loyalty.copurchases.ranking import pair_count
from flask_loyalty.copurchases.ranking import top_pairs

from .conftest import buy

# Eight customers (N = 8) and what each bought, in one order or two.
HISTORY = {
    "c1": [["A", "B"], ["C"]],
    "c2": [["A", "B"]],
    "c3": [["A"], ["B"]],
    "c4": [["A", "D"]],
    "c5": [["C", "D"]],
    "c6": [["C"]],
    "c7": [["D", "E"]],
    "c8": [["E", "F"]],
}
# n(A) = 4, n(B) = 3, n(C) = 3, n(D) = 3, n(E) = 2, n(F) = 1.
# A+B: 3 customers, lift 3 * 8 / (4 * 3) = 2.
# E+F: 1 customer, lift 1 * 8 / (2 * 1) = 4.
# D+E: 1 customer, lift 1 * 8 / (3 * 2) = 4/3.
# A+C, A+D (8/12), B+C, C+D (8/9): less than chance, never shown.


@pytest.fixture
def shop(make_app: t.Callable[..., Flask], database_url: str) -> t.Iterator[Loyalty]:
    app = make_app(database_url=database_url)
    with app.app_context():
        loyalty = t.cast(Loyalty, app.extensions["loyalty"].extension)
        for customer, orders in HISTORY.items():
            for n, skus in enumerate(orders):
                buy(loyalty, f"{customer}-{n}", f"{customer}@example.com", *skus)
        yield loyalty


def test_pairs_rank_by_lift_above_the_least_support(shop: Loyalty) -> None:
    session = shop.state.session

    assert buyers(session) == 8
    assert top_pairs(session, 1) == [
        Pair("E", "F", 1, pytest.approx(4.0)),
        Pair("A", "B", 3, pytest.approx(2.0)),
        Pair("D", "E", 1, pytest.approx(4 / 3)),
    ]
    assert top_pairs(session, 2) == [Pair("A", "B", 3, pytest.approx(2.0))]
    assert top_pairs(session, 4) == []
    assert pair_count(session, 1) == 3
    assert top_pairs(session, 1, offset=1, limit=1) == [
        Pair("A", "B", 3, pytest.approx(2.0))
    ]


def test_what_goes_with_her_products_best_first(shop: Loyalty) -> None:
    session = shop.state.session

    # Each pair turned so that her product comes first.
    assert bought_with(session, {"A", "E"}, 1) == [
        Pair("E", "F", 1, pytest.approx(4.0)),
        Pair("A", "B", 3, pytest.approx(2.0)),
        Pair("E", "D", 1, pytest.approx(4 / 3)),
    ]
    assert bought_with(session, {"B"}, 1) == [Pair("B", "A", 3, pytest.approx(2.0))]
    assert bought_with(session, {"E"}, 2) == []
    assert bought_with(session, {"C"}, 1) == []  # only pairs below chance
    assert bought_with(session, set(), 1) == []
