"""Bounce and complaint reports applied as they come in, from the bounce mailbox
(``flask loyalty bounces``) or a provider's webhook."""

from __future__ import annotations

import typing as t

from sqlalchemy.exc import IntegrityError

from ..state import LoyaltyState
from . import service
from .config import MailConfig


def apply_reports(
    state: LoyaltyState,
    config: MailConfig,
    reports: t.Iterable[service.Report],
    counts: dict[str, int],
) -> None:
    """Apply each report and commit it on its own, then announce what it changed;
    count each outcome in ``counts`` (``duplicate`` for a report that was
    already applied, say the same event handled at the same moment elsewhere)."""
    for report in reports:
        try:
            outcome = service.apply_report(
                state.session,
                state.now(),
                report,
                soft_limit=config.soft_limit,
                reset_days=config.soft_reset_days,
            )
            state.session.commit()
            service.announce(state.session)
        except IntegrityError:
            state.session.rollback()
            state.session.info.pop(service.PENDING, None)
            outcome = "duplicate"
        counts[outcome] = counts.get(outcome, 0) + 1
