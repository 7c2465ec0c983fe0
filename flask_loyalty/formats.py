"""Dates and times in the reader's language, for templates and email."""

from __future__ import annotations

import typing as t
from datetime import date
from datetime import time

from babel import Locale
from babel.dates import format_skeleton
from babel.dates import format_time
from flask_babel import get_locale


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
