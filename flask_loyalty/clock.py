"""The one clock the extension reads time from.

All times are timezone-aware UTC. Tests and the shop can replace the clock with
``LOYALTY_CLOCK`` (any callable returning an aware :class:`~datetime.datetime`), so
expiry, birthdays and win-back can be tested without sleeping.
"""

from __future__ import annotations

import typing as t
from datetime import UTC
from datetime import datetime
from datetime import timedelta

Clock = t.Callable[[], datetime]


def system_clock() -> datetime:
    """Return the current time as an aware UTC datetime."""
    return datetime.now(UTC)


class FrozenClock:
    """A clock that stands still until it is moved; for tests.

    ``clock = FrozenClock(datetime(2026, 1, 1, tzinfo=UTC))``, then
    ``clock.advance(days=3)``.
    """

    def __init__(self, now: datetime) -> None:
        self.now = as_utc(now)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> datetime:
        """Move the clock forward by ``timedelta(**delta)`` and return the new time."""
        self.now += timedelta(**delta)
        return self.now


def as_utc(value: datetime) -> datetime:
    """Convert an aware datetime to UTC.

    :raises ValueError: if ``value`` is naive (it has no time zone).
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError("naive datetime: give a time zone (UTC recommended)")
    return value.astimezone(UTC)
