"""The worker's delivery loop: batch after batch until nothing is due, over one
SMTP connection (:class:`~.connection.KeptConnection`).

Each batch's results are committed together with the claim of the next batch
(:func:`~.service.deliver_due` with ``claim_next``), so a worker killed mid-send
repeats at most the batch in flight (``LOYALTY_WORKER_BATCH``).
"""

from __future__ import annotations

import time
import typing as t
from dataclasses import dataclass

from flask import current_app

from .connection import KeptConnection
from .files import FolderMailer
from .service import deliver_due


@dataclass
class Totals:
    """What a delivery run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    connections: int = 0
    """SMTP connections opened: one, more after one broke or ``MAIL_MAX_EMAILS``."""


def deliver_all(
    state: t.Any,
    progress: t.Callable[[int], None] | None = None,
    wait_for_pace: bool = False,
) -> Totals:
    """Deliver every message that is due now; return what was done.

    ``progress`` is called with the number of messages of each finished batch.
    When the sending pace holds messages back, ``wait_for_pace`` waits for them.
    """
    settings = state.settings
    batch = settings.worker_batch
    mail = KeptConnection(_mailer(state))
    totals = Totals()
    claimed: list[int] | None = None  # the next batch, claimed with the last results
    try:
        while True:
            report = deliver_due(
                state.session,
                mail,
                settings.clock,
                limit=batch,
                claim_timeout=settings.mail_claim_timeout,
                max_attempts=settings.mail_max_attempts,
                claimed=claimed,
                claim_next=True,
            )
            claimed = report.next_claimed or None
            state.session.remove()
            totals.sent += report.sent
            totals.retried += report.retried
            totals.failed += report.failed
            if progress and report.claimed:
                progress(report.claimed)
            if wait_for_pace and report.paced and report.claimed < batch:
                mail.close()  # not left idle while the pace waits
                time.sleep(min(settings.worker_interval, 5.0))  # a minute's share
                continue
            if report.claimed < batch and claimed is None:
                return totals
    finally:
        mail.close()
        totals.connections = mail.opened


def _mailer(state: t.Any) -> t.Any:
    if state.settings.mail_delivery == "file":
        return FolderMailer(state.settings.mail_file_dir)
    return current_app.extensions["mail"]
