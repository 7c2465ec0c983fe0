"""Plugging the newsletter into the blueprint of one app."""

from __future__ import annotations

from flask import Blueprint

from ..i18n import lazy_gettext
from ..state import DueTask
from ..state import LoyaltyState
from ..state import NavItem
from . import owner_views
from . import views
from .mail import build_due_campaigns
from .mail import count_due_recipients
from .mail import send_requested_links


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """Subscribers' and owner's pages, navigation, and the due tasks: settings
    links asked for, campaigns to build."""
    views.register(bp, state)
    state.due_tasks.append(
        DueTask(lazy_gettext("Newsletter settings links"), send_requested_links)
    )
    state.due_tasks.append(
        DueTask(
            lazy_gettext("Building newsletter campaigns"),
            build_due_campaigns,
            count_due_recipients,
        )
    )
    owner_views.register(bp, state)
    state.owner_nav.append(
        NavItem("owner_newsletter", lazy_gettext("Newsletter"), "newsletter")
    )
