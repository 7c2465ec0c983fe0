"""Everything stored about one address: export it, or erase it (GDPR Articles 15,
17 and 20).

:func:`export_person` gathers her customer record, points and their history, orders
with their items and refunds, discount codes, offers, return requests, her
subscription, journeys, bounce reports and the emails sent to her, as one
JSON-ready dict. :func:`erase_person` removes what identifies her and keeps what the
shop's books need: the orders keep their amounts and items, under a customer row
whose address is a pseudonym and whose name is blank; only a hashed suppression
entry remembers the address, so no later import mails it again.

This module composes the domains; the web layer (owner pages, her account) and the
shop's own code call it.
"""

from __future__ import annotations

import typing as t
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm import selectinload

from .codes.models import CodeRedemption
from .codes.models import DiscountCode
from .customers.models import ERASED_DOMAIN
from .customers.models import Customer
from .customers.models import MailRequest
from .customers.models import SignInLink
from .customers.service import find_customer
from .customers.service import normalise_email
from .deliverability.models import MailEvent
from .journeys.models import SegmentMember
from .measure.models import HoldoutDecision
from .money import from_minor
from .newsletter.models import Subscriber
from .newsletter.personal_data import erase_subscriber
from .newsletter.personal_data import export_subscriber
from .newsletter.personal_data import journey_enrolments
from .newsletter.personal_data import pseudonym
from .newsletter.service import email_hash
from .offers.models import Offer
from .offers.models import OfferGrant
from .orders.models import Order
from .orders.models import Refund
from .outbox.queueing import mailed_to
from .points import ledger
from .points.models import ADJUST
from .points.models import PointsAccount
from .points.models import PointsEntry
from .returns.models import ReturnItem
from .returns.models import ReturnRequest

FORMAT = 1
"""The export's format version (``"format"``), raised when a field changes meaning."""


def _when(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def _money(cents: int, currency: str) -> str:
    """An amount as a decimal string ("12.50"): exact, and read by any program."""
    return str(from_minor(cents, currency))


def export_person(session: Session, now: datetime, email: object) -> dict[str, t.Any]:
    """Everything stored about ``email``, as a JSON-ready dict.

    The sections she has nothing in are empty (``None`` or ``[]``), so the same
    request for a known and an unknown address gives the same shape.

    :raises InvalidEmail: not an email address.
    """
    address = normalise_email(email)
    customer = find_customer(session, address)
    subscription = export_subscriber(session, address)
    if subscription is not None:  # these two are hers as a person, below
        subscription.pop("journeys")
        subscription.pop("emails")
    data: dict[str, t.Any] = {
        "format": FORMAT,
        "email": address,
        "exported_at": now.isoformat(),
        "customer": None,
        "points": None,
        "orders": [],
        "discount_codes": [],
        "offers": [],
        "returns": [],
        "holdouts": _holdouts(session, customer, address),
        "newsletter": subscription,
        "journeys": journey_enrolments(session, address),
        "emails": [
            {
                "kind": message.kind,
                "subject": message.subject,
                "status": message.status,
                "queued_at": _when(message.created_at),
                "sent_at": _when(message.sent_at),
            }
            for message in mailed_to(session, address)
        ],
        "mail_reports": _mail_reports(session, address),
        "link_requests": [
            {"kind": kind, "requested_at": _when(at)}
            for kind, at in session.execute(
                sa.select(MailRequest.kind, MailRequest.requested_at)
                .where(MailRequest.email == address)
                .order_by(MailRequest.id)
            )
        ],
    }
    if customer is not None:
        data.update(_customer_data(session, customer))
    return data


def _holdouts(
    session: Session, customer: Customer | None, address: str
) -> list[dict[str, t.Any]]:
    """Whether she was held out of each offer, journey or campaign decided for
    her (as a customer or as a subscriber)."""
    mine = HoldoutDecision.subscriber_id.in_(
        sa.select(Subscriber.id).where(Subscriber.email == address)
    )
    if customer is not None:
        mine = sa.or_(mine, HoldoutDecision.customer_id == customer.id)
    return [
        {
            "measure": decision.measure,
            "id": decision.measure_id,
            "held_out": decision.held_out,
            "decided_at": _when(decision.decided_at),
        }
        for decision in session.scalars(
            sa.select(HoldoutDecision).where(mine).order_by(HoldoutDecision.id)
        )
    ]


def _mail_reports(session: Session, address: str) -> list[dict[str, t.Any]]:
    """Bounces and complaints about her address."""
    events = session.scalars(
        sa.select(MailEvent)
        .where(MailEvent.email_hash == email_hash(address))
        .order_by(MailEvent.id)
    )
    return [
        {"kind": e.kind, "at": _when(e.at), "source": e.source, "detail": e.detail}
        for e in events
    ]


def _customer_data(session: Session, customer: Customer) -> dict[str, t.Any]:
    cid = customer.id
    account = session.get(PointsAccount, cid)
    entries = session.execute(
        sa.select(PointsEntry, Order.reference)
        .outerjoin(Order, Order.id == PointsEntry.order_id)
        .where(PointsEntry.customer_id == cid)
        .order_by(PointsEntry.id)
    ).all()
    orders = session.scalars(
        sa.select(Order)
        .options(selectinload(Order.items), selectinload(Order.refunds))
        .where(Order.customer_id == cid)
        .order_by(Order.placed_at, Order.id)
    ).all()
    codes = session.scalars(
        sa.select(DiscountCode)
        .where(DiscountCode.customer_id == cid)
        .order_by(DiscountCode.id)
    ).all()
    used = session.execute(
        sa.select(CodeRedemption.code_id, CodeRedemption)
        .where(CodeRedemption.customer_id == cid)
        .order_by(CodeRedemption.id)
    ).all()
    grants = session.execute(
        sa.select(OfferGrant, Offer.name, DiscountCode.code)
        .join(Offer, Offer.id == OfferGrant.offer_id)
        .outerjoin(DiscountCode, DiscountCode.id == OfferGrant.code_id)
        .where(OfferGrant.customer_id == cid)
        .order_by(OfferGrant.id)
    ).all()
    returns = session.scalars(
        sa.select(ReturnRequest)
        .options(
            selectinload(ReturnRequest.items).selectinload(ReturnItem.order_item),
            selectinload(ReturnRequest.order),
        )
        .where(ReturnRequest.customer_id == cid)
        .order_by(ReturnRequest.id)
    ).all()
    return {
        "customer": {
            "email": customer.email,
            "name": customer.name,
            "locale": customer.locale,
            "shop_user_id": customer.external_id,
            "created_at": _when(customer.created_at),
        },
        "points": {
            "balance": account.balance if account else 0,
            "birthday": (
                account.birthday.isoformat() if account and account.birthday else None
            ),
            "referral_code": account.referral_code if account else None,
            "referred_by_a_friend": bool(account and account.referred_by),
            "history": [
                {
                    "kind": entry.kind,
                    "points": entry.points,
                    "order": reference,
                    "note": entry.note,
                    "at": _when(entry.created_at),
                }
                for entry, reference in entries
            ],
        },
        "orders": [_order(order) for order in orders],
        "discount_codes": [
            {
                "code": code.code,
                "value": _money(code.value_cents, code.currency),
                "currency": code.currency,
                "source": code.source,
                "created_at": _when(code.created_at),
                "expires_at": _when(code.expires_at),
                "uses": code.uses,
                "max_uses": code.max_uses,
                "redemptions": [
                    {
                        "order": redemption.order_ref,
                        "discount": _money(redemption.discount_cents, code.currency),
                        "at": _when(redemption.created_at),
                    }
                    for code_id, redemption in used
                    if code_id == code.id
                ],
            }
            for code in codes
        ],
        "offers": [
            {
                "offer": name,
                "code": code,
                "given_at": _when(grant.created_at),
                "suggested_products": [
                    {k: s.get(k) for k in ("sku", "name", "reason")}
                    for s in grant.suggestions or []
                ],
            }
            for grant, name, code in grants
        ],
        "returns": [_return(request) for request in returns],
    }


def _order(order: Order) -> dict[str, t.Any]:
    currency = order.currency
    return {
        "reference": order.reference,
        "placed_at": _when(order.placed_at),
        "delivered_at": _when(order.delivered_at),
        "currency": currency,
        "total": _money(order.total_cents, currency),
        "shipping": _money(order.shipping_cents, currency),
        "discount": _money(order.discount_cents, currency),
        "items": [
            {
                "sku": item.sku,
                "name": item.name,
                "category": item.category,
                "quantity": item.quantity,
                "unit_price": _money(item.unit_price_cents, currency),
            }
            for item in order.items
        ],
        "refunds": [
            {
                "reference": refund.reference,
                "amount": _money(refund.amount_cents, currency),
                "shipping": _money(refund.shipping_cents, currency),
                "reason": refund.reason,
                "at": _when(refund.created_at),
            }
            for refund in order.refunds
        ],
    }


def _return(request: ReturnRequest) -> dict[str, t.Any]:
    return {
        "number": request.number,
        "order": request.order.reference,
        "status": request.status,
        "reason": request.reason,
        "comment": request.comment,
        "resolution": request.resolution,
        "message_from_the_shop": request.owner_message,
        "created_at": _when(request.created_at),
        "decided_at": _when(request.decided_at),
        "received_at": _when(request.received_at),
        "refunded_at": _when(request.refunded_at),
        "items": [
            {
                "sku": item.order_item.sku,
                "name": item.order_item.name,
                "quantity": item.quantity,
            }
            for item in request.items
        ],
    }


def erase_person(session: Session, now: datetime, email: object) -> bool:
    """Erase what identifies ``email``; return ``True`` if anything was stored.

    In the session's transaction (the caller commits), so it is all or nothing:

    - her subscription, its history and topics are deleted; bounce reports,
      journey enrolments and the emails sent to her keep their counts with the
      address replaced (:func:`.newsletter.personal_data.erase_subscriber`);
    - her customer row stays for the books with a pseudonym address, no name, no
      shop user id, no language, and ``erased_at`` set; her orders, items and
      refunds keep their amounts, refund reasons are blanked;
    - her points are forfeited (one ledger entry brings the balance to 0), the
      notes of her ledger entries, her birthday and referral code are cleared;
    - her discount codes that are not used up stop working now; the products
      chosen for her in offers are forgotten;
    - her return requests keep their items and status, her comment and the
      shop's messages to her are blanked;
    - her emailed links and link requests are deleted;
    - a hashed suppression entry keeps any import from mailing the address.

    :raises InvalidEmail: not an email address.
    """
    address = normalise_email(email)
    was_subscribed = erase_subscriber(session, now, address)
    session.execute(sa.delete(MailRequest).where(MailRequest.email == address))
    customer = find_customer(session, address)
    if customer is None:
        return was_subscribed
    cid = customer.id
    balance = ledger.balance(session, cid)
    if balance > 0 and ledger.take(session, cid, balance):
        ledger.post(
            session,
            now,
            customer_id=cid,
            kind=ADJUST,
            points=-balance,
            key=f"erase:{cid}",
            note="Forfeited: personal data erased",
            taken=True,
        )
    for statement in (
        sa.update(PointsEntry)
        .where(PointsEntry.customer_id == cid, PointsEntry.key != f"erase:{cid}")
        .values(note=None),
        sa.update(PointsAccount)
        .where(PointsAccount.customer_id == cid)
        .values(birthday=None, referral_code=None),
        sa.update(Refund)
        .where(Refund.order_id.in_(sa.select(Order.id).where(Order.customer_id == cid)))
        .values(reason=None),
        sa.update(DiscountCode)
        .where(
            DiscountCode.customer_id == cid,
            DiscountCode.used_at.is_(None),
            sa.or_(DiscountCode.expires_at.is_(None), DiscountCode.expires_at > now),
        )
        .values(expires_at=now),
        sa.update(OfferGrant)
        .where(OfferGrant.customer_id == cid)
        .values(suggestions=[]),
        sa.update(ReturnRequest)
        .where(ReturnRequest.customer_id == cid)
        .values(comment="", owner_message=""),
        sa.delete(SignInLink).where(SignInLink.customer_id == cid),
        sa.delete(SegmentMember).where(SegmentMember.customer_id == cid),
    ):
        session.execute(statement, execution_options={"synchronize_session": False})
    customer.email = f"{pseudonym(address)}@{ERASED_DOMAIN}"
    customer.name = None
    customer.external_id = None
    customer.locale = None
    customer.erased_at = now
    session.flush()
    return True


def is_erased_address(email: str) -> bool:
    """Whether ``email`` is an erased customer's pseudonym (never to be mailed)."""
    return email.lower().endswith("@" + ERASED_DOMAIN)
