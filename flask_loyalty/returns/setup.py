"""Plugging returns into the blueprint of one app."""

from __future__ import annotations

from flask import Blueprint

from ..i18n import lazy_gettext
from ..state import LoyaltyState
from ..state import NavItem
from . import owner_views
from . import views


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """The customer's return request, the owner's list and the navigation item."""
    views.register(bp, state)
    owner_views.register(bp, state)
    state.owner_nav.append(NavItem("owner_returns", lazy_gettext("Returns"), "returns"))
