"""Return requests: finding the order, what may still be returned, the request
itself and the owner's steps. Plain functions over a session and a time; the
refund goes through :meth:`flask_loyalty.Loyalty.record_refund`, so its hooks
(points reversed) run in the same transaction."""

from __future__ import annotations

import secrets
import typing as t
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..customers.service import normalise_email
from ..errors import InvalidEmail
from ..errors import InvalidReturn
from ..errors import ReturnWindowClosed
from ..i18n import _
from ..i18n import ngettext
from ..money import from_minor
from ..orders.models import Order
from ..orders.models import Refund
from ..orders.models import RefundItem
from ..policies.rules import ReturnPolicy
from .models import APPROVED
from .models import REASONS
from .models import RECEIVED
from .models import REFUNDED
from .models import REJECTED
from .models import REQUESTED
from .models import RESOLUTIONS
from .models import ReturnItem
from .models import ReturnRequest

NUMBER_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L
MAX_TEXT = 1000


def new_number() -> str:
    """A fresh return number like ``R-7KQ2-M9XD`` (8 random characters, ~39 bits)."""
    chars = "".join(secrets.choice(NUMBER_ALPHABET) for _ in range(8))
    return f"R-{chars[:4]}-{chars[4:]}"


def find_order(session: Session, number: object, email: object) -> Order | None:
    """The order with this number bought with this address; ``None`` for an
    unknown number and for a wrong address alike (no enumeration)."""
    if not isinstance(number, str) or not number.strip() or len(number) > 64:
        return None
    try:
        address = normalise_email(email)
    except InvalidEmail:
        return None
    order = session.scalar(sa.select(Order).where(Order.reference == number.strip()))
    if order is None or not secrets.compare_digest(
        order.customer.email.encode(), address.encode()
    ):
        return None
    return order


class Placed(t.Protocol):
    """An order as the return window reads it (a stored order, or a row of her
    account page)."""

    @property
    def placed_at(self) -> datetime: ...

    @property
    def delivered_at(self) -> datetime | None: ...


def window_end(
    order: Placed, policy: ReturnPolicy, from_delivery: bool = False
) -> datetime | None:
    """The last moment a return of ``order`` may be asked for; ``None`` while a
    window that counts from delivery has not started (not delivered yet)."""
    start = order.delivered_at if from_delivery else order.placed_at
    return None if start is None else start + timedelta(days=policy.window_days)


def window_open(
    order: Placed, policy: ReturnPolicy, now: datetime, from_delivery: bool = False
) -> bool:
    """Whether a return of ``order`` may be asked for now."""
    end = window_end(order, policy, from_delivery)
    return bool(policy.window_days) and (end is None or now <= end)


def check_window(
    order: Order, policy: ReturnPolicy, now: datetime, from_delivery: bool = False
) -> None:
    """:raises ReturnWindowClosed: the window (from the order, or from its delivery
    with ``from_delivery``) has passed, or the shop takes no returns."""
    if window_open(order, policy, now, from_delivery):
        return
    if from_delivery and policy.window_days:
        raise ReturnWindowClosed(
            ngettext(
                "Order %(order)s arrived more than %(num)d day ago: items can be"
                " returned within %(num)d day of delivery.",
                "Order %(order)s arrived more than %(num)d days ago: items can be"
                " returned within %(num)d days of delivery.",
                policy.window_days,
                order=order.reference,
            )
        )
    raise ReturnWindowClosed(
        ngettext(
            "Order %(order)s is more than %(num)d day old: items can be returned"
            " within %(num)d day of the order.",
            "Order %(order)s is more than %(num)d days old: items can be returned"
            " within %(num)d days of the order.",
            policy.window_days,
            order=order.reference,
        )
    )


@dataclass(frozen=True)
class Line:
    """One line of an order as the return form shows it."""

    item: t.Any  # OrderItem
    taken: int
    """Already asked back (in a request not rejected) or refunded otherwise."""
    returnable: bool

    @property
    def left(self) -> int:
        return max(self.item.quantity - self.taken, 0) if self.returnable else 0


def taken_quantities(session: Session, order: Order) -> dict[int, int]:
    """Per order line: how many are in return requests not rejected, plus how many
    were refunded by the shop outside a return request."""
    taken: dict[int, int] = {}
    requested = session.execute(
        sa.select(ReturnItem.order_item_id, sa.func.sum(ReturnItem.quantity))
        .join(ReturnRequest)
        .where(ReturnRequest.order_id == order.id, ReturnRequest.status != REJECTED)
        .group_by(ReturnItem.order_item_id)
    )
    ours = sa.select(ReturnRequest.refund_reference).where(
        ReturnRequest.order_id == order.id,
        ReturnRequest.refund_reference.is_not(None),
    )
    refunded = session.execute(
        sa.select(RefundItem.order_item_id, sa.func.sum(RefundItem.quantity))
        .join(Refund)
        .where(Refund.order_id == order.id, Refund.reference.not_in(ours))
        .group_by(RefundItem.order_item_id)
    )
    for item_id, quantity in [*requested, *refunded]:
        taken[item_id] = taken.get(item_id, 0) + int(quantity)
    return taken


def lines(session: Session, order: Order, policy: ReturnPolicy) -> list[Line]:
    """Every line of ``order`` with how many may still be returned."""
    taken = taken_quantities(session, order)
    return [
        Line(item, taken.get(item.id, 0), policy.returnable(item.category))
        for item in order.items
    ]


def _text(value: object, what: str) -> str:
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise InvalidReturn(
            _("The %(what)s can have at most 1000 characters.", what=what)
        )
    if any(unicodedata.category(ch) == "Cc" and ch not in "\r\n\t" for ch in value):
        raise InvalidReturn(_("The %(what)s contains control characters.", what=what))
    return value.strip()


def create_request(
    session: Session,
    now: datetime,
    order: Order,
    policy: ReturnPolicy,
    *,
    quantities: t.Mapping[int, int],
    reason: str,
    resolution: str,
    comment: object = "",
    from_delivery: bool = False,
) -> ReturnRequest:
    """Ask to return ``quantities`` (order line id -> how many) of ``order``.

    The order's row is locked first (an UPDATE that changes nothing), so two
    requests sent at once cannot both take the last piece.

    :raises ReturnWindowClosed: the window has passed (counted from the order, or
        from its delivery with ``from_delivery``).
    :raises InvalidReturn: nothing chosen, a line not in the order, a piece that
        cannot be returned, more than is left, or a bad reason or resolution.
    """
    check_window(order, policy, now, from_delivery)
    if reason not in REASONS:
        raise InvalidReturn(_("Choose why you are returning the items."))
    if resolution not in RESOLUTIONS or resolution not in policy.refund_methods:
        raise InvalidReturn(_("Choose how you would like to be refunded."))
    note = _text(comment, _("comment"))
    wanted = {key: n for key, n in quantities.items() if n}
    if not wanted:
        raise InvalidReturn(_("Choose at least one item to return."))
    session.execute(
        sa.update(Order).where(Order.id == order.id).values(id=Order.id)
    )  # lock the order until commit
    by_id = {line.item.id: line for line in lines(session, order, policy)}
    items = []
    for item_id, quantity in sorted(wanted.items()):
        line = by_id.get(item_id)
        if line is None:
            raise InvalidReturn(_("This order has no such item."))
        name = line.item.name
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 0:
            raise InvalidReturn(_("Enter a whole number for %(name)s.", name=name))
        if not line.returnable:
            raise InvalidReturn(
                _(
                    "%(name)s cannot be returned (%(category)s).",
                    name=name,
                    category=policy.category_label(line.item.category),
                )
            )
        if quantity > line.left:
            raise InvalidReturn(
                _(
                    "You can return at most %(left)d of %(name)s: you bought"
                    " %(bought)d and %(taken)d are already returned.",
                    left=line.left,
                    name=name,
                    bought=line.item.quantity,
                    taken=line.taken,
                )
            )
        items.append(ReturnItem(order_item=line.item, quantity=quantity))
    request = ReturnRequest(
        number=new_number(),
        order=order,
        customer=order.customer,
        status=REQUESTED,
        reason=reason,
        comment=note,
        resolution=resolution,
        owner_message="",
        created_at=now,
        items=items,
    )
    session.add(request)
    session.flush()
    return request


def status_label(status: str) -> str:
    """A return's status in words, in the reader's language."""
    labels = {
        REQUESTED: _("requested"),
        APPROVED: _("approved"),
        REJECTED: _("rejected"),
        RECEIVED: _("received"),
        REFUNDED: _("refunded"),
    }
    return labels.get(status, status)


STEPS = {
    "approve": ((REQUESTED,), APPROVED),
    "reject": ((REQUESTED, APPROVED), REJECTED),
    "receive": ((APPROVED,), RECEIVED),
    "refund": ((RECEIVED,), REFUNDED),
}


def advance(
    request: ReturnRequest, now: datetime, step: str, message: object = ""
) -> None:
    """Move ``request`` by the owner's ``step`` (approve, reject, receive, refund);
    a refund also needs :func:`refund`.

    :raises InvalidReturn: the step does not fit the status, or a rejection has no
        message for the customer.
    """
    if step not in STEPS:
        raise InvalidReturn(_("Unknown step."))
    allowed, status = STEPS[step]
    if request.status not in allowed:
        raise InvalidReturn(
            _(
                "Return %(number)s is %(status)s: this step does not fit.",
                number=request.number,
                status=status_label(request.status),
            )
        )
    text = _text(message, _("message"))
    if step == "reject" and not text:
        raise InvalidReturn(_("Tell the customer why the return is rejected."))
    if text:
        request.owner_message = text
    request.status = status
    if step in ("approve", "reject"):
        request.decided_at = now
    elif step == "receive":
        request.received_at = now
    else:
        request.refunded_at = now


def refund_cents(request: ReturnRequest) -> int:
    """What she paid for the returned items: their price less their share of the
    order's discount (rounded down); shipping is not refunded."""
    order = request.order
    value = sum(i.quantity * i.order_item.unit_price_cents for i in request.items)
    subtotal = sum(line.line_total_cents for line in order.items)
    if not order.discount_cents or not subtotal:
        return value
    return value * (subtotal - order.discount_cents) // subtotal


def refund(loyalty: t.Any, request: ReturnRequest) -> t.Any:
    """Record the refund of a received return with ``loyalty.record_refund`` (the
    refund hooks reverse the points) and mark the request refunded; the caller
    commits, or rolls back on an error.

    :raises InvalidReturn: the request was not received yet.
    :raises InvalidRefund: the order has less left to refund than the items cost.
    """
    state = loyalty.state
    advance(request, state.now(), "refund")
    items: dict[str, int] = {}
    for item in request.items:
        sku = item.order_item.sku
        items[sku] = items.get(sku, 0) + item.quantity
    reference = f"return:{request.number}"
    request.refund_reference = reference
    return loyalty.record_refund(
        request.order.reference,
        refund_id=reference,
        items=items,
        amount=from_minor(refund_cents(request), request.order.currency),
        reason=_("Return %(number)s", number=request.number),
        commit=False,
    )
