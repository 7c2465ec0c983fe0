"""Numbers, money, dates and times in the reader's language: the template filters
(:data:`FILTERS`) and the formats Babel has no one call for."""

from __future__ import annotations

import typing as t
from copy import copy
from datetime import date
from datetime import datetime
from datetime import time
from decimal import Decimal

from babel import Locale
from babel.dates import format_skeleton
from babel.dates import format_time
from babel.numbers import format_percent as babel_percent
from babel.numbers import get_plus_sign_symbol
from flask_babel import format_currency
from flask_babel import format_date
from flask_babel import format_datetime
from flask_babel import format_decimal
from flask_babel import format_percent

from .content_versions import marked
from .i18n import as_code
from .i18n import in_its_language
from .locales import get_locale
from .locales import get_timezone
from .money import from_minor


def _reader_locale() -> Locale:
    return get_locale() or Locale("en")


def format_month(value: date | str, skeleton: str = "yMMMM") -> str:
    """A calendar month in the reader's language: "March 2026", "2026. március",
    "Μάρτιος 2026" (``"yMMM"``: "Mar 2026"; ``"MMM"``: the month alone).

    ``value`` is a date or datetime (only its year and month count: no time zone
    is applied) or an ISO month, ``"2026-03"``. Template filter ``loyalty_month``.
    """
    if isinstance(value, str):
        year, month = value.split("-")[:2]
        value = date(int(year), int(month), 1)
    first = date(value.year, value.month, 1)
    return t.cast(str, format_skeleton(skeleton, first, locale=_reader_locale()))


def format_day(value: date) -> str:
    """A day without its year, short, in the reader's language: "Mar 2",
    "márc. 2.", "2 Μαρ" (a chart's axis). Template filter ``loyalty_day``."""
    return t.cast(str, format_skeleton("MMMd", value, locale=_reader_locale()))


def format_time_of_day(value: time | int) -> str:
    """A wall-clock time (or minutes after midnight) in the reader's short form:
    "9:30 AM", "9:30", "9:30 π.μ.". Never moved to another time zone.
    Template filter ``loyalty_time``."""
    if isinstance(value, int):
        value = time(value // 60, value % 60)
    return t.cast(str, format_time(value, "short", locale=_reader_locale()))


MAX_REMEMBERED = 4096
"""Formatted values an app keeps (:func:`remembering`); then it starts afresh."""


def remembering(
    format_value: t.Callable[..., str], kept: dict[tuple[t.Any, ...], str]
) -> t.Callable[..., str]:
    """``format_value`` as a template filter that remembers in ``kept`` (one app's)
    what it wrote, per locale (and time zone, for a datetime): Babel's formatting
    is a pure function of those and costs 20-40 µs a value, and a page shows the
    same dates and amounts several times, pages the same ones again."""

    def format_remembered(value: t.Any, *args: t.Any, **kwargs: t.Any) -> str:
        shown = str(value) if isinstance(value, Decimal) else value  # 1.5 or 1.50
        zone = get_timezone() if isinstance(value, datetime) else None
        key = (format_value, type(value), shown, args, tuple(kwargs.items()))
        key += (get_locale(), zone)
        try:
            return kept[key]
        except KeyError:
            pass
        except TypeError:  # a value that cannot be a key is written every time
            return format_value(value, *args, **kwargs)
        if len(kept) >= MAX_REMEMBERED:
            kept.clear()
        kept[key] = written = format_value(value, *args, **kwargs)
        return written

    format_remembered.__name__ = format_remembered.__qualname__ = format_value.__name__
    format_remembered.__doc__ = format_value.__doc__
    return format_remembered


def _money(amount: Decimal, currency: str) -> str:
    return format_currency(amount, currency)


def _cents(minor: int, currency: str) -> str:
    return format_currency(from_minor(minor, currency), currency)


def _signed(number: int) -> str:
    """A change in points with its sign, "+1,200" or "−40", in the locale's way."""
    if number < 0:
        return format_decimal(number)
    return get_plus_sign_symbol(get_locale()) + format_decimal(number)


def _percent(number: float | Decimal, digits: int = 0) -> str:
    """A share of 1 as a percentage in the locale's form: "5 %", "5%", "%5";
    with ``digits``, that many decimals ("0,25 %")."""
    if not digits:
        return format_percent(number)
    locale = get_locale() or Locale("en")
    pattern = copy(locale.percent_formats[None])
    pattern.frac_prec = (digits, digits)
    return babel_percent(number, format=pattern, locale=locale)


def _language(code: str) -> str:
    """A language's name in the reader's language ("Estonian", "eesti"...)."""
    reader = get_locale() or Locale("en")
    language, _sep, territory = code.replace("-", "_").partition("_")
    name = reader.languages.get(language.lower()) or code
    if territory:
        name += f" ({reader.territories.get(territory.upper(), territory)})"
    return t.cast(str, name)


def _datetime(value: datetime) -> str:
    return format_datetime(value, "short")


FILTERS: dict[str, t.Callable[..., t.Any]] = {
    "loyalty_money": _money,
    "loyalty_cents": _cents,
    "loyalty_number": format_decimal,
    "loyalty_signed": _signed,
    "loyalty_percent": _percent,
    "loyalty_language": _language,
    "loyalty_in_its_language": in_its_language,
    "loyalty_shown": marked,
    "loyalty_code": as_code,
    "loyalty_date": format_date,
    "loyalty_datetime": _datetime,
    "loyalty_month": format_month,
    "loyalty_day": format_day,
    "loyalty_time": format_time_of_day,
}
"""Template filters for numbers, money and dates in the reader's locale."""

PURE = frozenset(FILTERS) - {
    "loyalty_language",
    "loyalty_in_its_language",
    "loyalty_shown",
    "loyalty_code",
}
"""The filters whose text depends only on the value, the locale and the time zone."""


def app_filters(
    kept: dict[tuple[t.Any, ...], str],
) -> dict[str, t.Callable[..., t.Any]]:
    """:data:`FILTERS` for one app, the :data:`PURE` ones remembering in ``kept``."""
    return {
        name: remembering(function, kept) if name in PURE else function
        for name, function in FILTERS.items()
    }
