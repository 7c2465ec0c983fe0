"""Plugging points, bonuses and referrals into the blueprint of one app."""

from __future__ import annotations

from flask import Blueprint

import flask_loyalty.signals as signals

from ..i18n import lazy_gettext
from ..state import DueTask
from ..state import LoyaltyState
from ..state import NavItem
from . import owner_views
from . import views
from .bonuses import on_subscription_confirmed
from .bonuses import pay_referral
from .due import run_points_due
from .program import RULES_READ
from .service import earn_for_order
from .service import reverse_for_refund


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """Pages, navigation, the order and refund hooks, the due task and the
    newsletter receiver (the subscription bonus)."""
    views.register(bp, state)
    owner_views.register(bp, state)
    state.owner_nav.append(NavItem("owner_points", lazy_gettext("Points"), "customers"))
    state.order_hooks.append(earn_for_order)
    state.order_hook_reads[earn_for_order] = RULES_READ
    state.order_hooks.append(pay_referral)
    state.refund_hooks.append(reverse_for_refund)
    state.due_tasks.append(DueTask(lazy_gettext("Points"), run_points_due))
    bp.record_once(
        lambda setup: signals.subscription_confirmed.connect(
            on_subscription_confirmed, sender=setup.app, weak=False
        )
    )
