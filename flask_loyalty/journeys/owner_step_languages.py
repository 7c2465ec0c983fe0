"""A journey's name (``/owner/journeys/<id>/name?lang=hu``) and a journey
email's text in the shop's other languages: the owner writes a
subject and text per language on
``/owner/journeys/<id>/steps/<step>/message?lang=hu``; each subscriber gets the
version in her language, else the default language's, the whole email in that
one language (:class:`flask_loyalty.journeys.mail.StepMailer`)."""

from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import abort
from flask import url_for
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Length

import flask_loyalty.content_versions as content_versions

from ..errors import InvalidJourney
from ..i18n import _
from ..i18n import lazy_gettext
from ..owner.access import owner_required
from ..owner.language_versions import VersionForm
from ..owner.language_versions import edit_version
from ..owner.language_versions import version_picker
from ..state import LoyaltyState
from ..state import get_state
from . import models as jm
from .editing import save_journey_name
from .editing import save_step_message


class JourneyNameForm(VersionForm):
    """A journey's name in one language."""

    texts = ("name",)
    name = StringField(lazy_gettext("Name"), validators=[Length(max=200)])


def name_picker(journey: jm.Journey, languages: t.Sequence[str]) -> list[t.Any]:
    """The language picker's items for a journey's name: the default links to
    the journey's settings, where it is written."""
    return version_picker(
        journey,
        languages,
        lambda code: (
            url_for(".owner_journey_edit", journey_id=journey.id)
            if code == languages[0]
            else url_for(".owner_journey_name", journey_id=journey.id, lang=code)
        ),
    )


class StepMessageForm(VersionForm):
    """An email step's subject and text in one language."""

    texts = ("subject", "body")
    subject = StringField(lazy_gettext("Subject"), validators=[Length(max=200)])
    body = TextAreaField(lazy_gettext("Text"), render_kw={"rows": 10})


def picker(step: jm.Step, languages: t.Sequence[str]) -> list[t.Any]:
    """The language picker's items for an email step."""
    if len(languages) < 2:
        return []
    have = content_versions.languages_with_text(
        step, languages, bool((step.body or "").strip())
    )
    return [
        (
            code,
            content_versions.language_name(code),
            code in have,
            url_for(
                ".owner_journey_step_message",
                journey_id=step.journey_id,
                step_id=step.id,
                lang=code,
            ),
        )
        for code in languages
    ]


def _step(state: LoyaltyState, journey_id: int, step_id: int) -> jm.Step:
    step = state.session.get(jm.Step, step_id)
    if step is None or step.journey_id != journey_id or step.action != jm.EMAIL:
        abort(404)
    return step


def register(bp: Blueprint) -> None:
    @bp.route(
        "/owner/journeys/<int:journey_id>/steps/<int:step_id>/message",
        methods=["GET", "POST"],
    )
    @owner_required
    def owner_journey_step_message(journey_id: int, step_id: int) -> t.Any:
        state = get_state()
        step = _step(state, journey_id, step_id)
        return edit_version(
            state,
            step,
            StepMessageForm,
            save_step_message,
            error=InvalidJourney,
            saved=_("The email is saved."),
            template="loyalty/owner/journeys/step_message.html",
            context=lambda: {
                "step": step,
                "journey": step.journey,
                "languages": picker(step, state.settings.languages),
            },
        )

    @bp.route("/owner/journeys/<int:journey_id>/name", methods=["GET", "POST"])
    @owner_required
    def owner_journey_name(journey_id: int) -> t.Any:
        state = get_state()
        journey = state.session.get(jm.Journey, journey_id)
        if journey is None:
            abort(404)
        return edit_version(
            state,
            journey,
            JourneyNameForm,
            save_journey_name,
            default_url=url_for(".owner_journey_edit", journey_id=journey.id),
            error=InvalidJourney,
            saved=_("The journey is saved."),
            template="loyalty/owner/journeys/name_language.html",
            context=lambda: {
                "journey": journey,
                "languages": name_picker(journey, state.settings.languages),
            },
        )
