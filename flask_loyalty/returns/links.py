"""Signed links of the return flow, and the emails that carry them."""

from __future__ import annotations

import typing as t

from ..customers.models import Customer
from ..errors import InvalidToken
from ..i18n import _
from ..links import email_url
from ..locales import reader_locale
from ..orders.models import Order
from ..outbox.brand import render_mail
from ..outbox.queueing import queue_mail
from ..state import LoyaltyState
from ..tokens import make_token
from ..tokens import read_token
from .models import ReturnRequest

START = "return-start"
STATUS = "return-status"
START_MAX_AGE = 2 * 3600


def start_token(order_id: int, email: str) -> str:
    """For the page where she picks items of order ``order_id``, as the customer
    with ``email`` (the address is checked again when she opens it)."""
    return make_token(START, {"o": order_id, "e": email})


def read_start(state: LoyaltyState, token: str) -> Order:
    """:raises InvalidToken: a changed, foreign or expired link (over 2 hours)."""
    data = read_token(START, token, START_MAX_AGE)
    try:
        order = state.session.get(Order, int(data["o"]))
        genuine = order is not None and order.customer.email == data["e"]
    except (KeyError, TypeError, ValueError):
        genuine = False
    if not genuine:
        raise InvalidToken(_("This link is not valid. Ask for a new one."))
    return t.cast(Order, order)


def status_token(request: ReturnRequest) -> str:
    return make_token(STATUS, {"r": request.id, "n": request.number})


def read_status(state: LoyaltyState, token: str) -> ReturnRequest:
    """:raises InvalidToken: a changed or foreign link; :raises TokenExpired: one
    older than ``LOYALTY_RETURN_LINK_MAX_AGE``."""
    data = read_token(STATUS, token, state.settings.return_link_max_age)
    try:
        found = state.session.get(ReturnRequest, int(data["r"]))
        genuine = found is not None and found.number == data["n"]
    except (KeyError, TypeError, ValueError):
        genuine = False
    if not genuine:
        raise InvalidToken(_("This link is not valid. Ask for a new one."))
    return t.cast(ReturnRequest, found)


def queue_return_mail(state: LoyaltyState, request: ReturnRequest) -> None:
    """Email her the request's news (new, approved, rejected...) with its link."""

    customer: Customer = request.customer
    token = status_token(request)
    with reader_locale(state, customer.locale) as language:  # hers, not the owner's
        text, html = render_mail(
            "return_requested" if request.status == "requested" else "return_update",
            customer=customer,
            request=request,
            link=email_url("return_status", token=token),
            print_link=email_url("return_print", token=token),
            shop_name=state.settings.shop_name,
        )
        subjects = {
            "requested": _("Your return %(number)s at %(shop)s"),
            "approved": _("Your return %(number)s is approved"),
            "rejected": _("About your return %(number)s"),
            "received": _("We received your return %(number)s"),
            "refunded": _("Your return %(number)s is refunded"),
        }
        subject = subjects[request.status] % {
            "number": request.number,
            "shop": state.settings.shop_name,
        }
    queue_mail(
        state.session,
        state.now(),
        kind=f"return_{request.status}",
        to=customer.email,
        subject=subject,
        text=text,
        html=html,
        language=language,
    )
