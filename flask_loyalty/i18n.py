"""Translation functions for the extension's own strings.

The extension keeps its catalogs in its own Flask-Babel domain (``flask_loyalty``,
files in ``flask_loyalty/translations``) so they never mix with the shop's. In
templates, ``_`` first looks a string up in the extension's catalog and then in the
shop's, so a host base template rendered around a loyalty page keeps its own
translations. Which language is chosen: :mod:`flask_loyalty.locales`.
"""

from __future__ import annotations

import typing as t

import flask_babel
from babel import support
from flask import current_app
from flask_babel import Domain
from flask_babel import get_locale
from flask_wtf.i18n import translations as wtf_translations
from markupsafe import Markup
from markupsafe import escape

from .locales import BUILT_IN
from .locales import catalog_code
from .locales import current_language


class LoyaltyDomain(Domain):
    """The extension's domain: the shop's ``LOYALTY_TRANSLATION_DIRECTORIES`` first,
    then the catalogs shipped in the wheel."""

    def __init__(self) -> None:
        super().__init__(translation_directories=BUILT_IN, domain="flask_loyalty")
        self.caches: dict[tuple[str, ...], dict[t.Any, t.Any]] = {}

    @property
    def translation_directories(self) -> list[str]:
        state = current_app.extensions.get("loyalty")
        extra = list(state.settings.translation_directories) if state else []
        return [*extra, BUILT_IN]

    def get_translations_cache(self, ctx: t.Any) -> dict[t.Any, t.Any]:
        return self.caches.setdefault(tuple(self.translation_directories), {})

    def get_translations(self) -> support.NullTranslations:
        locale = get_locale()
        if locale is None:
            return support.NullTranslations()
        code = catalog_code(locale)
        cache = self.get_translations_cache(None)
        if code not in cache:
            translations = support.Translations()
            for dirname in reversed(self.translation_directories):
                catalog = support.Translations.load(dirname, [code], self.domain[0])
                if isinstance(catalog, support.Translations):
                    translations.merge(catalog)
                    translations.plural = catalog.plural
            cache[code] = translations
        return t.cast(support.NullTranslations, cache[code])


domain = LoyaltyDomain()


def _(string: str, **variables: t.Any) -> str:
    """Translate ``string`` in the current locale and fill in ``%(name)s`` fields."""
    return domain.gettext(string, **variables)


def ngettext(singular: str, plural: str, num: int, **variables: t.Any) -> str:
    """Translate a string with a plural form chosen by ``num`` (``%(num)d`` is set)."""
    return domain.ngettext(singular, plural, num, **variables)


lazy_gettext = domain.lazy_gettext
"""Translate when the string is used, not when it is defined (form labels)."""


def template_gettext(string: str, **variables: t.Any) -> str:
    """``_`` for templates: the extension's catalog first, then the shop's.

    A variable that is markup (an owner's text marked with its language by
    :func:`in_its_language`) is kept as markup, the rest of the sentence escaped."""
    marked = {k: v for k, v in variables.items() if isinstance(v, Markup)}
    if marked:
        holders = {k: f"\x00{k}\x00" for k in marked}
        sentence = escape(template_gettext(string, **{**variables, **holders}))
        for name, holder in holders.items():
            sentence = sentence.replace(holder, marked[name])
        return Markup(sentence)
    translated = domain.gettext(string, **variables)
    if translated == (string % variables if variables else string):
        return flask_babel.gettext(string, **variables)
    return translated


def as_code(text: object) -> Markup:
    """A code the machine reads (a topic's slug, a file's column): ``<code>``,
    the same in every language."""
    return Markup("<code>{}</code>").format(text)


def in_its_language(text: object, language: str | None = None) -> Markup | str:
    """An owner's text written in ``language`` (default: the shop's default
    language), marked ``<span lang>`` when the page is in another language, so a
    screen reader reads it in its own; unmarked text on a page of its language."""
    if text is None or text == "":
        return ""
    state = current_app.extensions["loyalty"]
    written = (language or state.settings.languages[0]).replace("_", "-")
    if written.split("-")[0] == current_language().split("-")[0]:
        return str(text)
    return Markup('<span lang="{}">{}</span>').format(written, text)


def template_ngettext(singular: str, plural: str, num: int, **variables: t.Any) -> str:
    """``ngettext`` for templates, falling back like :func:`template_gettext`."""
    translated = domain.ngettext(singular, plural, num, **variables)
    english = (singular if num == 1 else plural) % {"num": num, **variables}
    if translated == english:
        return flask_babel.ngettext(singular, plural, num, **variables)
    return translated


class FormTranslations:
    """WTForms' own messages ("This field is required.") in the extension's catalog
    first, then in WTForms' catalogs (through Flask-WTF)."""

    def gettext(self, string: str) -> str:
        translated = domain.get_translations().ugettext(string)
        return translated if translated != string else wtf_translations.gettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        translated = domain.get_translations().ungettext(singular, plural, n)
        if translated != (singular if n == 1 else plural):
            return translated
        return wtf_translations.ngettext(singular, plural, n)


form_translations = FormTranslations()


def _wtforms_messages() -> None:  # pragma: no cover - never called
    """WTForms' messages that the extension's forms can show, listed here for
    ``pybabel extract`` so that every language has them (WTForms has no Tagalog)."""
    _("This field is required.")
    _("Invalid input.")
    _("Not a valid choice.")
    _("Invalid Choice: could not coerce.")
    _("Invalid choice(s): one or more data inputs could not be coerced.")
    ngettext(
        "'%(value)s' is not a valid choice for this field.",
        "'%(value)s' are not valid choices for this field.",
        1,
    )
    ngettext(
        "Field must be at least %(min)d character long.",
        "Field must be at least %(min)d characters long.",
        1,
    )
    ngettext(
        "Field cannot be longer than %(max)d character.",
        "Field cannot be longer than %(max)d characters.",
        1,
    )
    _("Field must be between %(min)d and %(max)d characters long.")
    _("Number must be at least %(min)s.")
    _("Number must be at most %(max)s.")
    _("Number must be between %(min)s and %(max)s.")
    _("Not a valid integer value.")
    _("Not a valid decimal value.")
    _("Not a valid date value.")
    _("Not a valid time value.")
