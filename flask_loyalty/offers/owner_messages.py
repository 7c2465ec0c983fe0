"""An offer's email in the shop's other languages: the owner writes its name (as
a customer reads it on her stamp card), a subject and message per language on
``/owner/offers/<id>/message?lang=hu`` (with a preview); each customer's email
uses her stored language, else the default
(:func:`flask_loyalty.offers.messages.message_parts`)."""

from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import abort
from flask import url_for
from wtforms import StringField
from wtforms.validators import Length

import flask_loyalty.content_versions as content_versions

from ..errors import InvalidOffer
from ..i18n import _
from ..i18n import lazy_gettext
from ..owner.access import owner_required
from ..owner.language_versions import VersionForm
from ..owner.language_versions import edit_version
from ..state import LoyaltyState
from ..state import get_state
from . import models as om
from .editing import save_message
from .forms import message_field
from .owner_steps import personal_fields
from .preview import preview_email


class MessageForm(VersionForm):
    """An offer's name, subject and message in one language."""

    texts = ("name", "subject", "message")
    name = StringField(
        lazy_gettext("The offer's name as customers read it"),
        validators=[Length(max=200)],
    )
    subject = StringField(lazy_gettext("Email subject"), validators=[Length(max=200)])
    message = message_field()


def picker(offer: om.Offer, languages: t.Sequence[str]) -> list[t.Any]:
    """The language picker's items for an offer's message."""
    if len(languages) < 2:
        return []
    have = content_versions.languages_with_text(
        offer, languages, bool((offer.message or "").strip())
    )
    return [
        (
            code,
            content_versions.language_name(code),
            code in have,
            url_for(".owner_offer_message", offer_id=offer.id, lang=code),
        )
        for code in languages
    ]


def _edit(state: LoyaltyState, offer: om.Offer) -> t.Any:
    return edit_version(
        state,
        offer,
        MessageForm,
        save_message,
        preview=lambda language: preview_email(state, offer, language),
        error=InvalidOffer,
        saved=_("The message is saved."),
        template="loyalty/offers/owner_message.html",
        context=lambda: {
            "offer": offer,
            "languages": picker(offer, state.settings.languages),
            "personal_fields": personal_fields,
        },
    )


def register(bp: Blueprint) -> None:
    @bp.route("/owner/offers/<int:offer_id>/message", methods=["GET", "POST"])
    @owner_required
    def owner_offer_message(offer_id: int) -> t.Any:
        state = get_state()
        offer = state.session.get(om.Offer, offer_id)
        if offer is None:
            abort(404)
        return _edit(state, offer)
