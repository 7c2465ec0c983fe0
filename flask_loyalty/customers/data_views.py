"""Her personal data, on her request and on the owner's: a JSON download of
everything stored about the address, and its erasure.

A customer asks from her account page; the request is confirmed by a link mailed
to her address (single use, one hour), whose page has one button: the download,
or the erasure. The owner downloads or erases from the customer's page.
"""

from __future__ import annotations

import json
import typing as t

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import flash
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from werkzeug.wrappers import Response

import flask_loyalty.signals as signals

from ..errors import InvalidToken
from ..forms import ActionForm
from ..i18n import _
from ..links import email_url
from ..locales import reader_locale
from ..outbox.brand import render_mail
from ..outbox.queueing import queue_mail
from ..owner.access import owner_required
from ..personal_data import erase_person
from ..personal_data import export_person
from ..points import ledger
from ..state import AccountSection
from ..state import LoyaltyState
from ..state import get_state
from .forms import DataRequestForm
from .forms import EraseCustomerForm
from .links import ERASE
from .links import EXPORT
from .links import check_sign_in_link
from .links import issue_sign_in_link
from .links import use_sign_in_link
from .models import Customer
from .views import SESSION_KEY
from .views import current_customer

LINK_MAX_AGE = 3600
"""Seconds a link confirming her request works: long enough to reach the inbox."""


def json_download(data: dict[str, t.Any], filename: str) -> Response:
    """``data`` as a JSON file to save (UTF-8, indented for reading)."""
    return Response(
        json.dumps(data, ensure_ascii=False, indent=2),
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def erased(state: LoyaltyState, email: str, customer_id: int | None) -> None:
    """Tell the shop, after the commit, that an address was erased."""
    signals.personal_data_erased.send(
        current_app._get_current_object(),  # type: ignore[attr-defined]
        email=email,
        customer_id=customer_id,
    )


def your_data_section(state: LoyaltyState, customer: Customer) -> dict[str, t.Any]:
    return {}  # its button's form is only a CSRF token (loyalty_csrf_input)


def register(bp: Blueprint, state: LoyaltyState) -> None:
    state.account_sections.append(
        AccountSection(
            "loyalty/customers/_your_data.html", your_data_section, position=90
        )
    )

    @bp.route("/my-data", methods=["GET", "POST"])
    def data_request() -> t.Any:
        """GET explains (what a download holds, what an erasure takes); the POST
        mails her the link that confirms it."""
        state = get_state()
        customer = current_customer(state)
        if customer is None:
            return redirect(url_for(".account"))
        form = DataRequestForm()
        if request.method != "POST":
            if request.args.get("purpose") in (EXPORT, ERASE):
                form.purpose.data = request.args["purpose"]
            return _request_page(state, customer, form)
        if not form.validate_on_submit():
            return _request_page(state, customer, form, 400)
        if not state.limiter.allow_mail("data", customer.email, request.remote_addr):
            return _request_page(
                state, customer, form, 429, error=state.limiter.refusal()
            )
        _queue_data_link(state, customer, form.purpose.data)
        state.session.commit()
        return redirect(url_for(".data_request_sent", purpose=form.purpose.data))

    @bp.route("/my-data/sent", methods=["GET"])
    def data_request_sent() -> t.Any:
        purpose = request.args.get("purpose")
        return render_template(
            "loyalty/customers/data_sent.html",
            purpose=purpose if purpose in (EXPORT, ERASE) else EXPORT,
            minutes=LINK_MAX_AGE // 60,
        )

    @bp.route("/my-data/<any(export, erase):purpose>/<token>", methods=["GET", "POST"])
    def data_link(purpose: str, token: str) -> t.Any:
        """GET shows one button and changes nothing (mail scanners open links);
        its POST spends the link: the download, or the erasure."""
        state = get_state()
        form = ActionForm()
        try:
            if request.method != "POST" or not form.validate_on_submit():
                customer = check_sign_in_link(
                    state.session, state.now(), token, purpose
                )
                return render_template(
                    "loyalty/customers/data_link.html",
                    form=form,
                    purpose=purpose,
                    token=token,
                    customer=customer,
                ), (400 if request.method == "POST" else 200)
            customer = use_sign_in_link(state.session, state.now(), token, purpose)
        except InvalidToken as error:
            state.session.rollback()
            return render_template(
                "loyalty/customers/data_link.html", link_error=error.message
            ), 400
        email, customer_id = customer.email, customer.id
        if purpose == EXPORT:
            data = export_person(state.session, state.now(), email)
            state.session.commit()  # the link is spent
            return json_download(data, "my-data.json")
        erase_person(state.session, state.now(), email)
        state.session.commit()
        if session.get(SESSION_KEY) == customer_id:
            session.pop(SESSION_KEY)
        erased(state, email, customer_id)
        return render_template("loyalty/customers/data_erased.html")

    @bp.route("/owner/customers/<int:customer_id>/data.json")
    @owner_required
    def owner_customer_data(customer_id: int) -> t.Any:
        state = get_state()
        customer = _customer(state, customer_id)
        data = export_person(state.session, state.now(), customer.email)
        return json_download(data, f"customer-{customer.id}.json")

    @bp.route("/owner/customers/<int:customer_id>/erase", methods=["GET", "POST"])
    @owner_required
    def owner_customer_erase(customer_id: int) -> t.Any:
        state = get_state()
        customer = _customer(state, customer_id)
        form = EraseCustomerForm()
        if request.method != "POST":
            return _erase_page(state, customer, form)
        if not form.validate_on_submit():
            return _erase_page(state, customer, form, 400)
        email = customer.email
        erase_person(state.session, state.now(), email)
        state.session.commit()
        erased(state, email, customer_id)
        flash(
            _(
                "Her personal data is erased. Her orders stay in the figures without"
                " her name or address."
            ),
            "success",
        )
        return redirect(url_for(".owner_customers"))


def _customer(state: LoyaltyState, customer_id: int) -> Customer:
    customer = state.session.get(Customer, customer_id)
    if customer is None or customer.erased_at is not None:
        abort(404)
    return customer


def _request_page(
    state: LoyaltyState,
    customer: Customer,
    form: DataRequestForm,
    status: int = 200,
    error: str | None = None,
) -> tuple[str, int]:
    return render_template(
        "loyalty/customers/data_request.html",
        customer=customer,
        form=form,
        error=error,
        balance=ledger.balance(state.session, customer.id),
        minutes=LINK_MAX_AGE // 60,
    ), status


def _erase_page(
    state: LoyaltyState,
    customer: Customer,
    form: EraseCustomerForm,
    status: int = 200,
) -> tuple[str, int]:
    return render_template(
        "loyalty/owner/customer_erase.html",
        customer=customer,
        form=form,
        balance=ledger.balance(state.session, customer.id),
    ), status


def _queue_data_link(state: LoyaltyState, customer: Customer, purpose: str) -> None:
    token = issue_sign_in_link(
        state.session, state.now(), customer, LINK_MAX_AGE, purpose
    )
    link = email_url("data_link", purpose=purpose, token=token)
    shop = state.settings.shop_name
    with reader_locale(state, customer.locale) as language:
        text, html = render_mail(
            "personal_data_link",
            customer=customer,
            link=link,
            purpose=purpose,
            minutes=LINK_MAX_AGE // 60,
            shop_name=shop,
        )
        if purpose == EXPORT:
            subject = _("Your data at %(shop)s: confirm the download", shop=shop)
        else:
            subject = _("Your account at %(shop)s: confirm the deletion", shop=shop)
    queue_mail(
        state.session,
        state.now(),
        kind="personal_data_link",
        to=customer.email,
        subject=subject,
        text=text,
        html=html,
        language=language,
    )
