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
    name: str
    uplift: Uplift


def measured(session: Session, now: datetime) -> dict[str, list[Measured]]:
    """``{"pays": [...], "does_not_pay": [...], "cannot_tell": [...]}``: each
    offer and journey with people held out, by name."""
    names = {
        (mm.OFFER, i): name
        for i, name in session.execute(sa.select(Offer.id, Offer.name))
    } | {
        (mm.JOURNEY, i): name
        for i, name in session.execute(sa.select(Journey.id, Journey.name))
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
        name = names.get((measure, measure_id))
        if name is None:  # a journey deleted since: its decisions went with it
            continue
        treated, held, _revenue = groups(session, measure, measure_id, now)
        verdict = judge(treated, held, None, seed=f"{measure}:{measure_id}")
        result[SECTIONS[verdict.verdict]].append(
            Measured(measure, measure_id, name, verdict)
        )
    for items in result.values():
        items.sort(key=lambda item: item.name.casefold())
    return result
