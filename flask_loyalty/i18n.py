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
from flask import has_app_context
from flask import has_request_context
from flask_babel import Domain
from markupsafe import Markup
from markupsafe import escape
from wtforms.i18n import messages_path

from .locales import BUILT_IN
from .locales import catalog_code
from .locales import current_language
from .locales import get_locale


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


class PageText:
    """``_`` and ``ngettext`` of loyalty templates in one locale: the extension's
    catalog first, then the shop's (for a string the extension leaves as it is).

    Built once per pair of catalogs (:func:`page_text`) and bound into each
    template's context, so a page resolves its locale and catalogs once, not twice
    per string; each string's lookup is remembered."""

    def __init__(
        self, extension: support.NullTranslations, shop: support.NullTranslations
    ) -> None:
        self.extension, self.shop = extension, shop
        self.found: dict[str, str] = {}

    def lookup(self, string: str) -> str:
        try:
            return self.found[string]
        except KeyError:
            pass
        translated = self.extension.ugettext(string)
        if translated == string:
            translated = self.shop.ugettext(string)
        if len(self.found) < MAX_REMEMBERED:
            self.found[string] = translated
        return translated

    def gettext(self, string: str, **variables: t.Any) -> str:
        """Translate ``string`` and fill in its fields. A variable that is markup
        (an owner's text marked with its language by :func:`in_its_language`) is
        kept as markup, the rest of the sentence escaped."""
        if not variables:
            return self.lookup(string)
        for value in variables.values():
            if isinstance(value, Markup):
                return self._with_markup(string, variables)
        return self.lookup(string) % variables

    def _with_markup(self, string: str, variables: dict[str, t.Any]) -> Markup:
        marked = {k: v for k, v in variables.items() if isinstance(v, Markup)}
        holders = {k: f"\x00{k}\x00" for k in marked}
        sentence = escape(self.gettext(string, **{**variables, **holders}))
        for name, holder in holders.items():
            sentence = sentence.replace(holder, marked[name])
        return Markup(sentence)

    def ngettext(self, singular: str, plural: str, num: int, **variables: t.Any) -> str:
        """Translate with the plural form for ``num`` (``%(num)d`` is set)."""
        variables.setdefault("num", num)
        translated = self.extension.ungettext(singular, plural, num)
        if translated == (singular if num == 1 else plural):
            translated = self.shop.ungettext(singular, plural, num)
        return translated % variables


MAX_REMEMBERED = 5000
"""Strings a :class:`PageText` remembers (a template's strings are a few hundred)."""


def page_text() -> PageText:
    """The :class:`PageText` of the locale being rendered now."""
    extension, shop = domain.get_translations(), flask_babel.get_translations()
    if not has_app_context() or not isinstance(extension, support.Translations):
        return PageText(extension, shop)
    # Kept with the extension's catalog (cached per locale by its domain), for
    # each of the shop's catalogs (cached per locale by Flask-Babel).
    texts = extension.__dict__.setdefault("_loyalty_page_texts", {})
    text = texts.get(id(shop))
    if text is None or text.shop is not shop:
        text = texts[id(shop)] = PageText(extension, shop)
    return t.cast(PageText, text)


def template_gettext(string: str, **variables: t.Any) -> str:
    """``_`` for templates: the extension's catalog first, then the shop's (see
    :class:`PageText`; a loyalty page binds one per render instead)."""
    return page_text().gettext(string, **variables)


def template_ngettext(singular: str, plural: str, num: int, **variables: t.Any) -> str:
    """``ngettext`` for templates, falling back like :func:`template_gettext`."""
    return page_text().ngettext(singular, plural, num, **variables)


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


class FormTranslations:
    """WTForms' own messages ("This field is required.") in the extension's catalog
    first, then in WTForms' catalogs (read once per locale: Flask-WTF's own
    ``translations`` reads the file again for every request)."""

    def __init__(self) -> None:
        self.wtforms: dict[str, support.NullTranslations] = {}

    def fallback(self) -> support.NullTranslations:
        locale = get_locale() if has_request_context() else None
        if locale is None or "babel" not in current_app.extensions:
            return support.NullTranslations()
        catalog = self.wtforms.get(str(locale))
        if catalog is None:
            catalog = support.Translations.load(
                messages_path(), [locale], domain="wtforms"
            )
            self.wtforms[str(locale)] = catalog
        return catalog

    def gettext(self, string: str) -> str:
        translated = domain.get_translations().ugettext(string)
        return translated if translated != string else self.fallback().ugettext(string)

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        translated = domain.get_translations().ungettext(singular, plural, n)
        if translated != (singular if n == 1 else plural):
            return translated
        return self.fallback().ungettext(singular, plural, n)


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
