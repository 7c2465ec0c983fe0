"""Plugging the counts of what customers buy together into one app."""

from __future__ import annotations

from flask import Blueprint

from ..i18n import lazy_gettext
from ..state import DueTask
from ..state import LoyaltyState
from ..state import NavItem
from . import owner_views
from .counting import RebuildWhenDue


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """The owner's page, its place in the navigation, and the due task that
    rebuilds the counts."""
    owner_views.register(bp, state)
    state.owner_nav.append(
        NavItem("owner_copurchases", lazy_gettext("Bought together"), "offers")
    )
    rebuild = RebuildWhenDue()
    state.due_tasks.append(
        DueTask(lazy_gettext("Products bought together"), rebuild, rebuild.count)
    )
