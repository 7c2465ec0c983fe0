"""flask-loyalty: newsletter, points, offers and easy returns for Flask shops."""

from __future__ import annotations

from .clock import FrozenClock
from .errors import InvalidAmount
from .errors import InvalidEmail
from .errors import InvalidName
from .errors import InvalidOrder
from .errors import InvalidRefund
from .errors import InvalidToken
from .errors import LoyaltyError
from .errors import OrderConflict
from .errors import RateLimited
from .errors import TokenExpired
from .errors import UnknownCurrency
from .errors import UnknownOrder
from .extension import Loyalty
from .hooks import CatalogProduct
from .hooks import OrderLine
from .hooks import ShopCustomer

__all__ = [
    "CatalogProduct",
    "FrozenClock",
    "InvalidAmount",
    "InvalidEmail",
    "InvalidName",
    "InvalidOrder",
    "InvalidRefund",
    "InvalidToken",
    "Loyalty",
    "LoyaltyError",
    "OrderConflict",
    "OrderLine",
    "RateLimited",
    "ShopCustomer",
    "TokenExpired",
    "UnknownCurrency",
    "UnknownOrder",
]
