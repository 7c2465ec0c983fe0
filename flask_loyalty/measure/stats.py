"""The statistics of a holdout comparison, as pure functions.

No database, no request, no clock: counts and amounts in, intervals out.

- :func:`wilson_interval`: the score interval of one proportion.
- :func:`newcombe_difference`: the difference of two independent proportions with
  Newcombe's hybrid score interval (method 10 of Newcombe 1998, built from two
  Wilson intervals).
- :func:`bootstrap_mean_difference`: the difference of two means of money
  (integer minor units) with a seeded percentile bootstrap.
- :func:`people_needed`: how many people each group needs for a two-proportion
  test to find a given difference (normal approximation, unequal groups).
"""

from __future__ import annotations

import math
import random
import typing as t
from dataclasses import dataclass
from statistics import NormalDist

Z95 = NormalDist().inv_cdf(0.975)
"""The two-sided 95% normal quantile, 1.959963984540054."""


@dataclass(frozen=True)
class Interval:
    """An estimate with its lower and upper bound (``low <= estimate <= high``)."""

    estimate: float
    low: float
    high: float

    @property
    def above_zero(self) -> bool:
        return self.low > 0

    @property
    def below_zero(self) -> bool:
        return self.high < 0


@dataclass(frozen=True)
class MoneyInterval:
    """A difference of means in minor units (cents), rounded to whole cents."""

    estimate: int
    low: int
    high: int


def wilson_interval(successes: int, n: int, z: float = Z95) -> tuple[float, float]:
    """The Wilson score interval of ``successes / n`` (``(0, 1)`` when ``n`` is 0).

    :raises ValueError: if ``n`` is negative or ``successes`` is outside ``0..n``.
    """
    _check_count(successes, n)
    if n == 0:
        return 0.0, 1.0
    p = successes / n
    z2 = z * z
    centre = 2 * n * p + z2
    spread = z * math.sqrt(z2 + 4 * n * p * (1 - p))
    denominator = 2 * (n + z2)
    low = 0.0 if successes == 0 else (centre - spread) / denominator
    high = 1.0 if successes == n else (centre + spread) / denominator
    return low, high


def newcombe_difference(
    successes_1: int, n_1: int, successes_2: int, n_2: int, z: float = Z95
) -> Interval:
    """The difference ``p1 - p2`` of two independent proportions and its hybrid
    score interval (Newcombe 1998, method 10).

    :raises ValueError: if a group is empty or a count is out of range.
    """
    _check_count(successes_1, n_1)
    _check_count(successes_2, n_2)
    if n_1 == 0 or n_2 == 0:
        raise ValueError("both groups need at least one person")
    p1, p2 = successes_1 / n_1, successes_2 / n_2
    l1, u1 = wilson_interval(successes_1, n_1, z)
    l2, u2 = wilson_interval(successes_2, n_2, z)
    difference = p1 - p2
    low = difference - math.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    high = difference + math.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    return Interval(difference, max(low, -1.0), min(high, 1.0))


def bootstrap_mean_difference(
    values_1: t.Sequence[int],
    values_2: t.Sequence[int],
    *,
    seed: int | str,
    resamples: int = 1000,
    level: float = 0.95,
) -> MoneyInterval:
    """The difference of the means of two groups of integer amounts (cents per
    person), with a percentile bootstrap interval. The same ``seed`` and values
    give the same interval in every run and process.

    :raises ValueError: if a group is empty or ``resamples`` is below 100.
    """
    if not values_1 or not values_2:
        raise ValueError("both groups need at least one person")
    if resamples < 100:
        raise ValueError("at least 100 resamples are needed")
    if any(not isinstance(v, int) for v in (*values_1, *values_2)):
        raise ValueError("amounts are integer minor units")
    rng = random.Random(str(seed))
    first, second = list(values_1), list(values_2)
    n_1, n_2 = len(first), len(second)
    differences = sorted(
        sum(rng.choices(first, k=n_1)) / n_1 - sum(rng.choices(second, k=n_2)) / n_2
        for _ in range(resamples)
    )
    tail = (1 - level) / 2
    low = differences[int(math.floor(tail * (resamples - 1)))]
    high = differences[int(math.ceil((1 - tail) * (resamples - 1)))]
    estimate = sum(first) / n_1 - sum(second) / n_2
    return MoneyInterval(_cents(estimate), _cents(low), _cents(high))


def people_needed(
    base_rate: float,
    difference: float,
    *,
    ratio: float = 1.0,
    alpha: float = 0.05,
    power: float = 0.8,
) -> tuple[int, int]:
    """``(treated, control)`` group sizes for a two-sided two-proportion z-test at
    ``alpha`` to find ``base_rate + difference`` against ``base_rate`` with
    ``power``, when the treated group is ``ratio`` times the control group.

    :raises ValueError: if a rate leaves ``(0, 1)``, ``difference`` is 0 or
        ``ratio`` is not positive.
    """
    p_control = base_rate
    p_treated = base_rate + difference
    if not (0 < p_control < 1 and 0 < p_treated < 1):
        raise ValueError("rates must lie strictly between 0 and 1")
    if difference == 0 or ratio <= 0:
        raise ValueError("a non-zero difference and a positive ratio are needed")
    normal = NormalDist()
    z_alpha = normal.inv_cdf(1 - alpha / 2)
    z_beta = normal.inv_cdf(power)
    pooled = (ratio * p_treated + p_control) / (ratio + 1)
    under_null = z_alpha * math.sqrt(pooled * (1 - pooled) * (1 + 1 / ratio))
    under_alternative = z_beta * math.sqrt(
        p_treated * (1 - p_treated) / ratio + p_control * (1 - p_control)
    )
    control = math.ceil((under_null + under_alternative) ** 2 / difference**2)
    return math.ceil(control * ratio), control


def _cents(value: float) -> int:
    return int(math.floor(value + 0.5))


def _check_count(successes: int, n: int) -> None:
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"{successes} of {n} is not a count")
