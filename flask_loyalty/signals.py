"""Signals the shop can connect to. Each is sent after the change was committed.

The sender is always the Flask app (``current_app._get_current_object()``).
"""

from __future__ import annotations

from blinker import Namespace

_signals = Namespace()

#: An order was recorded for the first time. Arguments: ``order`` (Order),
#: ``customer`` (Customer).
order_recorded = _signals.signal("order-recorded")

#: A refund was recorded. Arguments: ``refund`` (Refund), ``order`` (Order).
refund_recorded = _signals.signal("refund-recorded")

#: A customer signed in to her loyalty account with an emailed link. Arguments:
#: ``customer`` (Customer).
customer_signed_in = _signals.signal("customer-signed-in")

#: A subscriber confirmed her subscription (double opt-in). Arguments:
#: ``subscriber`` (Subscriber).
subscription_confirmed = _signals.signal("subscription-confirmed")

#: A subscriber unsubscribed from everything. Arguments: ``subscriber``
#: (Subscriber), ``campaign_id`` (the campaign whose link she used, or None).
unsubscribed = _signals.signal("unsubscribed")

#: Points were added to a customer's balance (an order, a bonus, an owner's
#: adjustment). Arguments: ``customer`` (Customer), ``entry`` (PointsEntry).
points_earned = _signals.signal("points-earned")

#: A customer turned points into a discount code. Arguments: ``customer``
#: (Customer), ``entry`` (PointsEntry), ``code`` (DiscountCode).
points_redeemed = _signals.signal("points-redeemed")

#: A personal offer was issued to a customer (first purchase, birthday...).
#: Arguments: ``customer`` (Customer), ``grant`` (OfferGrant, with its ``code``).
offer_issued = _signals.signal("offer-issued")

#: Someone eligible for an offer, a journey or a campaign was held out of it
#: (decided once, she gets nothing from it and is not told). Arguments:
#: ``decision`` (HoldoutDecision: ``measure``, ``measure_id``, ``customer_id``
#: or ``subscriber_id``, ``share``, ``decided_at``).
held_out = _signals.signal("held-out")

#: Points of a refunded order were taken back. Arguments: ``customer``
#: (Customer), ``entry`` (PointsEntry), ``refund`` (Refund).
points_reversed = _signals.signal("points-reversed")

#: A customer asked to return items. Arguments: ``return_request``
#: (ReturnRequest, with its ``number``, ``order`` and ``items``).
return_requested = _signals.signal("return-requested")

#: The owner moved a return on: approved, rejected, received or refunded (its
#: ``status``). Arguments: ``return_request`` (ReturnRequest).
return_updated = _signals.signal("return-updated")

#: Everything stored about an address was erased, by the owner or at her own
#: request (her orders stay for the books, without her name or address). The shop
#: erases its own records of her here. Arguments: ``email`` (the erased address),
#: ``customer_id`` (her customer row, now a pseudonym, or None).
personal_data_erased = _signals.signal("personal-data-erased")
