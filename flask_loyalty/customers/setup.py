"""Plugging the customer's account pages and her personal data into the blueprint."""

from __future__ import annotations

from flask import Blueprint

from ..state import LoyaltyState
from . import data_views
from . import views


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """The account page, sign-in links, and the export and erasure of her data."""
    views.register(bp, state)
    data_views.register(bp, state)
