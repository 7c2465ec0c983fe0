"""The blueprint that serves the loyalty pages, built once per app by ``init_app``."""

from __future__ import annotations

import typing as t
from importlib.resources import files

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import request
from flask.wrappers import Response

from .copurchases import setup as copurchases_setup
from .customers import setup as customers_setup
from .db import MAX_ID
from .deliverability import setup as deliverability_setup
from .formats import app_filters
from .forms import csrf_input
from .i18n import template_gettext
from .i18n import template_ngettext
from .journeys import setup as journeys_setup
from .languages import register as register_languages
from .locales import language_in_sentence
from .locales import use_page_language
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
    bp.add_app_template_global(csrf_input, "loyalty_csrf_input")
    bp.add_app_template_global(
        lambda: state.settings.languages[0], "loyalty_default_language"
    )
    for name, function in app_filters(state.formatted).items():
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
    copurchases_setup.register(bp, state)  # products bought together
    policies_setup.register(bp, state)
    returns_setup.register(bp, state)
    journeys_setup.register(bp, state)  # welcome and post-purchase series
    return bp
