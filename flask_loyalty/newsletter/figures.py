"""How a campaign went: its recipients, what the outbox did with each message
(queued, sent, failed, held back as suppressed), who was skipped for the
frequency cap or held out, and the unsubscribes it caused. The owner's campaign
list and report page read it; writing, scheduling and sending are in
:mod:`.campaigns`.
"""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..outbox.models import FAILED
from ..outbox.models import QUEUED
from ..outbox.models import SENDING
from ..outbox.models import SENT as OUTBOX_SENT
from ..outbox.models import SUPPRESSED
from ..outbox.models import OutboxMessage
from .models import SKIPPED_CAP
from .models import SKIPPED_HOLDOUT
from .models import SKIPPED_SUPPRESSED
from .models import Campaign
from .models import CampaignRecipient
from .models import SubscriberEvent


@dataclass(frozen=True)
class Report:
    """How a campaign went."""

    recipients: int
    queued: int
    sent: int
    failed: int
    skipped_cap: int
    unsubscribes: int
    suppressed: int = 0
    """Not sent: the address bounced or complained (skipped when the campaign was
    built, or held back when its turn came)."""
    held_out: int = 0
    """Not sent: held out of it (its holdout share)."""


def report(session: Session, campaign: Campaign) -> Report:
    """Count recipients, delivery states, skips and unsubscribes it caused."""
    rows = session.execute(
        sa.select(CampaignRecipient.skipped, OutboxMessage.status, sa.func.count())
        .outerjoin(OutboxMessage, OutboxMessage.id == CampaignRecipient.outbox_id)
        .where(CampaignRecipient.campaign_id == campaign.id)
        .group_by(CampaignRecipient.skipped, OutboxMessage.status)
    ).all()
    by_status: dict[str, int] = {}
    skipped: dict[str, int] = {}
    for skip, status, count in rows:
        into, key = (skipped, skip) if skip else (by_status, status or QUEUED)
        into[key] = into.get(key, 0) + count
    unsubscribes = session.scalar(
        sa.select(sa.func.count(SubscriberEvent.id)).where(
            SubscriberEvent.campaign_id == campaign.id,
            SubscriberEvent.kind == "unsubscribed",
        )
    )
    return Report(
        recipients=sum(by_status.values()) + sum(skipped.values()),
        queued=by_status.get(QUEUED, 0) + by_status.get(SENDING, 0),
        sent=by_status.get(OUTBOX_SENT, 0),
        failed=by_status.get(FAILED, 0),
        skipped_cap=skipped.get(SKIPPED_CAP, 0),
        unsubscribes=unsubscribes or 0,
        suppressed=skipped.get(SKIPPED_SUPPRESSED, 0) + by_status.get(SUPPRESSED, 0),
        held_out=skipped.get(SKIPPED_HOLDOUT, 0),
    )
