"""Money: :class:`~decimal.Decimal` in the API, integer minor units in the database."""

from __future__ import annotations

import typing as t
from decimal import Decimal
from functools import lru_cache

from babel.numbers import get_currency_precision
from babel.numbers import list_currencies

from .errors import InvalidAmount
from .errors import UnknownCurrency
from .i18n import _


@lru_cache(maxsize=1)
def _known_currencies() -> frozenset[str]:
    return frozenset(list_currencies())


def check_currency(code: object) -> str:
    """Return ``code`` as an upper-case ISO 4217 code.

    :raises UnknownCurrency: if Babel does not know the code.
    """
    if not isinstance(code, str) or code.upper() not in _known_currencies():
        raise UnknownCurrency(_("Unknown currency %(code)r.", code=str(code)[:10]))
    return code.upper()


def to_minor(amount: t.Any, currency: str, *, what: str = "amount") -> int:
    """Convert a Decimal amount to integer minor units (cents) of ``currency``.

    :raises InvalidAmount: if ``amount`` is not a finite, non-negative Decimal, or has
        more decimal places than the currency has (``Decimal("1.005")`` in EUR).
    """
    if not isinstance(amount, Decimal) or isinstance(amount, bool):
        raise InvalidAmount(
            _(
                "The %(what)s must be a Decimal, not %(type)s.",
                what=what,
                type=type(amount).__name__,
            )
        )
    if not amount.is_finite():
        raise InvalidAmount(_("The %(what)s must be a finite number.", what=what))
    if amount < 0:
        raise InvalidAmount(_("The %(what)s cannot be negative.", what=what))
    digits = get_currency_precision(currency)
    minor = amount.scaleb(digits)
    if minor != minor.to_integral_value():
        raise InvalidAmount(
            _(
                "The %(what)s %(amount)s has more than %(digits)d decimal places.",
                what=what,
                amount=amount,
                digits=digits,
            )
        )
    if minor > 10**15:
        raise InvalidAmount(_("The %(what)s is too large.", what=what))
    return int(minor)


def from_minor(minor: int, currency: str) -> Decimal:
    """Convert integer minor units back to a Decimal with the currency's places."""
    digits = get_currency_precision(currency)
    return Decimal(minor).scaleb(-digits).quantize(Decimal(1).scaleb(-digits))
