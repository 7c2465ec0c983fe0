"""Owner pages for points: customers with points, one customer's orders and
ledger with a manual adjustment, and the program settings."""

from __future__ import annotations

import typing as t
from dataclasses import fields
from decimal import Decimal

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from flask_babel import force_locale
from markupsafe import Markup

from ..customers.models import Customer
from ..errors import InvalidAdjustment
from ..errors import InvalidAmount
from ..errors import InvalidProgram
from ..i18n import _
from ..i18n import as_code
from ..i18n import in_its_language
from ..i18n import lazy_gettext
from ..locales import language_in_sentence
from ..money import from_minor
from ..money import to_minor
from ..orders.models import Order
from ..owner.access import owner_identity
from ..owner.access import owner_required
from ..owner.language_versions import edit_other_language
from ..owner.language_versions import other_language_picker
from ..owner.listing import one_page
from ..owner.listing import page_number
from ..owner.listing import search_customers
from ..state import LoyaltyState
from ..state import get_state
from . import ledger
from . import service
from .forms import TIER_ROWS
from .forms import AdjustForm
from .forms import ProgramForm
from .forms import TierVersionsForm
from .forms import new_key
from .models import BASIS
from .models import BONUS
from .models import EARN
from .models import EXPIRE
from .models import REVERSAL
from .models import PointsAccount
from .models import PointsEntry
from .program import ProgramSettings
from .program import load_program
from .program import save_program
from .tier_names import save_tier_versions
from .tiers import TierRule
from .tiers import load_tiers

SORTS = ("spend", "points", "last_order")


def _program_form(state: LoyaltyState) -> ProgramForm:
    if request.method == "POST":
        return ProgramForm()
    program = load_program(state.session)
    data: dict[str, t.Any] = {f.name: getattr(program, f.name) for f in fields(program)}
    data["cashback_percent"] = Decimal(program.cashback_bp) / 100
    tiers = load_tiers(state.session)
    data["tiers"] = [
        {
            "name": tier.name,
            "threshold": from_minor(tier.threshold_cents, state.settings.currency),
            "multiplier": tier.multiplier_bp * 100 // BASIS,
            "perks": tier.perks,
        }
        for tier in tiers[:TIER_ROWS]
    ]
    return ProgramForm(formdata=None, data=data)


def _read_program(
    form: ProgramForm, currency: str
) -> tuple[ProgramSettings, list[TierRule]]:
    values = {
        f.name: form[f.name].data
        for f in fields(ProgramSettings)
        if f.name in form and f.name != "cashback_bp"
    }
    percent = form.cashback_percent.data * 100
    if percent != percent.to_integral_value():
        raise InvalidProgram(_("Cash back can have at most two decimal places."))
    values["cashback_bp"] = int(percent)
    tiers = []
    for row in form.tiers:
        name = (row.form.name.data or "").strip()
        if not name:
            continue
        if row.form.threshold.data is None or row.form.multiplier.data is None:
            raise InvalidProgram(
                _("Tier %(name)s needs a spend and a multiplier.", name=name)
            )
        tiers.append(
            TierRule(
                name=name,
                threshold_cents=to_minor(
                    row.form.threshold.data.normalize(), currency, what=_("spend")
                ),
                multiplier_bp=row.form.multiplier.data * BASIS // 100,
                perks=(row.form.perks.data or "").strip(),
            )
        )
    return ProgramSettings(**values), tiers


def register(bp: Blueprint, state: LoyaltyState) -> None:
    @bp.route("/owner/points")
    @owner_required
    def owner_points() -> t.Any:
        state = get_state()
        query = request.args.get("q", "").strip()[:100]
        sort = request.args.get("sort", "points")
        sort = sort if sort in SORTS else "points"
        orders = (
            sa.select(
                Order.customer_id,
                sa.func.sum(Order.total_cents).label("spent"),
                sa.func.max(Order.placed_at).label("last_order"),
            )
            .group_by(Order.customer_id)
            .subquery()
        )
        balance = sa.func.coalesce(PointsAccount.balance, 0)
        spent = sa.func.coalesce(orders.c.spent, 0)
        order_by = {
            "points": balance.desc(),
            "spend": spent.desc(),
            "last_order": orders.c.last_order.desc(),
        }[sort]
        stmt = (
            sa.select(Customer, balance, spent, orders.c.last_order)
            .outerjoin(PointsAccount, PointsAccount.customer_id == Customer.id)
            .outerjoin(orders, orders.c.customer_id == Customer.id)
            .order_by(order_by, Customer.id)
        )
        rows, page, has_next = one_page(state, search_customers(stmt, query))
        return render_template(
            "loyalty/points/owner_customers.html",
            rows=rows,
            query=query,
            sort=sort,
            sorts=SORTS,
            page=page,
            has_next=has_next,
        )

    @bp.route("/owner/points/customers/<int:customer_id>", methods=["GET", "POST"])
    @owner_required
    def owner_points_customer(customer_id: int) -> t.Any:
        state = get_state()
        customer = state.session.get(Customer, customer_id)
        if customer is None:
            abort(404)
        form = AdjustForm()
        status = 200
        if request.method == "POST" and customer.erased_at is not None:
            status = 400  # erased: the page says so, and her points stay as they are
        elif request.method == "POST":
            if form.validate_on_submit():
                key = (
                    form.key.data
                    if (form.key.data or "").startswith("adjust:")
                    else None
                )
                try:
                    service.adjust_points(
                        state.session,
                        state.now(),
                        customer_id=customer.id,
                        points=form.points.data,
                        reason=form.reason.data,
                        actor=owner_identity(),
                        key=key,
                    )
                    state.session.commit()
                except InvalidAdjustment as error:
                    state.session.rollback()
                    form.points.errors = [error.message]
                else:
                    flash(_("The points were adjusted."), "success")
                    return redirect(
                        url_for(".owner_points_customer", customer_id=customer.id)
                    )
            status = 400
        form.key.data = new_key("adjust")
        page = page_number()
        entries, has_next = ledger.history(
            state.session, customer.id, page=page, size=state.settings.owner_page_size
        )
        orders = state.session.scalars(
            sa.select(Order)
            .where(Order.customer_id == customer.id)
            .order_by(Order.placed_at.desc())
            .limit(50)
        ).all()
        return render_template(
            "loyalty/points/owner_customer.html",
            customer=customer,
            standing=service.standing(
                state.session, customer.id, state.now(), state.settings.currency
            ),
            ledger_balance=ledger.ledger_balance(state.session, customer.id),
            currency=state.settings.currency,
            entries=entries,
            notes=[entry_note(entry) for entry in entries],
            orders=orders,
            page=page,
            has_next=has_next,
            form=form,
        ), status

    @bp.route("/owner/points/settings", methods=["GET", "POST"])
    @owner_required
    def owner_points_settings() -> t.Any:
        state = get_state()
        form = _program_form(state)
        if request.method == "POST":
            error = None
            if form.validate_on_submit():
                try:
                    program, tiers = _read_program(form, state.settings.currency)
                    save_program(
                        state.session,
                        state.now(),
                        program,
                        tiers,
                        actor=owner_identity(),
                    )
                    state.session.commit()
                except (InvalidProgram, InvalidAmount) as problem:
                    state.session.rollback()
                    error = problem.message
                else:
                    flash(_("The points program is saved."), "success")
                    return redirect(url_for(".owner_points_settings"))
            return render_template(
                "loyalty/points/owner_settings.html",
                form=form,
                error=error,
                **_tier_versions(state),
            ), 400
        return render_template(
            "loyalty/points/owner_settings.html", form=form, **_tier_versions(state)
        )

    @bp.route("/owner/points/tiers", methods=["GET", "POST"])
    @owner_required
    def owner_points_tiers() -> t.Any:
        state = get_state()
        languages = state.settings.languages

        def save(tiers: list[TierRule], form: TierVersionsForm, language: str) -> None:
            texts = [
                (row.form.name.data or "", row.form.perks.data or "")
                for row in form.tiers
            ]
            save_tier_versions(
                state.session, state.now(), language, languages, tiers, texts
            )

        return edit_other_language(
            state,
            TierVersionsForm,
            error=InvalidProgram,
            default_page=".owner_points_settings",
            load=lambda: load_tiers(state.session),
            stored=lambda tiers, language: {
                "tiers": [(tier.translations or {}).get(language, {}) for tier in tiers]
            },
            save=save,
            saved=_("The tier names are saved."),
            template="loyalty/points/owner_tiers.html",
            context=lambda tiers, form, language: {
                "rows": list(
                    zip(form.tiers, _references(state, tiers, language), strict=False)
                ),
                "languages": tier_picker(tiers, languages),
            },
        )


BONUS_NOTES = {
    "sign-up": lazy_gettext("Sign-up bonus (with the first order)"),
    "newsletter": lazy_gettext("Newsletter confirmation bonus"),
    "birthday": lazy_gettext("Birthday bonus"),
    "referral:referrer": lazy_gettext("Referral bonus for the customer who refers"),
    "referral:referred": lazy_gettext("Referral bonus for the new customer"),
}
"""What the extension writes in a bonus's note, as the owner reads it."""


def entry_note(entry: PointsEntry) -> Markup | str:
    """A history entry's note in the page's language: the tier an order earned
    in (a built-in tier's name translated, else marked with the default
    language), a bonus's reason, a refund's or an expiry's reference as a code,
    or the owner's own words for an adjustment."""
    note = entry.note or ""
    if entry.kind == EARN and note:
        tier = TierRule(note, 0)
        return in_its_language(tier.shown_name, tier.name_language)
    if entry.kind == BONUS and note in BONUS_NOTES:
        return str(BONUS_NOTES[note])
    if entry.kind in (EXPIRE, REVERSAL) and note:
        return as_code(note)
    return note


def _tier_versions(state: LoyaltyState) -> dict[str, t.Any]:
    """The settings page's links to the tiers' names in other languages, and the
    languages each tier's name is written in."""
    languages = state.settings.languages
    if len(languages) < 2:
        return {"tier_pickers": [], "tier_languages": []}
    tiers = load_tiers(state.session)[:TIER_ROWS]
    return {
        "tier_pickers": tier_picker(tiers, languages),
        "tier_languages": tier_languages(tiers, languages),
    }


def tier_picker(
    tiers: t.Sequence[TierRule], languages: t.Sequence[str]
) -> list[tuple[str, str, bool, str]]:
    """The language picker's items for the tiers' names in the shop's other
    languages: written when every tier has a name in that language."""
    return other_language_picker(
        languages,
        lambda code: all(code in tier.languages(languages) for tier in tiers),
        ".owner_points_tiers",
    )


def tier_languages(
    tiers: t.Sequence[TierRule], languages: t.Sequence[str]
) -> list[list[str]]:
    """For each tier, the names of the languages its name is written in."""
    return [
        [language_in_sentence(c) for c in tier.languages(languages)] for tier in tiers
    ]


def _references(
    state: LoyaltyState, tiers: t.Sequence[TierRule], language: str
) -> list[dict[str, str | None]]:
    """Each tier as the page's reader knows it (her language's version, else the
    default language's words) with the language of each, and what readers of
    ``language`` see while its version there is empty, with its language."""
    plain = [TierRule(t_.name, t_.threshold_cents, perks=t_.perks) for t_ in tiers]
    with force_locale(language):
        fallback = [(tier.shown_name, tier.name_language) for tier in plain]
    return [
        {
            "name": tier.shown_name,
            "name_language": tier.name_language,
            "perks": tier.shown_perks,
            "perks_language": tier.perks_language,
            "fallback": shown,
            "fallback_language": shown_language,
        }
        for tier, (shown, shown_language) in zip(tiers, fallback, strict=True)
    ]
