"""Recording orders: validated, idempotent, all-or-nothing (refunds: ``refunds.py``).

These are plain functions over a session and a time; :class:`~flask_loyalty.Loyalty`
wraps them with the app's session, clock and currency.
"""

from __future__ import annotations

import hashlib
import json
import typing as t
import unicodedata
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from ..clock import as_utc
from ..copurchases.counting import count_order
from ..customers.models import Customer
from ..customers.service import clean_name
from ..customers.service import find_or_add_customer
from ..customers.service import normalise_email
from ..db import add_row
from ..db import attach
from ..db import run_core
from ..errors import InvalidOrder
from ..errors import OrderConflict
from ..errors import UnknownOrder
from ..hooks import OrderLine
from ..i18n import _
from ..i18n import lazy_gettext
from ..money import check_currency
from ..money import from_minor
from ..money import to_minor
from .first_query import OrderRead
from .first_query import keep_rows
from .first_query import look_up
from .first_query import read_params
from .models import Order
from .models import OrderItem

MAX_QUANTITY = 1_000_000


def check_text(
    value: object, what: object, *, max_len: int, optional: bool = False
) -> t.Any:
    """Return ``value`` unchanged if it is usable text, so it round-trips exactly.

    :raises InvalidOrder: if it is not a string, is blank, too long, or holds
        control characters.
    """
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value.strip():
        raise InvalidOrder(_("The %(what)s must be non-empty text.", what=what))
    if len(value) > max_len:
        raise InvalidOrder(
            _("The %(what)s can have at most %(n)d characters.", what=what, n=max_len)
        )
    if any(unicodedata.category(ch) in ("Cc", "Cs") for ch in value):
        raise InvalidOrder(_("The %(what)s contains control characters.", what=what))
    return value


def _line(
    raw: object, index: int, currency: str
) -> tuple[str, str, str | None, int, int]:
    if isinstance(raw, OrderLine):
        fields: Mapping[str, t.Any] = vars(raw)
    elif isinstance(raw, Mapping):
        fields = raw
    else:
        raise InvalidOrder(
            _("Item %(n)d must be an OrderLine or a mapping.", n=index + 1)
        )
    unknown = set(fields) - {"sku", "name", "quantity", "unit_price", "category"}
    if unknown:
        raise InvalidOrder(
            _(
                "Item %(n)d has unknown fields: %(fields)s.",
                n=index + 1,
                fields=", ".join(sorted(map(str, unknown))),
            )
        )
    quantity = fields.get("quantity")
    if (
        not isinstance(quantity, int)
        or isinstance(quantity, bool)
        or not (0 < quantity <= MAX_QUANTITY)
    ):
        raise InvalidOrder(
            _(
                "Item %(n)d needs a whole quantity from 1 to %(max)d.",
                n=index + 1,
                max=MAX_QUANTITY,
            )
        )
    return (
        check_text(fields.get("sku"), lazy_gettext("item SKU"), max_len=64),
        check_text(fields.get("name"), lazy_gettext("item name"), max_len=200),
        check_text(
            fields.get("category"),
            lazy_gettext("item category"),
            max_len=100,
            optional=True,
        ),
        quantity,
        to_minor(fields.get("unit_price"), currency, what=lazy_gettext("unit price")),
    )


def content_fingerprint(content: object) -> str:
    blob = json.dumps(
        content, sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def record_order(
    session: Session,
    now: datetime,
    *,
    order_id: object,
    email: object,
    total: object,
    currency: object,
    items: t.Sequence[OrderLine | Mapping[str, t.Any]] = (),
    shipping: object = Decimal(0),
    discount: object = Decimal(0),
    name: object = None,
    external_customer_id: object = None,
    locale: object = None,
    placed_at: object = None,
    fallback_locale: str | None = None,
    hooks: t.Sequence[t.Callable[[Order], None]] = (),
    gates: t.Sequence[sa.ColumnElement[bool] | None] = (),
    reads: t.Sequence[OrderRead | None] = (),
) -> tuple[Order, bool]:
    """Store an order once; return ``(order, created)``.

    Calling again with the same ``order_id`` and the same contents (address,
    currency, amounts, items) returns the stored order and changes nothing.
    ``fallback_locale`` (the visitor's language) is her language if neither
    ``locale`` nor her record says one. ``hooks`` are called with the order, new
    or repeated (the order hooks); ``gates``, one per hook or ``None``, are SQL
    conditions (bind parameter ``now``) without which that hook has nothing to
    do: they are asked in the first query, and for a new order a hook whose gate
    is false is not called. A repeat calls them all. ``reads``, one per hook or
    ``None``, are what hooks read for a new order (:mod:`.first_query`), asked in
    the first query too.

    A new order takes a few statements and no savepoint: one ``SELECT`` looks up
    ``order_id`` and her customer row together; a new customer's ``INSERT ...
    RETURNING``; the order's ``INSERT ... ON CONFLICT DO NOTHING RETURNING`` (no
    row back: a concurrent call recorded it first, and it is read); one
    ``INSERT`` of all its items. Unique keys never raise here, so nothing needs
    undoing but what the caller rolls back after an error.

    :raises InvalidEmail: bad address.
    :raises InvalidAmount: a total, shipping, discount or price that is not a
        non-negative Decimal with the currency's places.
    :raises UnknownCurrency: the currency is not ISO 4217.
    :raises InvalidOrder: bad id, items or ``placed_at``; items that disagree with
        the total (``total == sum(items) - discount + shipping``).
    :raises OrderConflict: the id was recorded before with other contents.
    """
    reference = check_text(order_id, lazy_gettext("order id"), max_len=64)
    address = normalise_email(email)
    code = check_currency(currency)
    total_cents = to_minor(total, code, what=lazy_gettext("total"))
    shipping_cents = to_minor(shipping, code, what=lazy_gettext("shipping"))
    discount_cents = to_minor(discount, code, what=lazy_gettext("discount"))
    if not isinstance(items, t.Sequence) or isinstance(items, str | bytes):
        raise InvalidOrder(_("The items must be a list."))
    lines = [_line(raw, i, code) for i, raw in enumerate(items)]
    if lines:
        expected = (
            sum(q * p for _s, _n, _c, q, p in lines) - discount_cents + shipping_cents
        )
        if expected != total_cents:
            raise InvalidOrder(
                _(
                    "The items, shipping and discount add up to %(expected)s, but the"
                    " total is %(total)s.",
                    expected=show_amount(expected, code),
                    total=show_amount(total_cents, code),
                )
            )
    customer_name = clean_name(name)
    shop_user = check_text(
        external_customer_id,
        lazy_gettext("shop customer id"),
        max_len=64,
        optional=True,
    )
    language = check_text(locale, lazy_gettext("locale"), max_len=16, optional=True)
    if placed_at is None:
        placed = now
    elif not isinstance(placed_at, datetime):
        raise InvalidOrder(_("placed_at must be a datetime."))
    else:
        try:
            placed = as_utc(placed_at)
        except ValueError:
            raise InvalidOrder(
                _("placed_at must carry a time zone (use UTC).")
            ) from None
        except OverflowError:
            raise InvalidOrder(_("placed_at is out of range.")) from None
    fingerprint = content_fingerprint(
        [address, code, total_cents, shipping_cents, discount_cents, lines]
    )

    asked = [(i, gate) for i, gate in enumerate(gates) if gate is not None]
    wanted = tuple(read for read in reads if read is not None)
    rows = session.execute(
        look_up(shop_user is not None, tuple(gate for _i, gate in asked), wanted),
        {
            "reference": reference,
            "email": address,
            "login": shop_user,
            "now": now,
            **read_params(wanted, placed, code),
        },
    ).all()
    order = rows[0][0]
    if order is None:
        customer, new_customer = find_or_add_customer(
            session,
            now,
            email=address,
            name=customer_name,
            external_id=shop_user,
            locale=language,
            fallback_locale=fallback_locale,
            found=[row[1] for row in rows if row[1] is not None],
        )
        values = {
            "reference": reference,
            "customer_id": customer.id,
            "currency": code,
            "total_cents": total_cents,
            "shipping_cents": shipping_cents,
            "discount_cents": discount_cents,
            "placed_at": placed,
            "recorded_at": now,
            "delivered_at": None,
            "language": language or fallback_locale,
            "fingerprint": fingerprint,
        }
        order = add_row(session, Order, values, unique="reference")
        if order is not None:
            _fill_in(session, order, customer, new_customer, lines)
            keep_rows(order, wanted, rows, customer, new_customer)
            closed = {i for k, (i, _g) in enumerate(asked) if not rows[0][2 + k]}
            for i, hook in enumerate(hooks):
                if i not in closed:
                    hook(order)
            return order, True
        # A concurrent call recorded it since (PostgreSQL waited for it).
        order = session.scalars(_BY_REFERENCE, {"reference": reference}).one()
    if order.fingerprint != fingerprint:
        raise OrderConflict(
            _(
                "Order %(id)s was already recorded with different contents.",
                id=repr(reference),
            )
        )
    if fallback_locale and order.customer.locale is None:
        order.customer.locale = fallback_locale
    for hook in hooks:
        hook(order)
    return order, False


_BY_REFERENCE = sa.select(Order).where(Order.reference == sa.bindparam("reference"))


_ITEMS = OrderItem.__table__
_INSERT_ITEMS = sa.insert(_ITEMS).returning(_ITEMS.c.id, _ITEMS.c.position)
_RECORDED_NOW = "loyalty_recorded_now"
_NEW_CUSTOMER = "loyalty_new_customer"
_ORDERS_SO_FAR = "loyalty_orders_so_far"


def _fill_in(
    session: Session,
    order: Order,
    customer: Customer,
    new_customer: bool,
    lines: list[tuple[str, str, str | None, int, int]],
) -> None:
    """Insert the items of a just-inserted order in one statement, count them
    in what her customers buy together (one more), and give the order what the
    hooks read (its customer, items, no refunds) without reading it back."""
    items: list[OrderItem] = []
    if lines:
        rows = [
            {
                "order_id": order.id,
                "position": i,
                "sku": s,
                "name": n,
                "category": c,
                "quantity": q,
                "unit_price_cents": p,
            }
            for i, (s, n, c, q, p) in enumerate(lines)
        ]
        inserted = run_core(session, OrderItem, _INSERT_ITEMS, rows)
        ids = {position: id for id, position in inserted}
        items = [attach(session, OrderItem, id=ids[r["position"]], **r) for r in rows]
        count_order(session, order.id, customer.id)
    set_committed_value(order, "customer", customer)
    set_committed_value(order, "items", items)
    set_committed_value(order, "refunds", [])
    info = sa.inspect(order).info
    info[_RECORDED_NOW] = True
    info[_NEW_CUSTOMER] = new_customer
    if new_customer:
        info[_ORDERS_SO_FAR] = 1


def recorded_now(order: Order) -> bool:
    """Whether :func:`record_order` has just inserted ``order`` (not a repeat):
    nothing keyed by it (points, grants) can exist yet."""
    return bool(sa.inspect(order).info.get(_RECORDED_NOW, False))


def is_new_customer(order: Order) -> bool:
    """Whether :func:`record_order` has just created her with ``order``: she has no
    other order, points, grants or spend (the order hooks need not look)."""
    return bool(sa.inspect(order).info.get(_NEW_CUSTOMER, False))


_COUNT_SO_FAR = sa.select(sa.func.count(Order.id)).where(
    Order.customer_id == sa.bindparam("customer_id"),
    Order.id <= sa.bindparam("order_id"),
)


def orders_so_far(session: Session, order: Order) -> int:
    """How many of her orders have an id up to ``order``'s, this one included (1
    for a customer new with it); counted once per order object, for all hooks."""
    info = sa.inspect(order).info
    if _ORDERS_SO_FAR not in info:
        count = session.scalar(
            _COUNT_SO_FAR, {"customer_id": order.customer_id, "order_id": order.id}
        )
        info[_ORDERS_SO_FAR] = int(count or 0)
    return t.cast(int, info[_ORDERS_SO_FAR])


def show_amount(cents: int, currency: str) -> str:
    return f"{from_minor(cents, currency)} {currency}"


def get_order(session: Session, order_id: str) -> Order:
    """Return the recorded order with the shop's id ``order_id``.

    :raises UnknownOrder: if there is none.
    """
    order = session.scalar(sa.select(Order).where(Order.reference == order_id))
    if order is None:
        raise UnknownOrder(_("No order %(id)s has been recorded.", id=repr(order_id)))
    return order
