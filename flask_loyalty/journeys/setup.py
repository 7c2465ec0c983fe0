"""Plug journeys into the app: owner pages, the order hook, the due task and the
newsletter's signals."""

from __future__ import annotations

import typing as t

from flask import Blueprint

import flask_loyalty.signals as signals

from ..i18n import lazy_gettext
from ..state import DueTask
from ..state import NavItem
from . import owner_step_languages
from . import service
from . import views
from .runner import count_due
from .runner import run_journeys_due

if t.TYPE_CHECKING:
    from ..state import LoyaltyState


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """Called once per app by ``build_blueprint`` (inside ``init_app``).

    :raises RuntimeError: ``LOYALTY_TIMEZONE`` is not a time zone.
    """
    bp.record_once(
        lambda setup: service.check_timezone(setup.app.config.get("LOYALTY_TIMEZONE"))
    )
    views.register(bp, state)
    owner_step_languages.register(bp)
    state.owner_nav.append(
        NavItem("owner_journeys", lazy_gettext("Journeys"), "newsletter")
    )
    state.order_hooks.append(service.on_order)
    state.order_hook_gates[service.on_order] = service.ORDER_JOURNEYS_EXIST
    state.due_tasks.append(
        DueTask(lazy_gettext("Journeys"), run_journeys_due, count_due)
    )

    def connect(setup: t.Any) -> None:
        signals.subscription_confirmed.connect(
            service.on_subscription_confirmed, sender=setup.app, weak=False
        )
        signals.unsubscribed.connect(
            service.on_unsubscribed, sender=setup.app, weak=False
        )

    bp.record_once(connect)
