"""Plugging the owner area's own pages into the blueprint: overview, customers,
outbox."""

from __future__ import annotations

from flask import Blueprint

from ..i18n import lazy_gettext
from ..state import LoyaltyState
from ..state import NavItem
from . import views
from .navigation import owner_menu


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """The pages and the first items of the owner navigation."""
    views.register(bp)
    bp.add_app_template_global(owner_menu, "loyalty_owner_menu")
    state.owner_nav.append(NavItem("owner_dashboard", lazy_gettext("Overview")))
    state.owner_nav.append(
        NavItem("owner_customers", lazy_gettext("Customers"), "customers")
    )
    state.owner_nav.append(NavItem("owner_outbox", lazy_gettext("Outbox"), "mail"))
