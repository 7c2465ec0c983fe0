"""What loyalty pages share beyond the blueprint: links to them by endpoint and
the variables every template sees. Views import these; the blueprint installs them."""

from __future__ import annotations

import typing as t

from flask import url_for

from .i18n import page_text
from .locales import current_language
from .locales import get_locale
from .state import LoyaltyState
from .state import get_state


def loyalty_url(endpoint: str, **values: t.Any) -> str:
    """``url_for`` for a loyalty page, whatever the blueprint is called.

    In the shop's templates: ``{{ loyalty_url("account") }}``.
    """
    name = get_state().settings.blueprint_name
    return url_for(f"{name}.{endpoint}", **values)


def page_context(state: LoyaltyState) -> dict[str, t.Any]:
    """What every loyalty template sees (also when the shop renders a macro)."""
    locale = get_locale()
    text = page_text()  # the locale and catalogs resolved once per render
    return {
        "_": text.gettext,
        "ngettext": text.ngettext,
        "loyalty": state,
        "loyalty_base_template": state.settings.base_template,
        "loyalty_lang": current_language() if locale else "en",
    }
