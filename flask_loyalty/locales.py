"""Which language a loyalty page, an email or a sentence is in.

Which language a loyalty page is in: the shop's ``locale_selector`` hook, else the
visitor's choice in the language switch (kept in the session), else her browser's
``Accept-Language``, limited to ``LOYALTY_LANGUAGES``; the first of those is the
default. The shop's own pages keep whatever the shop's Babel setup chooses. Email
goes out in the language stored with its reader (:func:`reader_language`).
"""

from __future__ import annotations

import functools
import typing as t
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path

import flask_babel
from babel import Locale
from babel import UnknownLocaleError
from flask import current_app
from flask import g
from flask import has_request_context
from flask import request
from flask import session
from flask_babel import get_locale as babel_locale
from flask_babel import get_timezone as babel_timezone

if t.TYPE_CHECKING:
    from datetime import tzinfo

    from flask import Flask

    from .state import LoyaltyState


def _babel_kept(name: str) -> t.Any:
    """What Flask-Babel keeps for this context under ``name`` (``babel_locale``,
    ``babel_tzinfo``), or ``None`` before it chose one or outside a context."""
    try:
        kept = g._get_current_object().__dict__.get("_flask_babel")
    except RuntimeError:  # no app context
        return None
    return getattr(kept, name, None)


def get_locale() -> Locale | None:
    """Flask-Babel's ``get_locale()``: the same locale (the one ``force_locale``
    sets too), read where Flask-Babel keeps it for this context in one look-up of
    ``g`` instead of its four; a page asks for it once per date or amount shown."""
    locale = _babel_kept("babel_locale")
    return t.cast(Locale, locale) if locale is not None else babel_locale()


def get_timezone() -> tzinfo | None:
    """Flask-Babel's ``get_timezone()``, read like :func:`get_locale`."""
    zone = _babel_kept("babel_tzinfo")
    return t.cast("tzinfo", zone) if zone is not None else babel_timezone()


BUILT_IN = str(files("flask_loyalty") / "translations")
"""The catalogs shipped in the wheel."""
SESSION_KEY = "loyalty_language"

LANGUAGE_NAMES = {
    "en": "English",
    "et": "Eesti",
    "el": "Ελληνικά",
    "hu": "Magyar",
    "tl": "Tagalog",
}
"""Each language named in itself, for the language switch."""

_TAGALOG_NAMES = {
    "en": "Ingles",
    "el": "Griyego",
    "et": "Estonian",
    "hu": "Hungarian",
    "tl": "Tagalog",
}
"""CLDR's Filipino data names languages in English; Tagalog sentences use these."""


def language_in_sentence(code: str) -> str:
    """A language named in the language of the page, as written inside a sentence
    ("a reader in Hungarian", "egy angol nyelvű olvasó"): lower case where the
    language writes it so (et, el, hu)."""
    page = get_locale()
    if page is None:
        return LANGUAGE_NAMES.get(code, code)
    if catalog_code(page) == "tl":
        return _TAGALOG_NAMES.get(code, LANGUAGE_NAMES.get(code, code))
    name = page.languages.get(code) or LANGUAGE_NAMES.get(code, code)
    return name.lower() if page.language in ("el", "et", "hu") else name


_CATALOG_CODES = {"fil": "tl"}
"""Babel parses ``tl`` (Tagalog) as Filipino, ``fil_PH``; its catalog is ``tl``."""


def catalog_code(locale: Locale | str) -> str:
    """The code of a locale's catalog and ``lang`` attribute: ``et``, ``pt_BR``..."""
    if isinstance(locale, str):
        return locale
    language = _CATALOG_CODES.get(locale.language, locale.language)
    if locale.territory and locale.language not in _CATALOG_CODES:
        return f"{language}_{locale.territory}"
    return language


def check_languages(
    value: t.Any, directories: t.Sequence[str] = (), *, default: str = "en"
) -> tuple[str, ...]:
    """Read ``LOYALTY_LANGUAGES``: codes Babel knows, the default first, each with
    a catalog (shipped, or in one of ``directories``) or English. Unset (``None``),
    the shop's ``default`` language alone if there is a catalog for it, else English:
    a shop offers the languages it chose, never a mix it did not.

    :raises RuntimeError: an empty list, a code Babel does not know, or a language
        with no catalog (its pages would be English marked as that language).
    """
    if value is None:
        try:
            usable = _has_catalog(Locale.parse(default), directories)
        except (UnknownLocaleError, ValueError, TypeError):
            usable = False
        return (default,) if usable else ("en",)
    codes = (value,) if isinstance(value, str) else tuple(value or ())
    if not codes:
        raise RuntimeError(
            "LOYALTY_LANGUAGES must list at least one language, for example ('en',)."
        )
    for code in codes:
        try:
            locale = Locale.parse(code)
        except (UnknownLocaleError, ValueError, TypeError):
            raise RuntimeError(
                f"LOYALTY_LANGUAGES: {code!r} is not a language code Babel knows,"
                " such as 'en', 'et' or 'pt_BR'."
            ) from None
        if not _has_catalog(locale, directories):
            shipped = sorted(p.name for p in Path(BUILT_IN).iterdir() if p.is_dir())
            raise RuntimeError(
                f"LOYALTY_LANGUAGES: flask-loyalty has no translation into {code!r}"
                f" (it ships en, {', '.join(shipped)}). Leave it out, or add your"
                " catalog with LOYALTY_TRANSLATION_DIRECTORIES."
            )
    return codes


def _has_catalog(locale: Locale, directories: t.Sequence[str]) -> bool:
    if locale.language == "en":
        return True  # the catalogs' own language
    names = {catalog_code(locale), _CATALOG_CODES.get(locale.language, locale.language)}
    return any(
        (Path(directory) / name / "LC_MESSAGES" / "flask_loyalty.mo").is_file()
        for directory in (*directories, BUILT_IN)
        for name in names
    )


def match_language(value: object, offered: t.Sequence[str]) -> str | None:
    """The offered code for ``value`` ("et-EE", "ET", "fil" → "et", "et", "tl"),
    or ``None`` for a language that is not offered or no language at all."""
    if not isinstance(value, str | Locale) or not str(value).strip():
        return None
    wanted = str(value).strip().replace("-", "_").lower()
    by_lower = {code.lower(): code for code in offered}
    if wanted in by_lower:
        return by_lower[wanted]
    base = wanted.split("_", 1)[0]
    base = _CATALOG_CODES.get(base, base)
    return by_lower.get(base)


def choose_language(state: LoyaltyState) -> tuple[str, str]:
    """The language of this loyalty page and who chose it.

    Returns ``(code, how)``; ``how`` is ``"shop"`` (the ``locale_selector`` hook),
    ``"switch"`` (the visitor's choice in this browser), ``"stored"`` (the one
    stored with the signed-in customer: her choice on another device, or the
    language she ordered or subscribed in), ``"browser"`` (``Accept-Language``)
    or ``"default"``.
    """
    offered = state.settings.languages
    hook = state.extension._locale_selector
    if hook is not None:
        code = match_language(hook(), offered)
        if code:
            return code, "shop"
    if has_request_context():
        code = match_language(session.get(SESSION_KEY), offered)
        if code:
            return code, "switch"
        if state.stored_language is not None and not g.get("loyalty_choosing"):
            g.loyalty_choosing = True  # her lookup must not ask for the language
            try:
                code = match_language(state.stored_language(state), offered)
            finally:
                g.loyalty_choosing = False
            if code:
                return code, "stored"
        for value, quality in request.accept_languages:
            code = match_language(value, offered) if quality > 0 else None
            if code:
                return code, "browser"
    return offered[0], "default"


def visitor_language(state: LoyaltyState) -> str | None:
    """The language of the person making this request, if the shop, she or her
    browser said one (``None`` outside a request or when only the default applies).
    """
    if not has_request_context():
        return None
    code, how = choose_language(state)
    return None if how == "default" else code


def reader_language(state: LoyaltyState, stored: str | None) -> str:
    """The language to write to a reader in: the one stored with her, if offered;
    else, on a loyalty page, that page's language; else the shop's default (the
    first of ``LOYALTY_LANGUAGES``)."""
    code = match_language(stored, state.settings.languages)
    if code:
        return code
    if has_request_context() and request.blueprint == state.settings.blueprint_name:
        return choose_language(state)[0]
    return state.settings.languages[0]


@contextmanager
def reader_locale(state: LoyaltyState, stored: str | None) -> t.Iterator[str]:
    """Render what is inside (an email) in the reader's language."""
    code = reader_language(state, stored)
    with flask_babel.force_locale(code):
        yield code


def current_language() -> str:
    """The code of the language being rendered now (for ``<html lang>``)."""
    locale = get_locale()
    return catalog_code(locale).replace("_", "-") if locale else "en"


def install_locale_selector(app: Flask, state: LoyaltyState) -> None:
    """Make Flask-Babel use :func:`choose_language` on loyalty pages only.

    The shop's own ``locale_selector`` (if any) keeps choosing for its own pages.
    Called by ``init_app`` and before each request, so a ``Babel(app)`` set up after
    ``Loyalty(app)`` is wrapped too.
    """
    config = app.extensions["babel"]
    if getattr(config.locale_selector, "loyalty", None) is state:
        return
    host = config.locale_selector

    def select() -> t.Any:
        if has_request_context() and request.blueprint == (
            state.settings.blueprint_name
        ):
            return page_locale(choose_language(state)[0])
        return host() if host is not None else None

    select.loyalty = state  # type: ignore[attr-defined]
    config.locale_selector = select


@functools.cache
def page_locale(code: str) -> Locale:
    """The one :class:`~babel.Locale` object of ``code`` (a code of
    ``LOYALTY_LANGUAGES``): Flask-Babel keeps a locale it is given as it is, so
    every page in that language has the same object, and a key holding it (the
    formatted values :mod:`.formats` remembers) is found without comparing two
    locales field by field (about 25 comparisons a page)."""
    return Locale.parse(code)


def use_page_language(state: LoyaltyState) -> None:
    """Before each loyalty page: choose its language afresh (the app context, and
    with it Flask-Babel's cached locale, may outlive one request in tests)."""
    install_locale_selector(current_app, state)
    flask_babel.refresh()
