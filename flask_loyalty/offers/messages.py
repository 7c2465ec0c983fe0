"""An offer's email in the shop's other languages: the owner writes a subject and
message per language on ``/owner/offers/<id>/message?lang=hu`` (with a preview);
each customer's email uses her stored language, else the default
(:func:`flask_loyalty.offers.service.message_parts`)."""

from __future__ import annotations

import typing as t
from datetime import datetime

from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from sqlalchemy.orm import Session
from wtforms import HiddenField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import Length

from .. import content_versions
from ..errors import InvalidContent
from ..errors import InvalidOffer
from ..extension import LoyaltyState
from ..forms import LoyaltyForm
from ..i18n import _
from ..i18n import lazy_gettext
from . import models as om
from .editing import check_text
from .editing import invalid


class MessageForm(LoyaltyForm):
    """An offer's subject and message in one language."""

    language = HiddenField()
    subject = StringField(lazy_gettext("Email subject"), validators=[Length(max=200)])
    message = TextAreaField(
        lazy_gettext(
            "Personal message (Markdown; {{ first_name }}, {{ code }}, {{ offer }},"
            " {{ shop_name }})"
        ),
        validators=[Length(max=20_000)],
        render_kw={"rows": 10, "style": "width: 100%; box-sizing: border-box"},
    )


def save_message(
    offer: om.Offer,
    now: datetime,
    language: object,
    languages: t.Sequence[str],
    *,
    subject: str,
    message: str,
) -> str:
    """Store the offer's subject and message in ``language`` (one of
    ``languages``, the shop's languages, default first); return the language.

    :raises InvalidOffer: an unknown language, an empty message, a subject over
        one line, or a text with a template error or a script (``field`` says
        which).
    """
    code = content_versions.check_language(language, languages, InvalidOffer)
    subject = (subject or "").strip()
    if "\n" in subject:
        raise invalid("subject", _("The subject must be one line."))
    if code != languages[0] and not (message or "").strip():
        raise invalid("message", _("Write the message in this language."))
    check_text("subject", subject)
    check_text("message", message)
    content_versions.write(
        offer,
        code,
        languages,
        {"subject": subject, "message": message.replace("\r\n", "\n")},
        now,
    )
    offer.updated_at = now
    return code


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


def _edit(state: LoyaltyState, session: Session, offer: om.Offer) -> t.Any:
    from .owner_views import _preview

    languages = state.settings.languages
    wanted = request.values.get("language") or request.values.get("lang")
    status, preview, error = 200, None, None
    try:
        language = content_versions.check_language(
            wanted or languages[0], languages, InvalidOffer
        )
    except InvalidOffer as exc:
        if request.method == "GET":
            abort(404)
        language, error, status = languages[0], exc.message, 400
    if request.method == "POST":
        form = MessageForm()
    else:
        version = content_versions.read(
            offer, ("subject", "message"), language, languages
        )
        form = MessageForm(formdata=None)
        if version.language == language:
            form.subject.data, form.message.data = (
                version["subject"],
                version["message"],
            )
    form.language.data = language
    if request.method == "POST" and error is None:
        if not form.validate_on_submit():
            status = 400
        else:
            try:
                save_message(
                    offer,
                    state.now(),
                    language,
                    languages,
                    subject=form.subject.data or "",
                    message=form.message.data or "",
                )
                if request.form.get("action") == "preview":
                    with force_locale(language):
                        preview = _preview(state, offer, language)
                    session.rollback()
                else:
                    session.commit()
                    flash(_("The message is saved."), "success")
                    return redirect(
                        url_for(
                            ".owner_offer_message", offer_id=offer.id, lang=language
                        )
                    )
            except (InvalidOffer, InvalidContent) as exc:
                session.rollback()
                error, status = exc.message, 400
    return render_template(
        "loyalty/offers/owner_message.html",
        offer=offer,
        form=form,
        language=language,
        languages=picker(offer, languages),
        content_lang=language.replace("_", "-"),
        preview=preview,
        error=error,
    ), status


def register(bp: Blueprint) -> None:
    from ..blueprint import get_state
    from ..blueprint import owner_required

    @bp.route("/owner/offers/<int:offer_id>/message", methods=["GET", "POST"])
    @owner_required
    def owner_offer_message(offer_id: int) -> t.Any:
        state = get_state()
        offer = state.session.get(om.Offer, offer_id)
        if offer is None:
            abort(404)
        return _edit(state, state.session, offer)
