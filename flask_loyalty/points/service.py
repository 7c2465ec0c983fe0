"""Points rules as plain functions over a session and a time: earning on orders,
reversing on refunds, redeeming for a code, owner adjustments, the account's
standing. Bonuses and birthdays are in :mod:`.bonuses`.

None of them commits: the caller commits, or rolls back after an error (nothing is
then written). Signals are sent after the commit.
"""

from __future__ import annotations

import typing as t
import uuid
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

import flask_loyalty.signals as signals

from ..codes.models import POINTS
from ..codes.models import DiscountCode
from ..codes.service import create_code
from ..customers.models import Customer
from ..errors import InvalidAdjustment
from ..errors import InvalidPoints
from ..errors import NotEnoughPoints
from ..i18n import _
from ..orders.first_query import first_rows
from ..orders.models import Order
from ..orders.models import Refund
from ..orders.service import is_new_customer
from ..orders.service import recorded_now
from . import ledger
from .bonuses import announce
from .bonuses import grant_bonus
from .models import ADJUST
from .models import EARN
from .models import REDEEM
from .models import REVERSAL
from .models import PointsEntry
from .program import MAX_POINTS
from .program import RULES_READ
from .program import ProgramSettings
from .program import load_program
from .program import load_rules
from .program import points_for
from .program import rules_from_rows
from .program import spend_12_months
from .tiers import TierRule
from .tiers import load_tiers
from .tiers import next_tier
from .tiers import tier_for

if t.TYPE_CHECKING:
    from ..state import LoyaltyState

MAX_ADJUSTMENT = 10_000_000


def order_key(order: Order) -> str:
    return f"order:{order.reference}"


def earn_for_order(state: LoyaltyState, order: Order) -> None:
    """Order hook: her points for ``order`` (once), and her sign-up bonus with her
    first order. Orders in another currency than ``LOYALTY_CURRENCY`` earn none.

    The program, its tiers and her spend (none for a customer who came with this
    order) were read by the order's first query (:data:`.program.RULES_READ`),
    else one query reads them; a repeat of the order stops at the look-up of its
    entry, which a new order needs not (the ledger's ``INSERT ... ON CONFLICT``
    still guards a race)."""
    session = state.session
    currency = state.settings.currency
    key = order_key(order)
    if order.currency != currency or (
        not recorded_now(order) and ledger.find_entry(session, key) is not None
    ):
        return
    rows = first_rows(order, RULES_READ)
    if rows is None:
        program, tiers, spend_cents = load_rules(
            session, None if is_new_customer(order) else order
        )
    else:  # read with the order's look-up
        program, tiers, spend_cents = rules_from_rows(rows)
        if is_new_customer(order):
            spend_cents = 0
    tier = tier_for(tiers, spend_cents)
    base = max(order.total_cents - order.shipping_cents, 0)
    points = points_for(program, base, tier.multiplier_bp, currency)
    entry = ledger.post(
        session,
        order.recorded_at,
        customer_id=order.customer_id,
        kind=EARN,
        points=points,
        key=key,
        order_id=order.id,
        note=tier.name,
    )
    if entry is not None:
        announce(session, signals.points_earned, customer=order.customer, entry=entry)
    grant_bonus(
        session,
        order.recorded_at,
        customer_id=order.customer_id,
        points=program.signup_bonus,
        key=f"signup:{order.customer_id}",
        note="sign-up",
    )


def points_to_take_back(
    earned: int, base_cents: int, total_cents: int, refunded: int, shipping: int
) -> int:
    """How many of an order's ``earned`` points all its refunds so far take back.

    Points were earned on ``base_cents`` (the total less shipping), so the refunds'
    money less the part that gave back shipping is set against that base, rounded
    down; once the whole total is refunded, all of them.
    """
    if refunded >= total_cents:
        return earned
    if base_cents <= 0:
        return 0
    goods = min(max(refunded - shipping, 0), base_cents)
    return earned * goods // base_cents


def reverse_for_refund(state: LoyaltyState, refund: Refund) -> None:
    """Refund hook: take back the order's points in proportion to the money given
    back for what earned them (all refunds so far, less what gave back shipping,
    rounded down; a full refund takes back all, a shipping refund none).

    Policy: the points are taken back even if she spent them; her balance may then
    go below zero and her next points fill the gap first.
    """
    session = state.session
    key = f"refund:{refund.reference}"
    if ledger.find_entry(session, key) is not None:
        return
    order = refund.order
    earned = ledger.find_entry(session, order_key(order))
    if earned is None or order.total_cents <= 0:
        return
    refunded, shipping = session.execute(
        sa.select(
            sa.func.coalesce(sa.func.sum(Refund.amount_cents), 0),
            sa.func.coalesce(sa.func.sum(Refund.shipping_cents), 0),
        ).where(Refund.order_id == order.id)
    ).one()
    reversed_before = -int(
        session.scalar(
            sa.select(sa.func.coalesce(sa.func.sum(PointsEntry.points), 0)).where(
                PointsEntry.order_id == order.id, PointsEntry.kind == REVERSAL
            )
        )
        or 0
    )
    target = points_to_take_back(
        earned.points,
        order.total_cents - order.shipping_cents,
        order.total_cents,
        int(refunded),
        int(shipping),
    )
    entry = ledger.post(
        session,
        refund.created_at,
        customer_id=order.customer_id,
        kind=REVERSAL,
        points=-(target - reversed_before),
        key=key,
        order_id=order.id,
        note=refund.reference,
    )
    if entry is not None:
        announce(
            session,
            signals.points_reversed,
            customer=order.customer,
            entry=entry,
            refund=refund,
        )


def check_points(points: object) -> int:
    """:raises InvalidPoints: unless ``points`` is a whole number above zero."""
    if not isinstance(points, int) or isinstance(points, bool) or points <= 0:
        raise InvalidPoints(_("Enter a whole number of points above zero."))
    if points > MAX_POINTS:
        raise InvalidPoints(_("That is more points than anyone has."))
    return points


def redeem_points(
    session: Session,
    now: datetime,
    *,
    customer_id: int,
    points: object,
    currency: str,
    key: str | None = None,
) -> DiscountCode:
    """Turn ``points`` into a single-use code worth ``points * point value``.

    The points leave the balance in the same transaction as the code is made.
    ``key`` (``redeem:<uuid>``, one per form shown) makes a repeated submit return
    the first code. A key is bound to the customer who used it first: another
    customer's key counts as a fresh redemption of her own points, never as a
    way to see the first customer's code.

    :raises InvalidPoints: not a whole number above zero.
    :raises NotEnoughPoints: below the program's minimum, or more than her
        balance; roll back the session.
    """
    points = check_points(points)
    done = ledger.find_entry(session, key) if key else None
    if done is not None and done.customer_id != customer_id:
        key, done = None, None  # someone else's key: hers is a new redemption
    key = key or f"redeem:{uuid.uuid4()}"
    if done is not None and done.code_id is not None:
        return t.cast(DiscountCode, session.get(DiscountCode, done.code_id))
    program = load_program(session)
    if points < program.min_redeem:
        raise NotEnoughPoints(
            _("You can redeem %(n)d points or more at a time.", n=program.min_redeem)
        )
    if not ledger.take(session, customer_id, points):
        raise NotEnoughPoints(
            _(
                "You do not have enough points: your balance is %(n)d.",
                n=ledger.balance(session, customer_id),
            )
        )
    code = create_code(
        session,
        now,
        value_cents=points * program.point_value_cents,
        currency=currency,
        customer_id=customer_id,
        source=POINTS,
        expires_at=now + timedelta(days=program.code_valid_days)
        if program.code_valid_days
        else None,
    )
    entry = ledger.post(
        session,
        now,
        customer_id=customer_id,
        kind=REDEEM,
        points=-points,
        key=key,
        code_id=code.id,
        taken=True,
    )

    announce(
        session,
        signals.points_redeemed,
        customer=session.get(Customer, customer_id),
        entry=entry,
        code=code,
    )
    return code


def adjust_points(
    session: Session,
    now: datetime,
    *,
    customer_id: int,
    points: object,
    reason: object,
    actor: str | None,
    key: str | None = None,
) -> PointsEntry | None:
    """The owner adds (or, negative, removes) points, with her reason.

    ``None`` if ``key`` was used before (a repeated submit).

    :raises InvalidAdjustment: no reason, zero, too large, or taking more than
        the balance.
    """
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidAdjustment(_("Give a reason for the adjustment."))
    if len(reason) > 500:
        raise InvalidAdjustment(_("The reason can have at most 500 characters."))
    if (
        not isinstance(points, int)
        or isinstance(points, bool)
        or points == 0
        or abs(points) > MAX_ADJUSTMENT
    ):
        raise InvalidAdjustment(
            _("Adjust by a whole number of points, not zero, up to 10,000,000.")
        )
    key = key or f"adjust:{uuid.uuid4()}"
    if ledger.find_entry(session, key) is not None:
        return None
    if points < 0 and not ledger.take(session, customer_id, -points):
        raise InvalidAdjustment(
            _(
                "The customer has only %(n)d points.",
                n=ledger.balance(session, customer_id),
            )
        )
    return ledger.post(
        session,
        now,
        customer_id=customer_id,
        kind=ADJUST,
        points=points,
        key=key,
        note=" ".join(reason.split()),
        actor=actor,
        taken=points < 0,
    )


@dataclass(frozen=True)
class Standing:
    """What the account page shows at the top: balance, its value, tier."""

    balance: int
    value_cents: int
    spend_cents: int
    tier: TierRule
    next_tier: TierRule | None
    program: ProgramSettings

    @property
    def to_next_cents(self) -> int:
        return (
            self.next_tier.threshold_cents - self.spend_cents if self.next_tier else 0
        )

    @property
    def progress_percent(self) -> int:
        if self.next_tier is None:
            return 100
        span = self.next_tier.threshold_cents - self.tier.threshold_cents
        done = self.spend_cents - self.tier.threshold_cents
        return max(0, min(100, done * 100 // span)) if span > 0 else 100


def standing(
    session: Session, customer_id: int, now: datetime, currency: str
) -> Standing:
    program = load_program(session)
    tiers = load_tiers(session)
    spend = spend_12_months(session, customer_id, now, currency=currency)
    return standing_from(program, tiers, spend, ledger.balance(session, customer_id))


def standing_from(
    program: ProgramSettings, tiers: t.Sequence[TierRule], spend: int, points: int
) -> Standing:
    """Her standing from what was read: the program, its tiers, her 12-month
    spend in cents and her balance."""
    return Standing(
        balance=points,
        value_cents=max(points, 0) * program.point_value_cents,
        spend_cents=spend,
        tier=tier_for(tiers, spend),
        next_tier=next_tier(tiers, spend),
        program=program,
    )
