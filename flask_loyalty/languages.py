"""The language switch on loyalty pages: buttons for the offered languages, and the
view they post to, which remembers the choice in the session (and with a signed-in
customer, for her email)."""

from __future__ import annotations

import typing as t
from urllib.parse import urlencode
from urllib.parse import urlsplit

from babel import Locale
from flask import Blueprint
from flask import abort
from flask import has_request_context
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from markupsafe import Markup
from wtforms import StringField

from .customers.views import current_customer
from .forms import ActionForm
from .i18n import template_gettext
from .locales import LANGUAGE_NAMES
from .locales import SESSION_KEY
from .locales import choose_language
from .locales import current_language
from .locales import match_language
from .newsletter.service import find_subscriber
from .state import get_state

if t.TYPE_CHECKING:
    from .state import LoyaltyState


def _back_to(value: object) -> str | None:
    """A path on this site to go back to, never another site."""
    if not isinstance(value, str) or not value.startswith("/"):
        return None
    parts = urlsplit(value)
    if parts.scheme or parts.netloc or value.startswith(("//", "/\\")):
        return None
    return value


def _this_page() -> str | None:
    rule = request.url_rule
    if request.method == "GET" and (request.endpoint or "").endswith(".policy"):
        # A policy page's ``?lang=`` (its hreflang address) would overrule the switch
        kept = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
        return request.path + (f"?{urlencode(kept)}" if kept else "")
    if request.method == "GET":
        return request.full_path.rstrip("?")
    if rule is not None and rule.methods and "GET" in rule.methods:
        return request.path
    return None


class LanguageForm(ActionForm):
    """The language switch: one button per language, and the page to go back to."""

    language = StringField()
    next = StringField()


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """The language switch: a template global and the view it posts to."""

    @bp.app_template_global("loyalty_language_switch")
    def language_switch(anywhere: bool = False) -> Markup:
        """Buttons for the offered languages, on loyalty pages only, or on every
        page with ``anywhere=True`` (for a shop whose Flask-Babel follows
        :meth:`Loyalty.page_language`).

        In the shop's base template: ``{{ loyalty_language_switch() }}``. It shows
        nothing on the shop's own pages (unless ``anywhere``), with a single
        language, or when the shop's ``locale_selector`` decided the language.
        """
        state = get_state()
        if (
            not has_request_context()
            or (not anywhere and request.blueprint != state.settings.blueprint_name)
            or len(state.settings.languages) < 2
        ):
            return Markup("")
        current, how = choose_language(state)
        if how == "shop":
            return Markup("")
        # the page's own language (a policy page's ``?lang=`` address may differ)
        current = (
            match_language(current_language(), state.settings.languages) or current
        )
        return Markup(
            render_template(
                "loyalty/_languages.html",
                form=LanguageForm(),
                current=current,
                languages=[
                    (code, LANGUAGE_NAMES.get(code) or language_name(code))
                    for code in state.settings.languages
                ],
                back_to=_this_page(),
                _=template_gettext,
                loyalty=state,
            )
        )

    @bp.route("/language", methods=["POST"])
    def set_language() -> t.Any:
        """Remember the visitor's language; a signed-in customer's is stored too.

        A language that is not offered forgets the choice (the browser's language
        or the default applies) instead of failing.
        """
        state = get_state()
        form = LanguageForm()
        if not form.validate_on_submit():
            abort(400)
        code = match_language(form.language.data, state.settings.languages)
        if code is None:
            session.pop(SESSION_KEY, None)
        else:
            session[SESSION_KEY] = code
            customer = current_customer(state)
            if customer is not None:  # hers on every device, and for her mail
                store_language(state, customer.email, code)
                customer.locale = code
                state.session.commit()
        back = _back_to(form.next.data) or url_for(".account")
        return redirect(back, code=303)


def store_language(state: LoyaltyState, email: str, code: str) -> None:
    """Keep ``code`` as the language of the subscriber with ``email`` too (in the
    session's transaction): her newsletters follow her choice."""
    subscriber = find_subscriber(state.session, email)
    if subscriber is not None:
        subscriber.locale = code


def language_name(code: str) -> str:
    """A language named in itself, by Babel ("magyar" for ``hu``)."""
    locale = Locale.parse(code)
    name = locale.get_display_name(locale) or code
    return name[:1].upper() + name[1:]
