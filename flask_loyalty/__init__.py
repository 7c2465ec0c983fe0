"""flask-loyalty: newsletter, points, offers and easy returns for Flask shops."""

from __future__ import annotations

from .clock import FrozenClock
from .codes.checkout import DiscountQuote
from .errors import CodeExpired
from .errors import CodeNotApplicable
from .errors import CodeNotYours
from .errors import CodeUsed
from .errors import InvalidAdjustment
from .errors import InvalidAmount
from .errors import InvalidBirthday
from .errors import InvalidContent
from .errors import InvalidEmail
from .errors import InvalidHoldout
from .errors import InvalidImport
from .errors import InvalidJourney
from .errors import InvalidName
from .errors import InvalidOffer
from .errors import InvalidOrder
from .errors import InvalidPoints
from .errors import InvalidPolicy
from .errors import InvalidProgram
from .errors import InvalidRefund
from .errors import InvalidReturn
from .errors import InvalidSegment
from .errors import InvalidToken
from .errors import InvalidTopics
from .errors import LoyaltyError
from .errors import NotEnoughPoints
from .errors import NotFound
from .errors import OrderConflict
from .errors import ReturnWindowClosed
from .errors import TokenExpired
from .errors import UnknownCode
from .errors import UnknownCurrency
from .errors import UnknownOrder
from .extension import Loyalty
from .hooks import CatalogProduct
from .hooks import OrderLine
from .hooks import ShopCustomer

__all__ = [
    "CatalogProduct",
    "CodeExpired",
    "CodeNotApplicable",
    "CodeNotYours",
    "CodeUsed",
    "DiscountQuote",
    "FrozenClock",
    "InvalidAdjustment",
    "InvalidAmount",
    "InvalidBirthday",
    "InvalidContent",
    "InvalidEmail",
    "InvalidImport",
    "InvalidJourney",
    "InvalidName",
    "InvalidHoldout",
    "InvalidOffer",
    "InvalidOrder",
    "InvalidPoints",
    "InvalidPolicy",
    "InvalidProgram",
    "InvalidRefund",
    "InvalidReturn",
    "InvalidSegment",
    "InvalidToken",
    "InvalidTopics",
    "Loyalty",
    "LoyaltyError",
    "NotEnoughPoints",
    "NotFound",
    "OrderConflict",
    "ReturnWindowClosed",
    "OrderLine",
    "ShopCustomer",
    "TokenExpired",
    "UnknownCode",
    "UnknownCurrency",
    "UnknownOrder",
]
