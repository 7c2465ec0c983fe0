"""Plugging offers, checkout codes and segments into the blueprint of one app."""

from __future__ import annotations

from flask import Blueprint

import flask_loyalty.signals as signals

from ..i18n import lazy_gettext
from ..segments import owner_views as segment_owner_views
from ..state import DueTask
from ..state import LoyaltyState
from ..state import NavItem
from . import owner_editor
from . import owner_list
from . import owner_views
from . import views
from .due import on_subscription_confirmed
from .due import run_offers_due
from .messages import count_due_offer_mail
from .messages import mail_due_offers
from .order_hook import issue_for_order
from .running import RUNNING_READ


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """Pages, navigation, the order hook, the due task and the newsletter receiver."""
    views.register(bp, state)
    owner_list.register(bp, state)
    owner_editor.register(bp, state)
    owner_views.register(bp, state)
    segment_owner_views.register(bp, state)
    state.owner_nav.append(NavItem("owner_offers", lazy_gettext("Offers"), "offers"))
    state.owner_nav.append(
        NavItem("owner_segments", lazy_gettext("Segments"), "offers")
    )
    state.order_hooks.append(issue_for_order)
    state.order_hook_reads[issue_for_order] = RUNNING_READ
    state.due_tasks.append(DueTask(lazy_gettext("Offers"), run_offers_due))
    state.due_tasks.append(
        DueTask(lazy_gettext("Offer emails"), mail_due_offers, count_due_offer_mail)
    )
    bp.record_once(
        lambda setup: signals.subscription_confirmed.connect(
            on_subscription_confirmed, sender=setup.app, weak=False
        )
    )
