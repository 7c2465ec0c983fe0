"""A campaign in the shop's other languages: the owner writes a subject and body
per language on ``/owner/newsletter/campaigns/<id>/language?lang=hu``; each
subscriber gets the version in her stored language, else the default
(:meth:`flask_loyalty.newsletter.mail.NewsletterMailer.renderer`)."""

from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import abort
from flask import request
from flask import url_for
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Length

import flask_loyalty.content_versions as content_versions

from ..errors import InvalidContent
from ..i18n import _
from ..i18n import lazy_gettext
from ..locales import current_language
from ..locales import match_language
from ..owner.access import owner_required
from ..owner.language_versions import VersionForm
from ..owner.language_versions import edit_version
from ..state import LoyaltyState
from ..state import get_state
from .campaigns import save_text
from .models import DRAFT
from .models import SCHEDULED
from .models import Campaign


class CampaignTextForm(VersionForm):
    """A campaign's subject and body in one language."""

    texts = ("subject", "body")
    subject = StringField(lazy_gettext("Subject"), validators=[Length(max=200)])
    body = TextAreaField(lazy_gettext("Text"), render_kw={"rows": 14})


def picker(
    campaign: Campaign, languages: t.Sequence[str], endpoint: str
) -> list[t.Any]:
    """The language picker's items: each language links to ``endpoint``."""
    if len(languages) < 2:
        return []
    have = content_versions.languages_with_text(campaign, languages)
    return [
        (
            code,
            content_versions.language_name(code),
            code in have,
            url_for(".owner_campaign", campaign_id=campaign.id)
            if code == languages[0] and endpoint == ".owner_campaign_language"
            else url_for(endpoint, campaign_id=campaign.id, lang=code),
        )
        for code in languages
    ]


def chosen_language(languages: t.Sequence[str]) -> str:
    """``?lang=`` (or the form's ``language``) if offered; 404 for another;
    without one, the owner's page language if offered, else the default."""
    wanted = request.values.get("language") or request.values.get("lang")
    if wanted is None:
        return match_language(current_language(), languages) or languages[0]
    try:
        return content_versions.check_language(wanted, languages, InvalidContent)
    except InvalidContent:
        abort(404)


def _edit(state: LoyaltyState, campaign: Campaign) -> t.Any:
    return edit_version(
        state,
        campaign,
        CampaignTextForm,
        save_text,
        default_url=url_for(".owner_campaign", campaign_id=campaign.id),
        error=InvalidContent,
        saved=_("The campaign is saved."),
        template="loyalty/owner/newsletter/campaign_language.html",
        context=lambda: {
            "campaign": campaign,
            "languages": picker(
                campaign, state.settings.languages, ".owner_campaign_language"
            ),
            "editable": campaign.status in (DRAFT, SCHEDULED),
        },
    )


def register(bp: Blueprint) -> None:
    @bp.route(
        "/owner/newsletter/campaigns/<int:campaign_id>/language",
        methods=["GET", "POST"],
    )
    @owner_required
    def owner_campaign_language(campaign_id: int) -> t.Any:
        state = get_state()
        campaign = state.session.get(Campaign, campaign_id)
        if campaign is None:
            abort(404)
        return _edit(state, campaign)
