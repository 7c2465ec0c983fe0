"""The exceptions the extension raises for bad input.

Every error a shop can cause by passing bad data derives from :class:`LoyaltyError`
and carries a message a person can read (translated through Flask-Babel when it is
shown). A misconfigured app fails at ``init_app`` with :class:`RuntimeError` instead.
"""

from __future__ import annotations


class LoyaltyError(Exception):
    """Base class of every error caused by bad input to the loyalty API.

    Nothing is written to the database when one of these is raised.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return str(self.message)


class InvalidEmail(LoyaltyError):
    """An email address is missing or is not a valid address."""


class InvalidName(LoyaltyError):
    """A person's name is not text or is too long."""


class InvalidAmount(LoyaltyError):
    """A money amount is not a finite, non-negative :class:`~decimal.Decimal`, or
    has more decimal places than its currency allows."""


class UnknownCurrency(LoyaltyError):
    """A currency code is not an ISO 4217 code that Babel knows."""


class InvalidOrder(LoyaltyError):
    """An order's data is incomplete or inconsistent (bad id, bad items, a total
    that disagrees with its items, a naive ``placed_at``)."""


class OrderConflict(LoyaltyError):
    """An order id was recorded before with different contents."""


class UnknownOrder(LoyaltyError):
    """No order with this id has been recorded."""


class InvalidRefund(LoyaltyError):
    """A refund is empty, exceeds what is left to refund, or reuses a refund id
    with different contents."""


class InvalidToken(LoyaltyError):
    """A signed link was tampered with, belongs to another purpose, or has expired."""


class TokenExpired(InvalidToken):
    """A signed link was genuine but is older than its allowed age."""


class InvalidContent(LoyaltyError):
    """Owner-written text (a campaign, an offer message) has a template error."""


class NotFound(LoyaltyError):
    """A topic, campaign or subscriber with this id does not exist."""


class NotEnoughPoints(LoyaltyError):
    """A redemption asks for more points than the customer has, or fewer than the
    program's minimum."""


class InvalidPoints(LoyaltyError):
    """A number of points is not a whole number above zero."""


class InvalidAdjustment(LoyaltyError):
    """An owner's adjustment of points has no reason, is zero, or is too large."""


class InvalidBirthday(LoyaltyError):
    """A birthday is not a real date (30 February) or lies in the future."""


class InvalidProgram(LoyaltyError):
    """Points program settings that cannot work (a tier without a name, two tiers
    with one threshold, a negative value)."""


class UnknownCode(LoyaltyError):
    """No discount code matches what was typed."""


class CodeExpired(LoyaltyError):
    """A discount code was genuine but its time is over."""


class CodeUsed(LoyaltyError):
    """A single-use discount code was already used on another order."""


class CodeNotYours(LoyaltyError):
    """A discount code was issued to another customer."""


class CodeNotApplicable(LoyaltyError):
    """A discount code does not apply to this order: below its minimum, none of
    its products, its offer paused or used up. ``reason`` says which."""

    def __init__(self, message: str, reason: str = "not_applicable") -> None:
        super().__init__(message)
        self.reason = reason


class InvalidOffer(LoyaltyError):
    """Offer settings that cannot work (a percent over 100, an end before the
    start, an unknown product, a message with a template error or a script)."""


class InvalidHoldout(LoyaltyError):
    """A holdout share is not a whole percent from 0 to 50 (of an offer, a
    journey or a campaign)."""


class InvalidSegment(LoyaltyError):
    """An unknown segment, or segment thresholds that cannot work."""


class InvalidJourney(LoyaltyError):
    """A journey that cannot work: no name, no steps, a negative delay, an email
    with a template error or a script, an offer that no longer exists."""


class InvalidTopics(LoyaltyError):
    """A change that would leave a subscriber, or the shop, without a topic:
    unticking every topic on the preferences page, retiring the last topic."""


class InvalidImport(LoyaltyError):
    """An uploaded file is too big, not UTF-8, not CSV, or has no email column."""


class InvalidPolicy(LoyaltyError):
    """A policy page with a bad address, title or text, or return rules that
    cannot work (negative days, no way to refund)."""


class InvalidReturn(LoyaltyError):
    """A return request that cannot be accepted: no items, more than was bought or
    is left to return, a piece that cannot be returned, or a step (approve,
    receive, refund) that does not fit the request's status."""


class ReturnWindowClosed(InvalidReturn):
    """The order is older than the shop's return window allows."""
