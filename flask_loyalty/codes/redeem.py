"""Using a code on an order, atomically.

Using a code is one conditional ``UPDATE`` (``uses < max_uses``), so of many
concurrent redemptions of a single-use code exactly one wins; an offer's cap on uses
and its budget are claimed the same way. Nothing is written when it raises.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..errors import CodeExpired
from ..errors import CodeNotApplicable
from ..errors import CodeUsed
from ..errors import UnknownCode
from ..i18n import _
from ..offers import models as om
from .checkout import USED_UP
from .checkout import Line
from .checkout import benefit_of
from .checkout import used_by_owner
from .lookup import find_code
from .lookup import grouped
from .lookup import normalise_code
from .models import CodeRedemption
from .models import DiscountCode


def _claim_offer(session: Session, offer_id: int, cents: int) -> bool:
    offers = om.Offer.__table__
    return (
        session.execute(
            sa.update(offers)
            .where(
                offers.c.id == offer_id,
                sa.or_(offers.c.max_uses.is_(None), offers.c.uses < offers.c.max_uses),
                sa.or_(
                    offers.c.budget_cents.is_(None),
                    offers.c.spent_cents + cents <= offers.c.budget_cents,
                ),
            )
            .values(uses=offers.c.uses + 1, spent_cents=offers.c.spent_cents + cents)
        ).rowcount
        == 1
    )


def _give_back(session: Session, offer_id: int, cents: int) -> None:
    """Undo :func:`_claim_offer` (the caller may not roll back: the order can be in
    the same transaction)."""
    offers = om.Offer.__table__
    session.execute(
        sa.update(offers)
        .where(offers.c.id == offer_id)
        .values(uses=offers.c.uses - 1, spent_cents=offers.c.spent_cents - cents)
    )


def claim_code(session: Session, now: datetime, code_id: int, order_ref: str) -> bool:
    """Take one use of a code for ``order_ref``; ``False`` if none was left."""
    codes = DiscountCode.__table__
    last = sa.and_(codes.c.max_uses > 0, codes.c.uses + 1 >= codes.c.max_uses)
    return (
        session.execute(
            sa.update(codes)
            .where(
                codes.c.id == code_id,
                sa.or_(codes.c.max_uses == 0, codes.c.uses < codes.c.max_uses),
                sa.or_(codes.c.expires_at.is_(None), codes.c.expires_at > now),
            )
            .values(
                uses=codes.c.uses + 1,
                used_at=sa.case((last, now), else_=codes.c.used_at),
                used_order=order_ref,
            )
        ).rowcount
        == 1
    )


def find_redemption(
    session: Session, code_id: int, order_ref: str
) -> CodeRedemption | None:
    return session.scalar(
        sa.select(CodeRedemption).where(
            CodeRedemption.code_id == code_id, CodeRedemption.order_ref == order_ref
        )
    )


def redeem(
    session: Session,
    now: datetime,
    code: object,
    order_ref: str,
    *,
    email: str | None,
    subtotal_cents: int,
    lines: list[Line],
    currency: str,
    check: bool = True,
) -> CodeRedemption:
    """Use ``code`` on order ``order_ref`` once; the same order again returns the
    first redemption. With ``check=False`` only expiry and use are checked (the
    points codes' :func:`.service.redeem_code`).

    :raises UnknownCode, CodeExpired, CodeUsed, CodeNotYours, CodeNotApplicable:
        nothing is written.
    """
    normal = normalise_code(code)
    row = find_code(session, normal) if normal else None
    if row is None:
        shown = grouped(normal) or repr(code)  # as another customer's code is shown
        raise UnknownCode(_("There is no discount code %(code)s.", code=shown))
    done = find_redemption(session, row.id, order_ref)
    if done is not None:
        return done
    if row.used_at is not None and row.used_order == order_ref:
        return _legacy_redemption(session, row, order_ref)
    if check:
        benefit = benefit_of(
            session,
            now,
            row,
            email=email,
            subtotal_cents=subtotal_cents,
            lines=lines,
            currency=currency,
        )
        cents = benefit.discount_cents
    else:
        cents = (
            min(row.value_cents, subtotal_cents) if subtotal_cents else row.value_cents
        )
    offer_id = row.offer_id
    if offer_id is not None and check:
        if not _claim_offer(session, offer_id, cents):
            raise CodeNotApplicable(_("This offer has been used up. Sorry!"), USED_UP)
        # The offer's row is ours until the commit: another of her codes of this
        # offer redeemed at the same moment was checked before, but shows now.
        offer = session.get(om.Offer, offer_id)
        if offer is not None and used_by_owner(session, offer, row.customer_id):
            _give_back(session, offer_id, cents)
            raise CodeUsed(_("This offer was already used on another order."))
    if not claim_code(session, now, row.id, order_ref):
        if offer_id is not None and check:  # give the offer's use back
            _give_back(session, offer_id, cents)
        session.refresh(row)
        done = find_redemption(session, row.id, order_ref)
        if done is not None:  # the same order, redeemed at the same moment
            return done
        if row.max_uses and row.uses >= row.max_uses:
            if row.used_order == order_ref:
                return _legacy_redemption(session, row, order_ref)
            raise CodeUsed(_("The code %(code)s was already used.", code=row.display))
        raise CodeExpired(_("The code %(code)s has expired.", code=row.display))
    redemption = CodeRedemption(
        code_id=row.id,
        order_ref=order_ref,
        offer_id=offer_id,
        customer_id=row.customer_id,
        discount_cents=cents,
        subtotal_cents=subtotal_cents,
        created_at=now,
    )
    session.add(redemption)
    session.flush()
    session.refresh(row)
    return redemption


def _legacy_redemption(
    session: Session, row: DiscountCode, order_ref: str
) -> CodeRedemption:
    """A code used before redemptions were recorded: describe that use."""
    return CodeRedemption(
        code_id=row.id,
        order_ref=order_ref,
        offer_id=row.offer_id,
        customer_id=row.customer_id,
        discount_cents=row.value_cents,
        subtotal_cents=0,
        created_at=row.used_at,
    )
