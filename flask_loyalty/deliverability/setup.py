"""Plugging deliverability (mail settings, bounces, complaints) into the blueprint."""

from __future__ import annotations

import typing as t

from flask import Blueprint

from ..i18n import lazy_gettext
from ..outbox.service import POLICY_KEY
from ..state import LoyaltyState
from ..state import NavItem
from . import views
from .config import EXTENSION_KEY
from .config import read_config
from .policy import OutboxPolicy


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """The app's mail settings and outbox policy, the webhook and owner pages, and
    the navigation item."""

    def setup(setup_state: t.Any) -> None:
        app = setup_state.app
        config = read_config(app, state.settings.mail_sender)
        app.extensions[EXTENSION_KEY] = config
        secret = str(app.config.get("SECRET_KEY") or "").encode()
        app.extensions[POLICY_KEY] = OutboxPolicy(config, secret)

    bp.record_once(setup)
    views.register(bp, state)
    state.owner_nav.append(
        NavItem("owner_deliverability", lazy_gettext("Deliverability"), "mail")
    )
