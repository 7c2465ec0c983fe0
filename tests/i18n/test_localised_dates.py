"""Months and times of day on the owner's pages read in the page's language
(Babel's patterns for the locale), while the ISO month stays where a machine
reads it: a ``datetime`` attribute, the chart's ``data-month``.

The month names and clock formats expected here are asked of the installed Babel
(CLDR's data), not written out: a CLDR update (Estonian's "jaanuar" became "jaan"
as the short name in Babel 2.19) changes no test. What is written out is ours: the
words of our catalogs around a date, and which end of a month the year stands at."""

from __future__ import annotations

import re
import typing as t
from datetime import UTC
from datetime import date
from datetime import datetime
from datetime import time
from decimal import Decimal

import pytest
from babel import Locale
from babel.dates import format_skeleton
from babel.dates import format_time
from flask import Flask
from flask_babel import force_locale

from flask_loyalty import FrozenClock
from flask_loyalty import OrderLine
from flask_loyalty.deliverability.models import HARD_BOUNCE
from flask_loyalty.deliverability.models import MailEvent
from flask_loyalty.formats import format_month
from flask_loyalty.formats import format_time_of_day
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys.editing import StepData
from tests.journeys.conftest import make_journey

LANGUAGES = ("en", "hu", "el")
JANUARY = date(2026, 1, 1)


def cldr_month(language: str, skeleton: str, day: date = JANUARY) -> str:
    """A month as CLDR writes it in ``language`` for a skeleton ("yMMMM", "y")."""
    return t.cast(str, format_skeleton(skeleton, day, locale=language))


def cldr_month_names(language: str, width: str) -> set[str]:
    """January's ``width`` name ("wide", "abbreviated") in either CLDR context."""
    months = Locale.parse(language).months
    return {months[context][width][1] for context in ("format", "stand-alone")}


def cldr_time(language: str, minutes: int) -> str:
    return t.cast(
        str, format_time(time(minutes // 60, minutes % 60), "short", locale=language)
    )


def owner_app(make_app: t.Callable[..., Flask]) -> Flask:
    app = make_app()
    app.extensions["loyalty"].extension.owner_check(lambda: True)
    return app


def get(app: Flask, url: str, language: str) -> str:
    response = app.test_client().get(url, headers={"Accept-Language": language})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert f'<html lang="{language}"' in html
    return html


def visible(html: str) -> str:
    """The page's text without tags (attributes are for machines), any space
    (also CLDR's narrow no-break one) as one plain space."""
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


# -- the filters ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("language", "year_first"),
    [("en", False), ("hu", True), ("el", False), ("et", False)],
)
def test_a_month_reads_in_the_locale_s_order_and_words(
    app: Flask, language: str, year_first: bool
) -> None:
    with app.test_request_context(), force_locale(language):
        wide = format_month("2026-01")
        assert format_month(datetime(2026, 1, 31, 23, 59, tzinfo=UTC)) == wide
        year = format_month("2026-01", "y")
        short = format_month("2026-01", "MMM")
    assert year.startswith("2026")
    assert wide.startswith(year) is year_first
    assert wide.replace(year, "").strip() in cldr_month_names(language, "wide")
    # Older CLDR data gave Estonian whole names here ("jaanuar", Babel 2.16).
    assert short in cldr_month_names(language, "abbreviated") | cldr_month_names(
        language, "wide"
    )
    assert (wide, short, year) == tuple(
        cldr_month(language, skeleton) for skeleton in ("yMMMM", "MMM", "y")
    )


@pytest.mark.parametrize(
    ("language", "twenty_four_hours"),
    [("en", False), ("hu", True), ("el", False), ("et", True)],
)
def test_a_time_of_day_follows_the_locale_s_clock(
    app: Flask, language: str, twenty_four_hours: bool
) -> None:
    with app.test_request_context(), force_locale(language):
        morning = format_time_of_day(9 * 60 + 30)
        evening = format_time_of_day(21 * 60 + 5)
    assert (morning, evening) == (cldr_time(language, 570), cldr_time(language, 1265))
    assert ("21" in evening) is twenty_four_hours
    assert ("9:05" in evening) is not twenty_four_hours


# -- the pages --------------------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_deliverability_months_are_named_in_the_page_s_language(
    make_app: t.Callable[..., Flask], language: str
) -> None:
    app = owner_app(make_app)
    with app.app_context():
        session = app.extensions["loyalty"].session
        session.add(
            MailEvent(
                kind=HARD_BOUNCE,
                email="gone@example.com",
                email_hash="0" * 64,
                source="owner",
                at=datetime(2026, 1, 15, 12, 0, tzinfo=UTC),
            )
        )
        session.commit()
    html = get(app, "/loyalty/owner/deliverability", language)
    month = cldr_month(language, "yMMMM")
    assert f'<time datetime="2026-01">{month}</time>' in html
    assert f"{month} 0 1 0 0" in visible(html)  # the bounce, in its month's row
    assert "2026-01" not in visible(html)


NEW_CUSTOMERS = {
    "en": "1 new customers",
    "hu": "1 új vásárlók",
    "el": "1 νέοι πελάτες",
}
"""Our catalogs' words for a bar's title, after the month."""


def chart_axis(language: str) -> str:
    """The labels under April 2025 ... March 2026: each month's short name, and
    the year under the first bar and under January."""
    labels = []
    for index in range(12):
        day = date(2025 + (index + 3) // 12, (index + 3) % 12 + 1, 1)
        labels.append(cldr_month(language, "MMM", day))
        if index == 0 or day.month == 1:
            labels.append(cldr_month(language, "y", day))
    return " ".join(labels)


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_offers_chart_names_its_months_in_the_page_s_language(
    make_app: t.Callable[..., Flask], clock: FrozenClock, language: str
) -> None:
    app = owner_app(make_app)
    loyalty = app.extensions["loyalty"].extension
    ring = OrderLine("RNG-TIDE", "Sea Glass Ring", 1, Decimal("24.00"), "rings")
    with app.app_context():
        for ref, placed_at in (
            ("SF-1", datetime(2025, 12, 20, 12, 0, tzinfo=UTC)),  # new
            ("SF-2", datetime(2026, 1, 10, 12, 0, tzinfo=UTC)),  # returning
        ):
            loyalty.record_order(
                ref,
                email="anna@example.com",
                total=Decimal("24.00"),
                items=[ring],
                placed_at=placed_at,
            )
        loyalty.record_order(
            "SF-3",
            email="bob@example.com",
            total=Decimal("24.00"),
            items=[ring],
            placed_at=datetime(2026, 1, 12, 12, 0, tzinfo=UTC),  # new
        )
    html = get(app, "/loyalty/owner/offers/", language)
    svg = html[html.index("<svg") : html.index("</svg>")]
    title = f"{cldr_month(language, 'yMMMM')}: {NEW_CUSTOMERS[language]}"
    assert f"<title>{title}</title>" in svg
    # Each bar's short month, and the year under the first bar and January only.
    labels = re.findall(r'font-size="10" text-anchor="middle">([^<]*)</text>', svg)
    assert " ".join(labels) == chart_axis(language)
    assert '<g data-month="2026-01">' in svg  # the ISO month, for machines
    assert not re.search(r"\d\d-\d\d", visible(svg))


AT_TIME = {"en": "at {}", "hu": "{}-kor", "el": "στις {}"}
"""Our catalogs' words around a step's time of day."""


@pytest.mark.parametrize("language", LANGUAGES)
def test_journey_step_times_follow_the_locale_s_clock(
    make_app: t.Callable[..., Flask], language: str
) -> None:
    app = owner_app(make_app)
    journey_id = make_journey(
        app,
        [
            StepData(action=jm.POINTS, points=10, delay_days=1, at_time="09:30"),
            StepData(action=jm.POINTS, points=10, delay_days=2, at_time="21:05"),
        ],
        name="Welcome series",
    )
    page = visible(get(app, f"/loyalty/owner/journeys/{journey_id}", language))
    morning, evening = (
        AT_TIME[language].format(" ".join(cldr_time(language, minutes).split()))
        for minutes in (570, 1265)
    )
    assert morning in page and evening in page
    assert "09:30" not in page
    if language != "hu":  # a 12-hour clock
        assert "21:05" not in page
    # The edit form keeps the machine's "HH:MM" for the time input.
    edit = get(app, f"/loyalty/owner/journeys/{journey_id}/edit", language)
    assert 'value="21:05"' in edit and 'value="09:30"' in edit


def test_remembered_formats_follow_the_locale_time_zone_and_filter(
    make_app: t.Callable[..., Flask],
) -> None:
    """The filters remember what they wrote (formats.remembering): by value, filter,
    locale and, for a datetime, time zone; 1.5 and 1.50 are different values."""
    app = make_app(BABEL_DEFAULT_TIMEZONE="Europe/Tallinn")
    late = datetime(2026, 3, 1, 23, 30, tzinfo=UTC)  # 2 March in Tallinn
    page = (
        "{{ when|loyalty_date }} {{ when|loyalty_datetime }} {{ 1.5|loyalty_number }}"
        " {{ price|loyalty_number }} {{ price|loyalty_money('EUR') }}"
    )
    with app.test_request_context("/"):
        shown = {}
        for language in ("en", "hu", "en", "hu"):
            with force_locale(language):
                text = app.jinja_env.from_string(page).render(
                    when=late, price=Decimal("1.50")
                )
            assert shown.setdefault(language, text) == text
    assert shown["en"] != shown["hu"]
    assert shown["en"].startswith("Mar 2, 2026 3/2/26")
    assert "1.5 1.5 €1.50" in shown["en"]
    assert app.extensions["loyalty"].formatted  # remembered indeed
