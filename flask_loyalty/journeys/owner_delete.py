"""The owner deletes a journey: what goes with it, and the deletion itself.

Plain functions over a session; none commits (the view does, once).
"""

from __future__ import annotations

import typing as t

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..measure.holdout import forgetting
from ..measure.models import JOURNEY
from ..outbox.models import QUEUED
from ..outbox.models import OutboxMessage
from . import models as jm


class WhatGoes(t.NamedTuple):
    """What deleting a journey takes with it, for the confirmation page."""

    steps: int
    entered: int
    """People who went through it (every enrolment, ended or not)."""
    active: int
    """People in it now: they will not get the rest."""
    queued: int
    """Its emails waiting in the outbox: they stay and still go out."""


def what_goes(session: Session, journey: jm.Journey) -> WhatGoes:
    """Count what :func:`delete_journey` would delete with ``journey``."""
    entered, active = session.execute(
        sa.select(
            sa.func.count(),
            sa.func.count(sa.case((jm.Enrolment.status == jm.ACTIVE, 1))),
        ).where(jm.Enrolment.journey_id == journey.id)
    ).one()
    queued = session.scalar(
        sa.select(sa.func.count())
        .select_from(jm.StepRun)
        .join(jm.Enrolment, jm.Enrolment.id == jm.StepRun.enrolment_id)
        .join(OutboxMessage, OutboxMessage.id == jm.StepRun.outbox_id)
        .where(jm.Enrolment.journey_id == journey.id, OutboxMessage.status == QUEUED)
    )
    return WhatGoes(len(journey.steps), entered, active, queued or 0)


def delete_journey(session: Session, journey: jm.Journey) -> None:
    """Delete ``journey`` for good with its steps, its enrolments (its figures),
    their step runs and its segment members; does not commit.

    Explicit deletes, children first: SQLite enforces ON DELETE CASCADE only with
    a pragma. The mail it has queued stays in the outbox and still goes out (the
    outbox does not point back at the step runs).
    """
    of_journey = jm.Enrolment.journey_id == journey.id
    enrolments = sa.select(jm.Enrolment.id).where(of_journey)
    steps = sa.select(jm.Step.id).where(jm.Step.journey_id == journey.id)
    for statement in (
        sa.delete(jm.StepRun).where(
            sa.or_(
                jm.StepRun.enrolment_id.in_(enrolments),
                jm.StepRun.step_id.in_(steps),
            )
        ),
        sa.delete(jm.Enrolment).where(of_journey),
        sa.delete(jm.SegmentMember).where(jm.SegmentMember.journey_id == journey.id),
        sa.delete(jm.Step).where(jm.Step.journey_id == journey.id),
        sa.delete(jm.Journey).where(jm.Journey.id == journey.id),
        forgetting(JOURNEY, journey.id),
    ):
        session.execute(statement)
