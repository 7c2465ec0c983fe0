"""Owner-written content in several languages: one version per offered language.

A policy page, an offer and a campaign keep their text in the shop's default
language (the first of ``LOYALTY_LANGUAGES``) in their own columns, as before, and
the other languages in a JSON column ``translations`` on the same row::

    {"hu": {"title": "Szállítás", "body": "...", "updated_at": "2026-03-05T..."}}

The fields of a version are those of the row (``title``/``body`` for a page,
``subject``/``message`` for an offer, ``subject``/``body`` for a campaign). A
version is read with its row (no join, no query per reader when a campaign goes
out) and goes away with it. The dict is replaced, never changed in place, so
SQLAlchemy sees every change.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime

from babel import Locale
from markupsafe import Markup

from .i18n import _
from .i18n import in_its_language
from .locales import LANGUAGE_NAMES
from .locales import catalog_code
from .locales import get_locale
from .locales import language_in_sentence
from .locales import match_language


class HasTranslations(t.Protocol):
    translations: dict[str, dict[str, str]] | None


@dataclass(frozen=True)
class Version:
    """The text to show a reader: its fields, its language, and whether it is a
    fallback (the reader's language has no version)."""

    fields: dict[str, str]
    language: str
    wanted: str
    updated_at: datetime | None = None

    @property
    def fell_back(self) -> bool:
        return self.language != self.wanted

    def __getitem__(self, name: str) -> str:
        return self.fields[name]


def language_name(code: str) -> str:
    """A language named in itself (``hu`` → ``Magyar``), for notes and pickers."""
    if code in LANGUAGE_NAMES:
        return LANGUAGE_NAMES[code]
    try:
        return str(Locale.parse(code).get_display_name(code) or code)
    except (ValueError, TypeError, LookupError):
        return code


def reading_language() -> str | None:
    """The code of the language being written now (a page's, an email's under
    ``force_locale``) as versions are stored under it; ``None`` outside both."""
    locale = get_locale()
    return catalog_code(locale) if locale is not None else None


def shown(versions: dict[str, dict[str, str]] | None, name: str) -> str | None:
    """The field ``name`` of the version (from a row's ``translations``) in the
    language being written now, if there is one and it is not empty; else
    ``None`` (the caller shows the default language's text)."""
    code = reading_language()
    if code is None or not versions:
        return None
    return (versions.get(code) or {}).get(name) or None


def shown_with_language(
    versions: dict[str, dict[str, str]] | None, name: str, default: str
) -> tuple[str, str | None]:
    """The field ``name`` as :func:`shown` picks it, with its language: the
    version in the language being written now, else ``default`` (the row's own
    text) and ``None``, the shop's default language (for
    ``loyalty_in_its_language``)."""
    version = shown(versions, name)
    if version is not None:
        return version, reading_language()
    return default, None


def marked(row: HasTranslations, name: str) -> Markup | str:
    """The field ``name`` of ``row`` for the reader of the page or email being
    written: her language's version, else the row's own text marked with the
    default language (``<span lang>``). Template filter ``loyalty_shown``:
    ``{{ topic|loyalty_shown("name") }}``."""
    text, language = shown_with_language(
        row.translations, name, getattr(row, name) or ""
    )
    return in_its_language(text, language)


def check_language(
    value: object, offered: t.Sequence[str], error: type[Exception]
) -> str:
    """The offered code for ``value``.

    :raises error: ``value`` is not one of the shop's languages (the message says
        which are).
    """
    code = match_language(value, offered)
    if code is None or str(value).strip().replace("-", "_").lower() != code.lower():
        raise error(
            _(
                "%(code)s is not one of the shop's languages (%(offered)s).",
                code=repr(str(value)[:20]),
                offered=", ".join(offered),
            )
        )
    return code


def stored(row: HasTranslations) -> dict[str, dict[str, str]]:
    """The row's versions in other languages than the default (a copy)."""
    return {code: dict(fields) for code, fields in (row.translations or {}).items()}


def languages_with_text(
    row: HasTranslations, offered: t.Sequence[str], has_default: bool = True
) -> list[str]:
    """The offered languages that have a version, the default first."""
    have = stored(row)
    return [
        code
        for index, code in enumerate(offered)
        if (index == 0 and has_default) or (index > 0 and code in have)
    ]


def read(
    row: HasTranslations,
    names: t.Sequence[str],
    wanted: str,
    offered: t.Sequence[str],
) -> Version:
    """The version of ``row`` in ``wanted``, else in the default language.

    The default language's text is in the row's own columns ``names``.
    """
    default = offered[0]
    versions = stored(row)
    if wanted != default and wanted in versions:
        version = versions[wanted]
        when = version.get("updated_at")
        return Version(
            {n: version.get(n, "") for n in names},
            wanted,
            wanted,
            datetime.fromisoformat(when) if when else None,
        )
    own = {n: getattr(row, n) or "" for n in names}
    return Version(own, default, wanted, getattr(row, "updated_at", None))


def write(
    row: HasTranslations,
    language: str,
    offered: t.Sequence[str],
    fields: dict[str, str],
    now: datetime,
    actor: str | None = None,
) -> dict[str, str] | None:
    """Store ``fields`` as the version in ``language``; return the version it
    replaced (``None`` for a new one). The default language goes to the row's own
    columns."""
    if language == offered[0]:
        before = {n: getattr(row, n) for n in fields}
        for name, value in fields.items():
            setattr(row, name, value)
        return before
    versions = stored(row)
    before = versions.get(language)
    versions[language] = {
        **fields,
        "updated_at": now.isoformat(),
        **({"updated_by": actor} if actor else {}),
    }
    row.translations = versions
    return before


def fallback_note(version: Version) -> str | None:
    """The note on a page shown in another language than the reader's ("This
    page is not available in Hungarian; showing English.", the languages named
    in the page's), else ``None``."""
    if not version.fell_back:
        return None
    return _(
        "This page is not available in %(wanted)s; showing %(shown)s.",
        wanted=language_in_sentence(version.wanted),
        shown=language_in_sentence(version.language),
    )
