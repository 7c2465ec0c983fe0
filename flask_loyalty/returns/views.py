"""The customer's side of returns: find the order, pick items, follow the status.

From the returns policy page (with its lookup form) to a submitted request is
three pages: the policy page, the item form, the status page.
"""

from __future__ import annotations

import typing as t

from flask import Blueprint
from flask import current_app
from flask import redirect
from flask import render_template
from flask import request
from flask import url_for
from wtforms import SelectChoice

import flask_loyalty.signals as signals

from ..customers.models import Customer
from ..customers.views import account_reads
from ..customers.views import current_customer
from ..db import after_commit
from ..errors import InvalidReturn
from ..errors import InvalidToken
from ..errors import ReturnWindowClosed
from ..i18n import _
from ..orders.models import Order
from ..policies.rules import load_rules
from ..policies.views import RETURNS
from ..policies.views import policy_page
from ..state import AccountSection
from ..state import LoyaltyState
from ..state import get_state
from . import links
from . import service
from .forms import REASON_LABELS
from .forms import RESOLUTION_LABELS
from .forms import LookupForm
from .forms import RequestForm

ACCOUNT_ORDERS = 10


def _from_delivery(state: LoyaltyState) -> bool:
    return state.settings.return_window_from == "delivery"


def returns_section(state: LoyaltyState, customer: Customer) -> dict[str, t.Any]:
    """The account page's returns block: orders she can still return, and her
    return requests with their status links."""
    reads = account_reads(state, customer)
    policy = reads.rules.return_policy
    now = state.now()
    returnable = [
        (order, links.start_token(order.id, customer.email))
        for order in reads.orders.orders[:ACCOUNT_ORDERS]
        if service.window_open(order, policy, now, _from_delivery(state))
    ]
    return {
        "orders": returnable,
        "requests": [(r, links.status_token(r)) for r in reads.orders.requests],
    }


def _allowed(state: LoyaltyState, number: str) -> bool:
    """Count a lookup against the client and the order number (both limited)."""
    return state.limiter.allow("return-lookup", number.strip(), request.remote_addr)


def _bad_link(error: InvalidToken) -> t.Any:
    return render_template("loyalty/returns/message.html", error=error.message), 400


def _status_page(
    state: LoyaltyState,
    token: str,
    template: str,
    context: t.Callable[[], dict[str, t.Any]],
) -> t.Any:
    """A page of the return request that the status link ``token`` names (its
    status, its printable slip): ``template`` with the request, the link, the
    return rules and ``context()``; the bad-link page for a bad link."""
    try:
        found = links.read_status(state, token)
    except InvalidToken as error:
        return _bad_link(error)
    return render_template(
        template,
        request_=found,
        token=token,
        policy=load_rules(state.session),
        **context(),
    )


def _window_closed(error: ReturnWindowClosed) -> t.Any:
    return render_template(
        "loyalty/returns/message.html", error=error.message, closed=True
    ), 400


def _items_page(
    state: LoyaltyState,
    order: Order,
    token: str,
    form: RequestForm,
    error: str | None = None,
    status: int = 200,
) -> t.Any:
    policy = load_rules(state.session)
    form.resolution.choices = [
        SelectChoice(key, label)
        for key, label in RESOLUTION_LABELS.items()
        if key in policy.refund_methods
    ]
    if form.resolution.data is None and form.resolution.choices:
        form.resolution.data = form.resolution.choices[0].value
    return render_template(
        "loyalty/returns/items.html",
        order=order,
        token=token,
        lines=service.lines(state.session, order, policy),
        policy=policy,
        form=form,
        error=error,
        quantities=request.form,
        window_end=service.window_end(order, policy, _from_delivery(state)),
        from_delivery=_from_delivery(state),
        window_days=policy.window_days,
    ), status


def _quantities(order: Order) -> dict[int, int]:
    """``qty-<line id>`` fields as numbers.

    :raises InvalidReturn: a value that is not a whole number.
    """
    result = {}
    for item in order.items:
        raw = request.form.get(f"qty-{item.id}", "").strip() or "0"
        if not raw.isdigit() or len(raw) > 6:
            raise InvalidReturn(_("Enter a whole number for %(name)s.", name=item.name))
        result[item.id] = int(raw)
    return result


def register(bp: Blueprint, state: LoyaltyState) -> None:
    state.account_sections.append(
        AccountSection("loyalty/returns/_account.html", returns_section, position=60)
    )

    @bp.route("/returns/start", methods=["POST"])
    def return_start() -> t.Any:
        state = get_state()
        form = LookupForm()
        if not form.validate_on_submit():
            return policy_page(state, RETURNS, form, 400)
        if not _allowed(state, form.order_number.data):
            form.order_number.errors = [
                _("Too many attempts. Please wait a few minutes and try again.")
            ]
            return policy_page(state, RETURNS, form, 429)
        order = service.find_order(
            state.session, form.order_number.data, form.email.data
        )
        if order is None:
            # The same answer for an unknown number and a wrong address.
            form.order_number.errors = [
                _(
                    "We found no order with this number and email address. Check"
                    " both against your order confirmation."
                )
            ]
            return policy_page(state, RETURNS, form, 400)
        try:
            service.check_window(
                order, load_rules(state.session), state.now(), _from_delivery(state)
            )
        except ReturnWindowClosed as error:
            return _window_closed(error)
        return redirect(
            url_for(
                ".return_new", token=links.start_token(order.id, order.customer.email)
            )
        )

    @bp.route("/returns/new/<token>", methods=["GET", "POST"])
    def return_new(token: str) -> t.Any:
        state = get_state()
        try:
            order = links.read_start(state, token)
        except InvalidToken as error:
            return _bad_link(error)
        policy = load_rules(state.session)
        try:
            service.check_window(order, policy, state.now(), _from_delivery(state))
        except ReturnWindowClosed as error:
            return _window_closed(error)
        if request.method != "POST":
            return _items_page(state, order, token, RequestForm(formdata=None))
        form = RequestForm()
        if not form.validate_on_submit():
            return _items_page(state, order, token, form, status=400)
        try:
            created = service.create_request(
                state.session,
                state.now(),
                order,
                policy,
                quantities=_quantities(order),
                reason=form.reason.data,
                resolution=form.resolution.data,
                comment=form.comment.data,
                from_delivery=_from_delivery(state),
            )
            # Only a request that would be saved counts against her address.
            to = order.customer.email
            if not state.limiter.allow_mail("return", to, request.remote_addr):
                state.session.rollback()
                refusal = state.limiter.refusal()
                return _items_page(state, order, token, form, refusal, 429)
            links.queue_return_mail(state, created)
        except InvalidReturn as error:
            state.session.rollback()
            return _items_page(state, order, token, form, error.message, 400)
        app = current_app._get_current_object()  # type: ignore[attr-defined]
        after_commit(
            state.session,
            lambda: signals.return_requested.send(app, return_request=created),
        )
        state.session.commit()
        return redirect(url_for(".return_status", token=links.status_token(created)))

    @bp.route("/returns/status/<token>")
    def return_status(token: str) -> t.Any:
        state = get_state()
        return _status_page(
            state,
            token,
            "loyalty/returns/status.html",
            lambda: {
                "reasons": REASON_LABELS,
                "resolutions": RESOLUTION_LABELS,
                "signed_in": current_customer(state) is not None,
            },
        )

    @bp.route("/returns/status/<token>/print")
    def return_print(token: str) -> t.Any:
        state = get_state()
        return _status_page(
            state,
            token,
            "loyalty/returns/print.html",
            lambda: {"shop_name": state.settings.shop_name},
        )
