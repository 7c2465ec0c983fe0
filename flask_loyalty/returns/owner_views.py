"""Owner pages for returns: open requests, one request with its steps (approve or
reject with a message, parcel received, refund done), and the return rules."""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for

import flask_loyalty.signals as signals

from ..db import after_commit
from ..errors import InvalidPolicy
from ..errors import InvalidRefund
from ..errors import InvalidReturn
from ..i18n import _
from ..locales import language_in_sentence
from ..owner.access import owner_required
from ..owner.language_versions import edit_other_language
from ..owner.language_versions import other_language_picker
from ..owner.listing import one_page
from ..policies.forms import RulesForm
from ..policies.rules import ReturnPolicy
from ..policies.rules import load_rules
from ..policies.rules import save_category_labels
from ..policies.rules import save_rules
from ..state import LoyaltyState
from ..state import get_state
from . import links
from . import service
from .forms import REASON_LABELS
from .forms import RESOLUTION_LABELS
from .forms import CategoryLabelsForm
from .forms import DecisionForm
from .models import OPEN
from .models import STATUSES
from .models import ReturnRequest

DONE = {
    "approve": lambda: _("The return is approved; the customer was told."),
    "reject": lambda: _("The return is rejected; the customer got your message."),
    "receive": lambda: _("The parcel is marked received."),
    "refund": lambda: _("The refund is recorded and the points are taken back."),
}


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


def register(bp: Blueprint, state: LoyaltyState) -> None:
    @bp.route("/owner/returns/")
    @owner_required
    def owner_returns() -> t.Any:
        state = get_state()
        show = request.args.get("status", "open")
        show = show if show in (*STATUSES, "open", "all") else "open"
        stmt = sa.select(ReturnRequest).order_by(ReturnRequest.id.desc())
        if show == "open":
            stmt = stmt.where(ReturnRequest.status.in_(OPEN))
        elif show != "all":
            stmt = stmt.where(ReturnRequest.status == show)
        rows, page, has_next = one_page(state, stmt, scalars=True)
        return render_template(
            "loyalty/returns/owner_list.html",
            rows=rows,
            show=show,
            page=page,
            has_next=has_next,
        )

    @bp.route("/owner/returns/<number>", methods=["GET", "POST"])
    @owner_required
    def owner_return(number: str) -> t.Any:
        state = get_state()
        found = state.session.scalar(
            sa.select(ReturnRequest).where(ReturnRequest.number == number)
        )
        if found is None:
            abort(404)
        form = DecisionForm()
        error, status = None, 200
        if request.method == "POST":
            step = request.form.get("step", "")
            if not form.validate_on_submit():
                status = 400
            else:
                try:
                    if step == "refund":
                        service.refund(state.extension, found)
                    else:
                        service.advance(found, state.now(), step, form.message.data)
                    links.queue_return_mail(state, found)
                except (InvalidReturn, InvalidRefund) as exc:
                    state.session.rollback()
                    error, status = exc.message, 400
                else:
                    app = current_app._get_current_object()  # type: ignore[attr-defined]
                    after_commit(
                        state.session,
                        lambda: signals.return_updated.send(app, return_request=found),
                    )
                    state.session.commit()
                    flash(DONE[step](), "success")
                    return redirect(url_for(".owner_return", number=number))
        return render_template(
            "loyalty/returns/owner_detail.html",
            request_=found,
            form=form,
            error=error,
            reasons=REASON_LABELS,
            resolutions=RESOLUTION_LABELS,
            refund_cents=service.refund_cents(found),
        ), status

    @bp.route("/owner/returns/rules", methods=["GET", "POST"])
    @owner_required
    def owner_return_rules() -> t.Any:
        state = get_state()
        if request.method != "POST":
            policy = load_rules(state.session)
            data = vars(policy) | {
                "non_returnable": ", ".join(policy.non_returnable),
                "countries": ", ".join(policy.countries),
            }
            form = RulesForm(formdata=None, data=data)
            return render_template(
                "loyalty/returns/owner_rules.html",
                form=form,
                **_category_versions(state, policy),
            )
        form = RulesForm()
        error = None
        if form.validate_on_submit():
            policy = ReturnPolicy(
                window_days=form.window_days.data,
                condition=form.condition.data,
                shipping_paid_by=form.shipping_paid_by.data,
                refund_methods=list(form.refund_methods.data or []),
                non_returnable=_split(form.non_returnable.data),
                refund_days=form.refund_days.data,
                return_address=(form.return_address.data or "").strip(),
                countries=[c.upper() for c in _split(form.countries.data)],
            )
            try:
                save_rules(state.session, state.now(), policy)
            except InvalidPolicy as exc:
                state.session.rollback()
                error = exc.message
            else:
                state.session.commit()
                flash(_("The return rules are saved."), "success")
                return redirect(url_for(".owner_return_rules"))
        return render_template(
            "loyalty/returns/owner_rules.html",
            form=form,
            error=error,
            **_category_versions(state, load_rules(state.session)),
        ), 400

    @bp.route("/owner/returns/rules/categories", methods=["GET", "POST"])
    @owner_required
    def owner_return_categories() -> t.Any:
        state = get_state()
        languages = state.settings.languages

        def save(policy: ReturnPolicy, form: CategoryLabelsForm, language: str) -> None:
            if len(form.labels) != len(policy.non_returnable):
                raise InvalidPolicy(
                    _("The categories changed meanwhile; please try again.")
                )
            labels = {
                category: entry.data or ""
                for category, entry in zip(
                    policy.non_returnable, form.labels, strict=True
                )
            }
            save_category_labels(
                state.session, state.now(), language, languages, labels
            )

        def stored(policy: ReturnPolicy, language: str) -> dict[str, t.Any]:
            version = (policy.labels or {}).get(language, {})
            return {"labels": [version.get(c, "") for c in policy.non_returnable]}

        return edit_other_language(
            state,
            CategoryLabelsForm,
            error=InvalidPolicy,
            default_page=".owner_return_rules",
            load=lambda: load_rules(state.session),
            stored=stored,
            save=save,
            saved=_("The category names are saved."),
            template="loyalty/returns/owner_categories.html",
            context=lambda policy, form, language: {
                "rows": list(zip(policy.non_returnable, form.labels, strict=False)),
                "default_lang": languages[0].replace("_", "-"),
                "languages": category_picker(policy, languages),
            },
        )


def _category_versions(state: LoyaltyState, policy: ReturnPolicy) -> dict[str, t.Any]:
    """The rules page's links to the categories' names in other languages, and
    the languages each category has a name in."""
    languages = state.settings.languages
    if len(languages) < 2 or not policy.non_returnable:
        return {"category_pickers": [], "category_languages": []}
    return {
        "category_pickers": category_picker(policy, languages),
        "category_languages": category_languages(policy, languages),
    }


def category_picker(
    policy: ReturnPolicy, languages: t.Sequence[str]
) -> list[tuple[str, str, bool, str]]:
    """The language picker's items: written when every category has a label."""
    have = policy.category_languages(languages)
    return other_language_picker(
        languages,
        lambda code: all(code in codes for codes in have.values()),
        ".owner_return_categories",
    )


def category_languages(
    policy: ReturnPolicy, languages: t.Sequence[str]
) -> list[tuple[str, list[str]]]:
    """Each category with the names of the languages it has a label in."""
    return [
        (category, [language_in_sentence(c) for c in codes])
        for category, codes in policy.category_languages(languages).items()
    ]
