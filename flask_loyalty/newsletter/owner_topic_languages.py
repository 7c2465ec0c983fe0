"""A topic's name and description in the shop's other languages: the owner
writes them on ``/owner/newsletter/topics/<id>/language?lang=hu``; the default
language's are written on the topic's own page."""

from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import abort
from flask import url_for
from wtforms import StringField
from wtforms.validators import Length

from ..errors import InvalidName
from ..i18n import _
from ..i18n import lazy_gettext
from ..owner.access import owner_required
from ..owner.language_versions import VersionForm
from ..owner.language_versions import edit_version
from ..owner.language_versions import version_picker
from ..state import get_state
from .models import Topic
from .topic_versions import save_topic_version


class TopicVersionForm(VersionForm):
    """A topic's name and description in one language."""

    texts = ("name", "description")
    name = StringField(lazy_gettext("Name"), validators=[Length(max=100)])
    description = StringField(
        lazy_gettext("Description (optional)"), validators=[Length(max=300)]
    )


def picker(topic: Topic, languages: t.Sequence[str]) -> list[t.Any]:
    """The language picker's items: the default links to the topic's page."""
    return version_picker(
        topic,
        languages,
        lambda code: (
            url_for(".owner_topic", topic_id=topic.id)
            if code == languages[0]
            else url_for(".owner_topic_language", topic_id=topic.id, lang=code)
        ),
    )


def register(bp: Blueprint) -> None:
    @bp.route(
        "/owner/newsletter/topics/<int:topic_id>/language", methods=["GET", "POST"]
    )
    @owner_required
    def owner_topic_language(topic_id: int) -> t.Any:
        state = get_state()
        topic = state.session.get(Topic, topic_id)
        if topic is None:
            abort(404)
        return edit_version(
            state,
            topic,
            TopicVersionForm,
            save_topic_version,
            default_url=url_for(".owner_topic", topic_id=topic.id),
            error=InvalidName,
            saved=_("The topic is saved."),
            template="loyalty/owner/newsletter/topic_language.html",
            context=lambda: {
                "topic": topic,
                "languages": picker(topic, state.settings.languages),
            },
        )
