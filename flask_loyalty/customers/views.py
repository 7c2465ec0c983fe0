"""The customer's account pages and the sign-in-by-email-link flow."""

from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import abort
from flask import current_app
from flask import g
from flask import redirect
from flask import render_template
from flask import request
from flask import session
from flask import url_for
from werkzeug.wrappers import Response

import flask_loyalty.signals as signals

from ..errors import InvalidEmail
from ..errors import InvalidToken
from ..forms import ActionForm
from ..i18n import _
from ..i18n import lazy_gettext
from ..links import email_url
from ..locales import reader_locale
from ..locales import visitor_language
from ..outbox.brand import render_mail
from ..outbox.queueing import queue_mail
from ..state import AccountSection
from ..state import DueTask
from ..state import LoyaltyState
from ..state import get_state
from . import requests
from .account import Account
from .forms import SignInForm
from .links import check_sign_in_link
from .links import issue_sign_in_link
from .links import use_sign_in_link
from .models import Customer
from .service import customer_for_login
from .service import find_customer
from .service import find_or_create_customer
from .service import link_login
from .service import normalise_email

SESSION_KEY = "loyalty_customer_id"


def current_customer(state: LoyaltyState) -> Customer | None:
    """The customer of this request, from ``customer_loader`` or a sign-in link."""
    if "loyalty_customer" in g:
        return t.cast(Customer | None, g.loyalty_customer)
    customer = None
    shop = state.extension.shop_customer()
    if shop is not None:
        email = normalise_email(shop.email)
        customer = customer_for_login(
            state.session,
            state.now(),
            email=email,
            name=shop.name,
            external_id=shop.external_id,
            locale=shop.locale,
            verified=bool(getattr(shop, "email_verified", False)),
        )
        if customer is None:  # by a sign-in link to this very address, she proved it
            customer = _signed_in_by_link(state)
            customer = customer if customer and customer.email == email else None
        if customer is None:
            g.loyalty_unproven_email = email
        elif customer.id is None or state.session.is_modified(customer):
            state.session.commit()
    else:
        customer = _signed_in_by_link(state)
    g.loyalty_customer = customer
    return customer


def stored_language(state: LoyaltyState) -> str | None:
    """The language stored with this request's customer (signed in by the shop's
    login or an emailed link), if any."""
    if state.extension.shop_customer() is None and SESSION_KEY not in session:
        return None  # a guest: no query
    customer = current_customer(state)
    return customer.locale if customer is not None else None


def _signed_in_by_link(state: LoyaltyState) -> Customer | None:
    if SESSION_KEY not in session:
        return None
    customer = state.session.get(Customer, session[SESSION_KEY])
    return customer if customer is not None and customer.erased_at is None else None


def account_reads(
    state: LoyaltyState, customer: Customer, *, points_page: int = 1
) -> Account:
    """The account page's reads for her, one :class:`Account` per request, so
    that its sections share them (kept with the request: ``g`` may outlive it);
    ``points_page``: the page of her points history the first call asks for."""
    this = request._get_current_object()  # type: ignore[attr-defined]
    kept = g.get("loyalty_account")
    if kept is not None and kept[0] is this and kept[1].customer_id == customer.id:
        return t.cast(Account, kept[1])
    reads = Account(
        state.session,
        state.now(),
        customer.id,
        currency=state.settings.currency,
        points_page=points_page,
    )
    g.loyalty_account = (this, reads)
    return reads


def orders_section(state: LoyaltyState, customer: Customer) -> dict[str, t.Any]:
    """The account page's list of her recent orders."""
    reads = account_reads(state, customer)
    return {"orders": reads.orders.orders, "count": reads.rules.order_count}


def account_page(state: LoyaltyState, customer: Customer) -> str:
    """Her account page: each section's template with its data."""
    sections = [
        (section.template, section.context(state, customer))
        for section in sorted(state.account_sections, key=lambda s: s.position)
    ]
    by_link = SESSION_KEY in session  # only then is there a sign-out button
    return render_template(
        "loyalty/customers/account.html",
        customer=customer,
        sections=sections,
        signed_in_by_link=by_link,
    )


def register(bp: Blueprint, state: LoyaltyState) -> None:
    state.account_sections.append(
        AccountSection("loyalty/customers/_orders.html", orders_section, position=50)
    )
    state.due_tasks.append(DueTask(lazy_gettext("Sign-in links"), send_requested_links))
    state.stored_language = stored_language

    @bp.route("/", methods=["GET"])
    def account() -> t.Any:
        state = get_state()
        customer = current_customer(state)
        if customer is None and "loyalty_unproven_email" in g:
            return render_template(
                "loyalty/customers/confirm_address.html",
                email=g.loyalty_unproven_email,
                form=ActionForm(),
            )
        if customer is None:
            return render_template("loyalty/customers/sign_in.html", form=SignInForm())
        return account_page(state, customer)

    @bp.route("/sign-in", methods=["POST"])
    def sign_in() -> t.Any:
        state = get_state()
        form = SignInForm()
        if not form.validate_on_submit():
            return render_template("loyalty/customers/sign_in.html", form=form), 400
        try:
            email = normalise_email(form.email.data)
        except InvalidEmail as error:
            form.email.errors = [error.message]
            return render_template("loyalty/customers/sign_in.html", form=form), 400
        if not state.limiter.allow_mail("sign-in", email, request.remote_addr):
            form.email.errors = [state.limiter.refusal()]
            return render_template("loyalty/customers/sign_in.html", form=form), 429
        # The same work, answer and time whether or not the address is known:
        # one row, which the worker turns into a link for a customer only.
        requests.ask(
            state.session, state.now(), "sign-in", email, visitor_language(state)
        )
        state.session.commit()
        return redirect(url_for(".sign_in_sent"))

    @bp.route("/confirm-address", methods=["POST"])
    def confirm_address() -> t.Any:
        """A shop login whose address the shop did not verify asks for the link
        that proves it: it goes to the login's own address, never another."""
        state = get_state()
        if not ActionForm().validate_on_submit():
            abort(400)
        current_customer(state)
        email = g.get("loyalty_unproven_email")
        if email is None:
            return redirect(url_for(".account"))
        if not state.limiter.allow_mail("sign-in", email, request.remote_addr):
            return render_template(
                "loyalty/customers/confirm_address.html",
                email=email,
                form=ActionForm(),
                error=state.limiter.refusal(),
            ), 429
        customer = find_or_create_customer(state.session, state.now(), email=email)
        customer.locale = customer.locale or visitor_language(state)
        state.session.flush()
        _queue_sign_in_link(state, customer)
        state.session.commit()
        return redirect(url_for(".sign_in_sent"))

    @bp.route("/sign-in/sent", methods=["GET"])
    def sign_in_sent() -> t.Any:
        return render_template("loyalty/customers/sign_in_sent.html")

    @bp.route("/sign-in/<token>", methods=["GET", "POST"])
    def enter(token: str) -> t.Any:
        """GET shows one button and changes nothing (mail scanners open links, and
        a link opened from another site must sign no one in); its POST spends the
        link and signs her in with a fresh session."""
        state = get_state()
        form = ActionForm()
        try:
            if request.method != "POST" or not form.validate_on_submit():
                customer = check_sign_in_link(state.session, state.now(), token)
                status = 400 if request.method == "POST" else 200
                return render_template(
                    "loyalty/customers/enter.html", form=form, token=token
                ), status
            customer = use_sign_in_link(state.session, state.now(), token)
        except InvalidToken as error:
            state.session.rollback()
            return render_template(
                "loyalty/customers/sign_in.html",
                form=SignInForm(),
                link_error=error.message,
            ), 400
        # A new CSRF token and loyalty sign-in; the shop's own keys (its login, the
        # cart) and her language stay. Flask signs the changed cookie anew.
        session.pop("csrf_token", None)
        session[SESSION_KEY] = customer.id
        shop = state.extension.shop_customer()
        if shop is not None and normalise_email(shop.email) == customer.email:
            link_login(customer, shop.external_id)  # she proved the address
        state.session.commit()
        signals.customer_signed_in.send(
            current_app._get_current_object(),  # type: ignore[attr-defined]
            customer=customer,
        )
        return redirect(url_for(".account"))

    @bp.route("/sign-out", methods=["POST"])
    def sign_out() -> Response:
        if not ActionForm().validate_on_submit():
            abort(400)
        session.pop(SESSION_KEY, None)
        return redirect(url_for(".account"))


def send_requested_links(
    state: LoyaltyState, progress: t.Callable[[int], None] | None = None
) -> int:
    """Worker task: a sign-in link for each request to a customer's address."""

    def send(email: str, locale: str | None) -> bool:
        customer = find_customer(state.session, email)
        if customer is None:
            return False
        customer.locale = customer.locale or locale
        _queue_sign_in_link(state, customer)
        return True

    return requests.answer(
        state, "sign-in", state.settings.magic_link_max_age, send, progress
    )


def _queue_sign_in_link(state: LoyaltyState, customer: Customer) -> None:
    max_age = state.settings.magic_link_max_age
    token = issue_sign_in_link(state.session, state.now(), customer, max_age)
    link = email_url("enter", token=token)
    minutes = state.settings.magic_link_max_age // 60
    with reader_locale(state, customer.locale) as language:
        text, html = render_mail(
            "sign_in_link",
            customer=customer,
            link=link,
            minutes=minutes,
            shop_name=state.settings.shop_name,
        )
        subject = _("Your sign-in link for %(shop)s", shop=state.settings.shop_name)
    queue_mail(
        state.session,
        state.now(),
        kind="sign_in_link",
        to=customer.email,
        subject=subject,
        text=text,
        html=html,
        language=language,
    )
