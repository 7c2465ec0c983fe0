"""Translation functions for the extension's own strings.

The extension keeps its catalogs in its own Flask-Babel domain (``flask_loyalty``,
files in ``flask_loyalty/translations``) so they never mix with the shop's. In
templates, ``_`` first looks a string up in the extension's catalog and then in the
shop's, so a host base template rendered around a loyalty page keeps its own
translations.
"""

from __future__ import annotations

import typing as t
from importlib.resources import files

import flask_babel
from flask_babel import Domain

domain = Domain(
    translation_directories=str(files("flask_loyalty") / "translations"),
    domain="flask_loyalty",
)


def _(string: str, **variables: t.Any) -> str:
    """Translate ``string`` in the current locale and fill in ``%(name)s`` fields."""
    return domain.gettext(string, **variables)


def ngettext(singular: str, plural: str, num: int, **variables: t.Any) -> str:
    """Translate a string with a plural form chosen by ``num`` (``%(num)d`` is set)."""
    return domain.ngettext(singular, plural, num, **variables)


lazy_gettext = domain.lazy_gettext
"""Translate when the string is used, not when it is defined (form labels)."""


def template_gettext(string: str, **variables: t.Any) -> str:
    """``_`` for templates: the extension's catalog first, then the shop's."""
    translated = domain.gettext(string, **variables)
    if translated == (string % variables if variables else string):
        return flask_babel.gettext(string, **variables)
    return translated


def template_ngettext(singular: str, plural: str, num: int, **variables: t.Any) -> str:
    """``ngettext`` for templates, falling back like :func:`template_gettext`."""
    translated = domain.ngettext(singular, plural, num, **variables)
    english = (singular if num == 1 else plural) % {"num": num, **variables}
    if translated == english:
        return flask_babel.ngettext(singular, plural, num, **variables)
    return translated
