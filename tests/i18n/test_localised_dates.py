"""Months and times of day on the owner's pages read in the page's language
(Babel's patterns for the locale), while the ISO month stays where a machine
reads it: a ``datetime`` attribute, the chart's ``data-month``."""

from __future__ import annotations

import re
import typing as t
from datetime import UTC
from datetime import datetime
from decimal import Decimal

import pytest
from flask import Flask
from flask_babel import force_locale

from flask_loyalty import FrozenClock
from flask_loyalty import OrderLine
from flask_loyalty.deliverability.models import HARD_BOUNCE
from flask_loyalty.deliverability.models import MailEvent
from flask_loyalty.i18n import format_month
from flask_loyalty.i18n import format_time_of_day
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys.editing import StepData
from tests.journeys.conftest import make_journey

LANGUAGES = ("en", "hu", "el")
NNBSP = "\u202f"  # CLDR's narrow no-break space before AM/PM


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
    ("language", "wide", "short", "year"),
    [
        ("en", "January 2026", "Jan", "2026"),
        ("hu", "2026. január", "jan.", "2026."),
        ("el", "Ιανουάριος 2026", "Ιαν", "2026"),
        ("et", "jaanuar 2026", "jaanuar", "2026"),  # CLDR: whole names
    ],
)
def test_a_month_reads_in_the_locale_s_order_and_words(
    app: Flask, language: str, wide: str, short: str, year: str
) -> None:
    with app.test_request_context(), force_locale(language):
        assert format_month("2026-01") == wide
        assert format_month(datetime(2026, 1, 31, 23, 59, tzinfo=UTC)) == wide
        assert format_month("2026-01", "MMM") == short
        assert format_month("2026-01", "y") == year


@pytest.mark.parametrize(
    ("language", "morning", "evening"),
    [
        ("en", f"9:30{NNBSP}AM", f"9:05{NNBSP}PM"),
        ("hu", "9:30", "21:05"),
        ("el", f"9:30{NNBSP}π.μ.", f"9:05{NNBSP}μ.μ."),
        ("et", "09:30", "21:05"),
    ],
)
def test_a_time_of_day_follows_the_locale_s_clock(
    app: Flask, language: str, morning: str, evening: str
) -> None:
    with app.test_request_context(), force_locale(language):
        assert format_time_of_day(9 * 60 + 30) == morning
        assert format_time_of_day(21 * 60 + 5) == evening


# -- the pages --------------------------------------------------------------------

DELIVERABILITY_MONTH = {
    "en": "January 2026",
    "hu": "2026. január",
    "el": "Ιανουάριος 2026",
}


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
    month = DELIVERABILITY_MONTH[language]
    assert f'<time datetime="2026-01">{month}</time>' in html
    assert f"{month} 0 1 0 0" in visible(html)  # the bounce, in its month's row
    assert "2026-01" not in visible(html)


CHART = {
    # language: (a bar's title, the axis under April 2025 ... March 2026)
    "en": (
        "January 2026: 1 new customers",
        "Apr 2025 May Jun Jul Aug Sep Oct Nov Dec Jan 2026 Feb Mar",
    ),
    "hu": (
        "2026. január: 1 új vásárlók",
        "ápr. 2025. máj. jún. júl. aug. szept. okt. nov. dec. jan. 2026. febr. márc.",
    ),
    "el": (
        "Ιανουάριος 2026: 1 νέοι πελάτες",
        "Απρ 2025 Μαΐ Ιουν Ιουλ Αυγ Σεπ Οκτ Νοε Δεκ Ιαν 2026 Φεβ Μαρ",
    ),
}


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
    title, axis = CHART[language]
    assert f"<title>{title}</title>" in svg
    # Each bar's short month, and the year under the first bar and January only.
    labels = re.findall(r'font-size="10" text-anchor="middle">([^<]*)</text>', svg)
    assert " ".join(labels) == axis
    assert '<g data-month="2026-01">' in svg  # the ISO month, for machines
    assert not re.search(r"\d\d-\d\d", visible(svg))


JOURNEY_TIME = {
    "en": ("at 9:30 AM", "at 9:05 PM"),
    "hu": ("9:30-kor", "21:05-kor"),
    "el": ("στις 9:30 π.μ.", "στις 9:05 μ.μ."),
}


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
    morning, evening = JOURNEY_TIME[language]
    assert morning in page and evening in page
    assert "09:30" not in page
    if language != "hu":  # a 12-hour clock
        assert "21:05" not in page
    # The edit form keeps the machine's "HH:MM" for the time input.
    edit = get(app, f"/loyalty/owner/journeys/{journey_id}/edit", language)
    assert 'value="21:05"' in edit and 'value="09:30"' in edit
