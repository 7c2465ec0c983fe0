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

import flask_loyalty.signals as signals

from .customers import data_views
from .customers import views as customer_views
from .db import MAX_ID
from .deliverability import views as deliverability_views
from .i18n import format_month
from .i18n import format_time_of_day
from .i18n import language_in_sentence
from .i18n import lazy_gettext
from .i18n import template_gettext
from .i18n import template_ngettext
from .i18n import use_page_language
from .journeys import setup as journeys_setup
from .languages import register as register_languages
from .money import from_minor
from .newsletter import owner_views as newsletter_owner_views
from .newsletter import views as newsletter_views
from .newsletter.mail import build_due_campaigns
from .newsletter.mail import count_due_recipients
from .newsletter.mail import send_requested_links
from .offers import setup as offers_setup
from .owner import views as owner_views
from .pages import loyalty_url
from .pages import page_context
from .points import owner_views as points_owner_views
from .points import views as points_views
from .points.bonuses import on_subscription_confirmed
from .points.bonuses import pay_referral
from .points.due import run_points_due
from .points.service import earn_for_order
from .points.service import reverse_for_refund
from .policies import views as policy_views
from .returns import owner_views as return_owner_views
from .returns import views as return_views
from .state import DueTask
from .state import LoyaltyState
from .state import NavItem
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
    "loyalty_date": format_date,
    "loyalty_datetime": lambda value: format_datetime(value, "short"),
    "loyalty_month": format_month,
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
    """Create the blueprint for one app, with every domain's views."""

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
    for name, function in FILTERS.items():
        bp.add_app_template_filter(function, name)

    register_static(bp, state)
    customer_views.register(bp, state)
    data_views.register(bp, state)
    register_languages(bp, state)
    bp.before_request(lambda: use_page_language(state))
    newsletter_views.register(bp, state)
    state.due_tasks.append(
        DueTask(lazy_gettext("Newsletter settings links"), send_requested_links)
    )
    state.due_tasks.append(
        DueTask(
            lazy_gettext("Building newsletter campaigns"),
            build_due_campaigns,
            count_due_recipients,
        )
    )
    owner_views.register(bp)
    state.owner_nav.append(NavItem("owner_dashboard", lazy_gettext("Overview")))
    state.owner_nav.append(NavItem("owner_customers", lazy_gettext("Customers")))
    state.owner_nav.append(NavItem("owner_outbox", lazy_gettext("Outbox")))
    deliverability_views.register(bp, state)  # after Outbox in the navigation
    newsletter_owner_views.register(bp, state)
    state.owner_nav.append(NavItem("owner_newsletter", lazy_gettext("Newsletter")))
    points_views.register(bp, state)
    points_owner_views.register(bp, state)
    state.owner_nav.append(NavItem("owner_points", lazy_gettext("Points")))
    state.order_hooks.append(earn_for_order)
    state.order_hooks.append(pay_referral)
    state.refund_hooks.append(reverse_for_refund)
    state.due_tasks.append(DueTask(lazy_gettext("Points"), run_points_due))
    bp.record_once(
        lambda setup: signals.subscription_confirmed.connect(
            on_subscription_confirmed, sender=setup.app, weak=False
        )
    )
    offers_setup.register(bp, state)  # offers, checkout codes, segments
    policy_views.register(bp, state)
    return_views.register(bp, state)
    return_owner_views.register(bp, state)
    state.owner_nav.append(NavItem("owner_policies", lazy_gettext("Policies")))
    state.owner_nav.append(NavItem("owner_returns", lazy_gettext("Returns")))
    journeys_setup.register(bp, state)  # welcome and post-purchase series
    return bp
