"""The holdout statistics against published values (Newcombe 1998, Fleiss)."""

from __future__ import annotations

import pytest

from flask_loyalty.measure.stats import Z95
from flask_loyalty.measure.stats import bootstrap_mean_difference
from flask_loyalty.measure.stats import newcombe_difference
from flask_loyalty.measure.stats import people_needed
from flask_loyalty.measure.stats import wilson_interval

from .another_process import printed


@pytest.mark.parametrize(
    ("successes", "n", "low", "high"),
    [
        # Newcombe (1998), "Two-sided confidence intervals for the single
        # proportion", Table I, method 3 (Wilson score).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
    ],
)
def test_wilson_interval_matches_newcombe_table_1(successes, n, low, high):
    got = wilson_interval(successes, n)
    assert got == (pytest.approx(low, abs=5e-5), pytest.approx(high, abs=5e-5))


@pytest.mark.parametrize(
    ("x1", "n1", "x2", "n2", "low", "high"),
    [
        # Newcombe (1998), "Interval estimation for the difference between
        # independent proportions: comparison of eleven methods", Table II,
        # method 10 (hybrid score).
        (56, 70, 48, 80, 0.0524, 0.3339),
        (9, 10, 3, 10, 0.1705, 0.8090),
        (5, 56, 0, 29, -0.0381, 0.1926),
        (0, 10, 0, 20, -0.1611, 0.2775),
        (0, 10, 0, 10, -0.2775, 0.2775),
        (10, 10, 0, 20, 0.6791, 1.0),
        (10, 10, 0, 10, 0.6075, 1.0),
    ],
)
def test_newcombe_difference_matches_table_2_method_10(x1, n1, x2, n2, low, high):
    got = newcombe_difference(x1, n1, x2, n2)
    assert got.estimate == pytest.approx(x1 / n1 - x2 / n2)
    assert got.low == pytest.approx(low, abs=5e-5)
    assert got.high == pytest.approx(high, abs=5e-5)


def test_the_interval_is_symmetric_when_the_groups_swap():
    forward = newcombe_difference(56, 70, 48, 80)
    backward = newcombe_difference(48, 80, 56, 70)
    assert (backward.low, backward.high) == pytest.approx((-forward.high, -forward.low))
    assert forward.above_zero and not forward.below_zero
    assert backward.below_zero


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((5, 4, 1, 10), "is not a count"),
        ((-1, 4, 1, 10), "is not a count"),
        ((0, 0, 1, 10), "at least one person"),
    ],
)
def test_impossible_counts_are_refused(args, message):
    with pytest.raises(ValueError, match=message):
        newcombe_difference(*args)


@pytest.mark.parametrize(
    ("base", "difference", "each"),
    [
        # Fleiss, Levin & Paik (2003), sample size without continuity correction
        # for alpha 0.05 two-sided, power 0.80.
        (0.5, 0.1, 388),
        (0.6, 0.2, 82),
    ],
)
def test_people_needed_matches_textbook_sizes(base, difference, each):
    assert people_needed(base, difference) == (each, each)


def test_a_small_control_group_needs_more_people_in_all():
    equal = sum(people_needed(0.3, 0.05))
    treated, control = people_needed(0.3, 0.05, ratio=9)
    assert treated == pytest.approx(9 * control, abs=9)
    assert treated + control > equal


@pytest.mark.parametrize(("base", "difference"), [(0.0, 0.1), (0.95, 0.1), (0.3, 0)])
def test_people_needed_refuses_impossible_rates(base, difference):
    with pytest.raises(ValueError):
        people_needed(base, difference)


def test_z95_is_the_normal_quantile():
    assert Z95 == pytest.approx(1.959964, abs=1e-6)


def test_bootstrap_covers_the_true_difference_and_is_seeded():
    treated = [0] * 800 + [4200] * 200  # 8.40 per person
    holdout = [0] * 90 + [4200] * 10  # 4.20 per person
    first = bootstrap_mean_difference(treated, holdout, seed="offer:1")
    again = bootstrap_mean_difference(treated, holdout, seed="offer:1")
    other = bootstrap_mean_difference(treated, holdout, seed="offer:2")
    assert first == again
    assert first.estimate == 420
    assert first.low < 420 < first.high
    assert first.low > 0  # 20% against 10% buying again, 1000 against 100 people
    assert other != first


def test_bootstrap_gives_the_same_interval_in_another_process():
    code = (
        "from flask_loyalty.measure.stats import bootstrap_mean_difference as b;"
        "print(b([0, 100, 250, 900] * 30, [0, 0, 300] * 7, seed='journey:7'))"
    )
    runs = printed(code)
    here = bootstrap_mean_difference(
        [0, 100, 250, 900] * 30, [0, 0, 300] * 7, seed="journey:7"
    )
    assert runs == {f"{here}\n"}


@pytest.mark.parametrize(
    ("first", "second", "kwargs"),
    [([], [1], {}), ([1], [2], {"resamples": 10}), ([1.5], [2], {})],
)
def test_bootstrap_refuses_bad_input(first, second, kwargs):
    with pytest.raises(ValueError):
        bootstrap_mean_difference(first, second, seed=1, **kwargs)
