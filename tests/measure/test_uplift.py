"""The verdict on a measure: pays, harms, no difference, or too few to tell."""

from __future__ import annotations

import pytest

from flask_loyalty.measure.uplift import HARMS
from flask_loyalty.measure.uplift import NO_DIFFERENCE
from flask_loyalty.measure.uplift import NO_HOLDOUT
from flask_loyalty.measure.uplift import PAYS
from flask_loyalty.measure.uplift import TOO_FEW
from flask_loyalty.measure.uplift import Group
from flask_loyalty.measure.uplift import judge


def two(treated: tuple[int, int], held: tuple[int, int], spend: int = 4000):
    """Groups of (people, came back), each who came back spending ``spend``."""
    groups, revenue = [], {}
    for out, (people, back) in ((False, treated), (True, held)):
        groups.append(Group(people, back, back, back * spend, 0))
        revenue[out] = [spend] * back + [0] * (people - back)
    return groups[0], groups[1], revenue


def test_an_offer_that_brings_people_back_pays():
    treated, held, revenue = two((630, 189), (70, 7))  # 30% against 10%
    u = judge(treated, held, revenue, seed="offer:1")
    assert u.verdict == PAYS
    assert u.rate.estimate == pytest.approx(0.2)
    assert 0 < u.rate.low < 0.2 < u.rate.high
    assert u.revenue.estimate == 800  # 0.30 * 40.00 - 0.10 * 40.00
    assert u.revenue.low > 0
    assert u.more_needed >= 0


def test_an_offer_that_keeps_people_away_harms():
    u = judge(*two((630, 63), (70, 21)), seed="offer:1")  # 10% against 30%
    assert u.verdict == HARMS
    assert u.rate.high < 0


def test_many_people_and_no_difference_says_so():
    u = judge(*two((9000, 2700), (1000, 300)), seed="offer:1")
    assert u.verdict == NO_DIFFERENCE
    assert u.rate.low < 0 < u.rate.high
    assert u.more_needed == 0


def test_few_people_give_no_percentage_but_how_many_more_are_needed():
    u = judge(*two((45, 12), (5, 1)), seed="offer:1")
    assert u.verdict == TOO_FEW
    # 80% power for 5 more in 100 at about 26%, one in ten held out: thousands.
    assert 4000 < u.more_needed < 20000


def test_a_small_holdout_is_too_few_even_with_a_wide_gap():
    u = judge(*two((90, 80), (10, 0)), seed="offer:1")
    assert u.rate.low > 0
    assert u.verdict == TOO_FEW
    assert u.more_needed >= 100  # 20 held out at one in ten


def test_without_anyone_held_out_there_is_nothing_to_compare():
    u = judge(*two((50, 10), (0, 0)), seed="offer:1")
    assert (u.verdict, u.rate, u.revenue) == (NO_HOLDOUT, None, None)


def test_the_same_groups_give_the_same_report():
    args = two((400, 120), (50, 9))
    assert judge(*args, seed="journey:2") == judge(*args, seed="journey:2")


def test_a_share_set_with_no_one_held_out_yet_is_too_few_not_nothing():
    u = judge(*two((0, 0), (0, 0)), seed="offer:1", share=10)
    assert u.verdict == TOO_FEW
    assert u.more_needed >= 200  # 20 held out at one in ten
    assert judge(*two((3, 1), (0, 0)), seed="offer:1", share=0).verdict == NO_HOLDOUT
