"""Making and using single-use discount codes, atomically.

Codes have 10 characters from a 31-letter alphabet without look-alikes (no 0/O,
1/I/L), about 49.5 random bits from :mod:`secrets`, shown as ``ABCD-EFGH-JK``.
"""

from __future__ import annotations

import secrets
import typing as t
from datetime import datetime

from sqlalchemy.orm import Session

from ..db import attach
from ..db import insert_row
from .models import DiscountCode
from .redeem import redeem

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 10


_CODES = len(ALPHABET) ** LENGTH


def generate_code() -> str:
    """A new random code (not grouped), 10 characters, >= 49 bits of entropy:
    one uniform number below 31**10 written in base 31 (a fifth of the time of
    drawing each letter)."""
    number = secrets.randbelow(_CODES)
    letters = []
    for _ in range(LENGTH):
        number, digit = divmod(number, len(ALPHABET))
        letters.append(ALPHABET[digit])
    return "".join(letters)


def create_code(session: Session, now: datetime, **fields: t.Any) -> DiscountCode:
    """Insert a new code (``fields``: those of :func:`insert_code`) and return it."""
    code_id, values = insert_code(session, now, **fields)
    return attach(session, DiscountCode, id=code_id, **values)


def insert_code(
    session: Session, now: datetime, **fields: t.Any
) -> tuple[int, dict[str, t.Any]]:
    """Insert a new code (``fields``: those of :func:`code_values`;
    ``INSERT ... ON CONFLICT (code) DO NOTHING RETURNING``: a clash of random
    codes, 1 in 10**14, tries another); return its id and columns
    (:func:`create_code` makes the object of them)."""
    for _attempt in range(5):
        values = code_values(now, **fields)
        code_id = insert_row(session, DiscountCode, values, unique="code")
        if code_id is not None:
            return code_id, values
    raise RuntimeError("could not find a free discount code")  # pragma: no cover


def code_values(
    now: datetime,
    *,
    value_cents: int,
    currency: str,
    customer_id: int | None,
    source: str,
    expires_at: datetime | None,
    max_uses: int = 1,
    offer_id: int | None = None,
) -> dict[str, t.Any]:
    """The columns of a new code with a fresh random ``code`` (all but the id)."""
    return {
        "code": generate_code(),
        "value_cents": value_cents,
        "currency": currency,
        "customer_id": customer_id,
        "source": source,
        "created_at": now,
        "expires_at": expires_at,
        "used_at": None,
        "used_order": None,
        "offer_id": offer_id,
        "max_uses": max_uses,
        "uses": 0,
    }


def redeem_code(
    session: Session, now: datetime, code: object, order_id: str
) -> DiscountCode:
    """Use a code on order ``order_id``, once; the same order again is a no-op.

    Only expiry and use are checked (no owner, minimum or items: see
    :func:`.redeem.redeem` for the checkout's full check). Single use holds under
    concurrency: the row is claimed with ``UPDATE ... WHERE uses < max_uses`` and
    only one writer can match it.

    :raises UnknownCode: no such code.
    :raises CodeExpired: the code's time is over.
    :raises CodeUsed: the code was used on another order.
    """
    redemption = redeem(
        session,
        now,
        code,
        order_id,
        email=None,
        subtotal_cents=0,
        lines=[],
        currency="",
        check=False,
    )
    found = session.get(DiscountCode, redemption.code_id)
    assert found is not None
    return found
