"""Plugging the counts of what customers buy together into one app."""

from __future__ import annotations

from flask import Blueprint

from ..i18n import lazy_gettext
from ..state import DueTask
from ..state import LoyaltyState
from .counting import RebuildWhenDue


def register(bp: Blueprint, state: LoyaltyState) -> None:
    """The due task that rebuilds the counts."""
    rebuild = RebuildWhenDue()
    state.due_tasks.append(
        DueTask(lazy_gettext("Products bought together"), rebuild, rebuild.count)
    )
