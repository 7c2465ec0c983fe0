"""The blueprint that serves the loyalty pages, built once per app by ``init_app``."""

from __future__ import annotations

import typing as t
from copy import copy
from decimal import Decimal
from importlib.resources import files

from babel import Locale
from babel.numbers import format_percent as babel_percent
from babel.numbers import get_plus_sign_symbol
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import request
from flask.wrappers import Response
from flask_babel import format_currency
from flask_babel import format_date
from flask_babel import format_datetime
from flask_babel import format_decimal
from flask_babel import format_percent
from flask_babel import get_locale

from .customers import setup as customers_setup
from .db import MAX_ID
from .deliverability import setup as deliverability_setup
from .formats import format_day
from .formats import format_month
from .formats import format_time_of_day
from .i18n import as_code
from .i18n import in_its_language
from .i18n import template_gettext
from .i18n import template_ngettext
from .journeys import setup as journeys_setup
from .languages import register as register_languages
from .locales import language_in_sentence
from .locales import use_page_language
from .money import from_minor
from .newsletter import setup as newsletter_setup
from .offers import setup as offers_setup
from .owner import setup as owner_setup
from .pages import loyalty_url
from .pages import page_context
from .points import setup as points_setup
from .policies import setup as policies_setup
from .returns import setup as returns_setup
from .state import LoyaltyState
from .static_views import register as register_static

TEMPLATE_FOLDER = str(files("flask_loyalty.templates"))


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


FILTERS: dict[str, t.Callable[..., str]] = {
    "loyalty_money": _money,
    "loyalty_cents": _cents,
    "loyalty_number": format_decimal,
    "loyalty_signed": _signed,
    "loyalty_percent": _percent,
    "loyalty_language": _language,
    "loyalty_in_its_language": in_its_language,
    "loyalty_code": as_code,
    "loyalty_date": format_date,
    "loyalty_datetime": lambda value: format_datetime(value, "short"),
    "loyalty_month": format_month,
    "loyalty_day": format_day,
    "loyalty_time": format_time_of_day,
}
"""Template filters for numbers, money and dates in the reader's locale."""


def protect_page(response: Response) -> Response:
    """No loyalty page may be framed by another site (clickjacking an owner's
    button), and a page with a token in its address sends no ``Referer``."""
    response.headers.setdefault("X-Frame-Options", "DENY")
    policy = response.headers.get("Content-Security-Policy")
    if policy is None:
        response.headers["Content-Security-Policy"] = "frame-ancestors 'none'"
    elif "frame-ancestors" not in policy:
        response.headers["Content-Security-Policy"] = (
            f"{policy.rstrip('; ')}; frame-ancestors 'none'"
        )
    if "token" in (request.view_args or {}):
        response.headers["Referrer-Policy"] = "no-referrer"
    return response


def refuse_impossible_ids(
    endpoint: str | None, values: dict[str, t.Any] | None
) -> None:
    """404 for an id in the address that no row can have (``/offers/0``,
    ``/offers/99999999999999999999999``), before the database driver fails on it."""
    for value in (values or {}).values():
        if isinstance(value, int) and not 0 < value <= MAX_ID:
            abort(404)


def build_blueprint(state: LoyaltyState) -> Blueprint:
    """Create the blueprint for one app; each domain's ``setup.register`` adds
    its views, navigation, hooks and due tasks, in the order the navigation shows."""
    bp = Blueprint(
        state.settings.blueprint_name,
        __name__,
        url_prefix=state.settings.url_prefix or None,
        template_folder=TEMPLATE_FOLDER,
    )

    bp.context_processor(lambda: page_context(state))
    # The set-up checks run before the first loyalty page, not the shop's own pages.
    bp.before_request(lambda: state.check_config(current_app))
    bp.url_value_preprocessor(refuse_impossible_ids)
    bp.after_request(protect_page)

    bp.add_app_template_global(loyalty_url, "loyalty_url")
    bp.add_app_template_global(template_gettext, "loyalty_gettext")
    bp.add_app_template_global(template_ngettext, "loyalty_ngettext")
    bp.add_app_template_global(language_in_sentence, "loyalty_language_in_sentence")
    bp.add_app_template_global(
        lambda: state.settings.languages[0], "loyalty_default_language"
    )
    for name, function in FILTERS.items():
        bp.add_app_template_filter(function, name)

    register_static(bp, state)
    customers_setup.register(bp, state)
    register_languages(bp, state)
    bp.before_request(lambda: use_page_language(state))
    owner_setup.register(bp, state)
    deliverability_setup.register(bp, state)  # after Outbox in the navigation
    newsletter_setup.register(bp, state)
    points_setup.register(bp, state)
    offers_setup.register(bp, state)  # offers, checkout codes, segments
    policies_setup.register(bp, state)
    returns_setup.register(bp, state)
    journeys_setup.register(bp, state)  # welcome and post-purchase series
    return bp
