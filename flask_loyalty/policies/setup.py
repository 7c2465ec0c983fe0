"""Plugging the policy pages (shipping, returns, warranty...) into the blueprint."""

from __future__ import annotations

from flask import Blueprint

from ..i18n import lazy_gettext
from ..state import LoyaltyState
from ..state import NavItem
from . import views


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """The pages, the owner's editing, the footer links and the navigation item."""
    views.register(bp, state)
    state.owner_nav.append(
        NavItem("owner_policies", lazy_gettext("Policies"), "returns")
    )
