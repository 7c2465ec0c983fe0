"""The owner's offer editor, in steps that work without JavaScript: choose when
the offer is given (``?trigger=``), then what she gets (``?benefit=``), then fill
in the details and the message beside a preview of the email. Each step is a GET
that changes nothing; only the last form posts (with CSRF) and saves.

``/owner/offers/new`` and ``/owner/offers/<id>`` take the same steps; an offer
being edited opens on the last one (``?step=trigger`` or ``?step=benefit`` goes
back to change a kind). A post with ``fragment=1`` (the page's script, for a live
preview) answers with the preview alone and saves nothing.
"""

from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

from ..errors import InvalidContent
from ..errors import InvalidHoldout
from ..errors import InvalidOffer
from ..i18n import _
from ..locales import match_language
from ..owner.access import owner_required
from ..state import LoyaltyState
from ..state import get_state
from . import models as om
from . import owner_messages as messages
from .editing import OfferValues
from .editing import save_offer
from .editing import values_of
from .forms import OfferForm
from .owner_steps import BENEFIT_CHOICES
from .owner_steps import BENEFITS
from .owner_steps import FIRST_N
from .owner_steps import TRIGGER_CHOICES
from .owner_steps import TRIGGERS
from .owner_steps import personal_fields
from .owner_steps import shape
from .owner_views import find_offer
from .preview import PREVIEW_NAME
from .preview import preview_email

SAMPLES = ("named", "unnamed")
"""The preview's sample customers: Anna, and a customer who gave no name."""


def _known_skus(state: LoyaltyState) -> set[str] | None:
    if state.extension._catalog_loader is None:
        return None
    return {p.sku for p in state.extension.catalog()}


def _values(form: OfferForm) -> OfferValues:
    return OfferValues(
        **{
            name: form[name].data
            for name in OfferValues.__dataclass_fields__
            if name in form
        }
    )


def _here(offer: om.Offer | None, **args: t.Any) -> str:
    if offer is None:
        return url_for(".owner_offer_new", **args)
    return url_for(".owner_offer", offer_id=offer.id, **args)


def _step(
    offer: om.Offer | None,
    step: str,
    trigger: str | None,
    benefit: str | None,
    error: str | None = None,
) -> t.Any:
    """Step 1 (``step="trigger"``) or 2 (``"benefit"``): a list to choose from,
    sent by GET to the same address."""
    if step == "trigger":
        choices, name, chosen, keep = TRIGGER_CHOICES, "trigger", trigger, benefit
        back = None
    else:
        choices, name, chosen, keep = BENEFIT_CHOICES, "benefit", benefit, trigger
        back = _here(offer, step="trigger", trigger=trigger, benefit=benefit)
    page = render_template(
        "loyalty/offers/owner_step.html",
        offer=offer,
        step=step,
        choices=choices,
        name=name,
        chosen=chosen,
        keep=("benefit" if step == "trigger" else "trigger", keep),
        action=_here(offer),
        back=back,
        error=error,
    )
    return page, 400 if error else 200


def _preview_choice(state: LoyaltyState) -> tuple[str, str]:
    languages = state.settings.languages
    language = match_language(request.values.get("preview_lang"), languages)
    sample = request.values.get("preview_sample")
    return language or languages[0], sample if sample in SAMPLES else SAMPLES[0]


def _edit(state: LoyaltyState, offer: om.Offer | None) -> t.Any:
    source = request.form if request.method == "POST" else request.args
    trigger = source.get("trigger", offer.trigger if offer else None)
    benefit = source.get("benefit", offer.benefit if offer else None)
    step = request.args.get("step")
    if trigger is not None and trigger not in TRIGGERS:
        return _step(offer, "trigger", None, benefit, _("Choose when it is given."))
    if trigger is None or step == "trigger":
        return _step(offer, "trigger", trigger, benefit)
    if benefit is not None and benefit not in BENEFITS:
        return _step(offer, "benefit", trigger, None, _("Choose what she gets."))
    if benefit is None or step == "benefit":
        return _step(offer, "benefit", trigger, benefit)
    chosen = {"trigger": trigger, "benefit": benefit}
    currency = state.settings.currency
    if request.method == "POST":
        form = OfferForm()
    elif offer is not None:
        data = {**values_of(offer, currency), **chosen}
        if trigger != offer.trigger:  # her number meant something else
            data["trigger_n"] = FIRST_N.get(trigger, 0)
        form = OfferForm(formdata=None, data=data)
    else:
        form = OfferForm(
            formdata=None, data={**chosen, "trigger_n": FIRST_N.get(trigger, 0)}
        )
    page = _Page(state, offer, form, trigger, benefit)
    if request.method != "POST":  # GET or HEAD: nothing changes
        if offer is not None and offer.trigger == trigger and offer.benefit == benefit:
            page.preview_of(offer)
        return page.render(200)
    wants_preview = request.form.get("action") == "preview" or page.fragment
    typed_name = form.name.data
    if wants_preview and not (typed_name or "").strip():
        form.name.data = _("New offer")  # a name is for saving, not for a preview
    valid = form.validate_on_submit()
    values = _values(form)
    form.name.data = typed_name
    if not valid:
        return page.render(400)
    session = state.session
    try:
        saved = save_offer(
            session,
            state.now(),
            offer,
            values,
            currency=currency,
            known_skus=_known_skus(state),
        )
        if wants_preview:
            page.preview_of(saved)
            session.rollback()
            return page.render(200)
    except (InvalidOffer, InvalidContent, InvalidHoldout) as error:
        session.rollback()
        field = getattr(error, "field", "name")
        form[field].errors = [*form[field].errors, error.message]
        return page.render(400)
    session.commit()
    flash(_("The offer %(name)s is saved.", name=saved.name), "success")
    return redirect(url_for(".owner_offer", offer_id=saved.id))


class _Page:
    """Step 3: the chosen kinds' fields, the message and its preview."""

    def __init__(
        self,
        state: LoyaltyState,
        offer: om.Offer | None,
        form: OfferForm,
        trigger: str,
        benefit: str,
    ) -> None:
        self.state, self.offer, self.form = state, offer, form
        self.trigger, self.benefit = trigger, benefit
        self.sections = shape(form, trigger, benefit)
        self.language, self.sample = _preview_choice(state)
        self.fragment = request.method == "POST" and request.form.get("fragment") == "1"
        self.preview: dict[str, t.Any] | None = None
        self.preview_error: str | None = None

    def preview_of(self, offer: om.Offer) -> None:
        first_name = PREVIEW_NAME if self.sample == "named" else None
        try:
            self.preview = preview_email(
                self.state, offer, self.language, first_name=first_name
            )
        except InvalidContent as error:
            self.preview_error = error.message

    def render(self, status: int) -> t.Any:
        languages = self.state.settings.languages
        context = {
            "form": self.form,
            "offer": self.offer,
            "preview": self.preview,
            "preview_error": self.preview_error,
            "preview_language": self.language,
            "preview_sample": self.sample,
        }
        if self.fragment:
            return render_template("loyalty/offers/_preview.html", **context), status
        offer = self.offer
        return render_template(
            "loyalty/offers/owner_edit.html",
            **context,
            sections=self.sections,
            trigger=TRIGGERS[self.trigger],
            benefit=BENEFITS[self.benefit],
            change_trigger=_here(
                offer, step="trigger", trigger=self.trigger, benefit=self.benefit
            ),
            change_benefit=_here(
                offer, step="benefit", trigger=self.trigger, benefit=self.benefit
            ),
            action=_here(offer),
            personal_fields=personal_fields(languages[0]),
            preview_languages=languages,
            languages=messages.picker(offer, languages) if offer is not None else [],
            language=languages[0],
        ), status


def register(bp: Blueprint, state: LoyaltyState) -> None:
    @bp.route("/owner/offers/new", methods=["GET", "POST"])
    @owner_required
    def owner_offer_new() -> t.Any:
        return _edit(get_state(), None)

    @bp.route("/owner/offers/<int:offer_id>", methods=["GET", "POST"])
    @owner_required
    def owner_offer(offer_id: int) -> t.Any:
        state = get_state()
        return _edit(state, find_offer(state, offer_id))
