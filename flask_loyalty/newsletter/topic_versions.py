"""A newsletter topic's name and description in the shop's other languages: the
subscribe form and the preferences page show a reader hers, else the default
language's words marked with their ``lang``."""

from __future__ import annotations

import typing as t
import unicodedata
from datetime import datetime

import flask_loyalty.content_versions as content_versions

from ..errors import InvalidName
from ..i18n import _
from .models import Topic
from .names import clean_first_name


def save_topic_version(
    topic: Topic,
    now: datetime,
    language: object,
    languages: t.Sequence[str],
    *,
    name: str,
    description: str = "",
) -> str:
    """Store ``topic``'s name and description in ``language`` (one of the shop's
    ``languages``, default first: that one renames the topic); an empty name and
    description in another language leave no version there. Returns the
    language.

    :raises InvalidName: an unknown language, a name with control characters or
        over 100 characters, or no name in the default language.
    """
    code = content_versions.check_language(language, languages, InvalidName)
    clean = clean_first_name(name) or ""
    kept = "".join(ch for ch in description or "" if unicodedata.category(ch) != "Cc")
    about = " ".join(kept.split())[:300]
    if not clean and (code == languages[0] or about):
        raise InvalidName(_("A topic needs a name."))
    if code == languages[0]:
        topic.name, topic.description = clean, about or None
        return code
    content_versions.write(
        topic, code, languages, {"name": clean, "description": about}, now
    )
    return code
