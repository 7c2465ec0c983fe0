"""The owner's overview of measures: which pay, which do not, which cannot tell.

Every offer and journey with a holdout decision is judged as on its report, but
without the revenue bootstrap (the verdict rests on who came back).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..journeys.models import Journey
from ..offers.models import Offer
from . import models as mm
from .uplift import HARMS
from .uplift import NO_DIFFERENCE
from .uplift import PAYS
from .uplift import TOO_FEW
from .uplift import Uplift
from .uplift import groups
from .uplift import judge

SECTIONS = {
    PAYS: "pays",
    HARMS: "does_not_pay",
    NO_DIFFERENCE: "does_not_pay",
    TOO_FEW: "cannot_tell",
}
"""Which list of the overview each verdict goes in."""


@dataclass(frozen=True)
class Measured:
    """One offer or journey and what its holdout says."""

    measure: str
    measure_id: int
    row: Offer | Journey
    """The offer or journey (its name in the reader's language: ``loyalty_shown``)."""
    uplift: Uplift


def measured(session: Session, now: datetime) -> dict[str, list[Measured]]:
    """``{"pays": [...], "does_not_pay": [...], "cannot_tell": [...]}``: each
    offer and journey with people held out, by name."""
    rows: dict[tuple[str, int], Offer | Journey] = {
        (mm.OFFER, offer.id): offer for offer in session.scalars(sa.select(Offer))
    } | {
        (mm.JOURNEY, journey.id): journey
        for journey in session.scalars(sa.select(Journey))
    }
    found = session.execute(
        sa.select(mm.HoldoutDecision.measure, mm.HoldoutDecision.measure_id)
        .where(
            mm.HoldoutDecision.measure.in_((mm.OFFER, mm.JOURNEY)),
            mm.HoldoutDecision.held_out.is_(True),
        )
        .group_by(mm.HoldoutDecision.measure, mm.HoldoutDecision.measure_id)
    ).all()
    result: dict[str, list[Measured]] = {
        "pays": [],
        "does_not_pay": [],
        "cannot_tell": [],
    }
    for measure, measure_id in found:
        row = rows.get((measure, measure_id))
        if row is None:  # a journey deleted since: its decisions went with it
            continue
        treated, held, _revenue = groups(session, measure, measure_id, now)
        verdict = judge(treated, held, None, seed=f"{measure}:{measure_id}")
        result[SECTIONS[verdict.verdict]].append(
            Measured(measure, measure_id, row, verdict)
        )
    for items in result.values():
        items.sort(key=lambda item: item.row.name.casefold())
    return result
