"""What the extension keeps per app (:class:`LoyaltyState`) and the pieces each
domain registers in it: owner navigation, account sections, due tasks, hooks."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime

import sqlalchemy as sa
from flask import Flask
from flask import current_app
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy.orm import Session

from .customers.models import Customer
from .orders.first_query import OrderRead
from .orders.models import Order
from .orders.models import Refund
from .ratelimit import Limiter
from .settings import Settings
from .settings import check_unchanged
from .setup_checks import check_setup

if t.TYPE_CHECKING:
    from .extension import Loyalty


@dataclass(frozen=True)
class NavItem:
    """A link in the owner area's navigation: a blueprint endpoint, its label and
    the task it is grouped under (a key of ``owner.navigation.GROUPS``; empty for
    the overview above the groups)."""

    endpoint: str
    label: t.Any  # a lazy translated string
    group: str = ""


@dataclass(frozen=True)
class AccountSection:
    """A block of the customer's account page, added by a domain (orders, points...).

    ``context(state, customer)`` returns the variables of ``template``, which sees
    them as ``section``; sections show in ``position`` order.
    """

    template: str
    context: t.Callable[[LoyaltyState, Customer], dict[str, t.Any]]
    position: int = 100


@dataclass(frozen=True)
class DueTask:
    """A job the worker runs on every round.

    ``run(state, progress)`` returns how many things it did and may call
    ``progress(n)`` as it goes; ``count(state)``, if given, says how many things are
    due, for the progress bar of ``flask loyalty send``.
    """

    name: str
    run: t.Callable[[LoyaltyState, t.Callable[[int], None] | None], int]
    count: t.Callable[[LoyaltyState], int] | None = None


@dataclass
class LoyaltyState:
    """What the extension keeps for one app, at ``app.extensions["loyalty"]``."""

    extension: Loyalty
    db: SQLAlchemy
    settings: Settings
    limiter: Limiter
    """Rate limits for what visitors trigger (``flask_loyalty.ratelimit``)."""
    owner_nav: list[NavItem] = field(default_factory=list)
    account_sections: list[AccountSection] = field(default_factory=list)
    due_tasks: list[DueTask] = field(default_factory=list)
    """Work that falls due by the clock (campaigns to build, points to expire...),
    run by ``flask loyalty worker`` and ``flask loyalty send`` before delivery."""
    order_hooks: list[t.Callable[[LoyaltyState, Order], None]] = field(
        default_factory=list
    )
    """Run by ``record_order`` in the order's transaction, on every call (also for a
    repeat), so each hook must be idempotent: points earned, offers issued..."""
    order_hook_gates: dict[t.Callable[..., None], sa.ColumnElement[bool]] = field(
        default_factory=dict
    )
    """For an order hook with nothing to do unless the database holds something
    (a running offer, a journey that orders start or end): that as an SQL
    condition (bind parameter ``now``). ``record_order`` asks them in its first
    query and calls such a hook for a new order only when its gate is true."""
    order_hook_reads: dict[t.Callable[..., None], OrderRead] = field(
        default_factory=dict
    )
    """For an order hook that reads the same things for every order (the points
    program, her spend): those as SQL columns, asked in ``record_order``'s first
    query for a new order (:mod:`flask_loyalty.orders.first_query`); one round
    trip less per hook on PostgreSQL."""
    refund_hooks: list[t.Callable[[LoyaltyState, Refund], None]] = field(
        default_factory=list
    )
    """The same for ``record_refund``: points reversed..."""
    stored_language: t.Callable[[LoyaltyState], str | None] | None = None
    """The language stored with the signed-in customer of this request, if any
    (set by the customers package): her pages follow it on any device."""
    config_read: dict[str, t.Any] = field(default_factory=dict)
    """The ``LOYALTY_*`` values ``init_app`` read, to catch ones changed later."""
    config_checked: bool = False
    formatted: dict[tuple[t.Any, ...], str] = field(default_factory=dict)
    """Numbers, money and dates the template filters wrote (``formats.remembering``)."""

    @property
    def session(self) -> Session:
        """The host's Flask-SQLAlchemy session for the current app context."""
        return self.db.session  # type: ignore[return-value]

    def check_config(self, app: Flask) -> None:
        """Once per app (the first request, the worker's start): refuse settings
        changed after ``init_app``, a base template without a ``content`` block,
        and missing tables. :raises RuntimeError: naming what to change."""
        if not self.config_checked:
            check_unchanged(app, self.config_read)
            with app.app_context():
                check_setup(
                    app,
                    self.settings.base_template,
                    self.db.engine,
                    self.settings.owner_login_view,
                )
            self.config_checked = True

    def now(self) -> datetime:
        """The current time from the app's clock (aware UTC)."""
        return self.settings.clock()


def get_state() -> LoyaltyState:
    """The loyalty state of the current app."""
    return t.cast(LoyaltyState, current_app.extensions["loyalty"])
