"""The owner creates and edits journeys: every rule is checked before anything is
stored, and a bad one raises :class:`~flask_loyalty.errors.InvalidJourney`."""

from __future__ import annotations

import re
import typing as t
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Session

import flask_loyalty.content as content
import flask_loyalty.content_versions as content_versions

from ..errors import InvalidContent
from ..errors import InvalidJourney
from ..i18n import _
from ..measure.holdout import DEFAULT_SHARE
from ..measure.holdout import check_share
from ..measure.models import JOURNEY
from ..newsletter.models import Topic
from ..offers.models import Offer
from ..segments.service import SEGMENTS
from . import models as jm

MAX_DELAY_DAYS = 3650
MAX_POINTS = 1_000_000
_SCRIPT = re.compile(r"<\s*/?\s*script|javascript:", re.I)
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


@dataclass(frozen=True)
class StepData:
    """One step as the owner typed it."""

    delay_days: int = 0
    delay_hours: int = 0
    after: str = jm.AFTER_PREVIOUS
    at_time: str | None = None
    """``"09:30"`` in the shop's time zone, or empty for any time."""
    action: str = jm.EMAIL
    subject: str | None = None
    body: str | None = None
    suggest: bool = False
    """Add products that go with her last order under the email's text."""
    points: int | None = None
    offer_id: int | None = None
    step_id: int | None = None
    """The stored step this row edits (``None``: a new step)."""


def parse_time(value: str | None) -> int | None:
    """``"09:30"`` as minutes after midnight; ``None`` for empty.

    :raises InvalidJourney: not a time of day.
    """
    value = (value or "").strip()
    if not value:
        return None
    match = _TIME.match(value)
    if match is None:
        raise InvalidJourney(_("Give the time of day as hours:minutes, like 09:30."))
    return int(match.group(1)) * 60 + int(match.group(2))


def _offer_exists(session: Session, offer_id: int | None) -> bool:
    return offer_id is not None and session.get(Offer, offer_id) is not None


def check_step(session: Session, n: int, data: StepData) -> dict[str, t.Any]:
    """The stored values of step ``n`` (1-based, for messages).

    :raises InvalidJourney: what is wrong with it, naming the step.
    """

    def bad(message: str) -> InvalidJourney:
        return InvalidJourney(_("Step %(n)d: %(problem)s", n=n, problem=message))

    if data.delay_days is None or data.delay_hours is None:
        raise bad(_("give the delay in days and hours (0 for none)."))
    if data.delay_days < 0 or data.delay_hours < 0:
        raise bad(_("a delay cannot be negative."))
    minutes = data.delay_days * 1440 + data.delay_hours * 60
    if minutes > MAX_DELAY_DAYS * 1440:
        raise bad(_("a delay can be at most ten years."))
    if data.after not in (jm.AFTER_TRIGGER, jm.AFTER_PREVIOUS):
        raise bad(_("choose what the delay counts from."))
    try:
        at_minute = parse_time(data.at_time)
    except InvalidJourney as error:
        raise bad(error.message) from None
    values: dict[str, t.Any] = {
        "delay_minutes": minutes,
        "after": data.after,
        "at_minute": at_minute,
        "action": data.action,
        "subject": None,
        "body": None,
        "suggest": False,
        "points": None,
        "offer_id": None,
    }
    if data.action == jm.EMAIL:
        subject = " ".join((data.subject or "").split())
        body = (data.body or "").strip()
        if not subject or len(subject) > 200:
            raise bad(_("give the email a subject of 1 to 200 characters."))
        if not body:
            raise bad(_("write the email's text."))
        if _SCRIPT.search(subject) or _SCRIPT.search(body):
            raise bad(_("an email cannot contain scripts."))
        try:
            content.check(subject)
            content.check(body)
        except InvalidContent as error:
            raise bad(error.message) from None
        values.update(subject=subject, body=body, suggest=bool(data.suggest))
    elif data.action == jm.POINTS:
        if not data.points or not 0 < data.points <= MAX_POINTS:
            raise bad(_("give a number of points from 1 to 1,000,000."))
        values["points"] = data.points
    elif data.action == jm.OFFER:
        if not _offer_exists(session, data.offer_id):
            raise bad(_("that offer no longer exists; choose another."))
        values["offer_id"] = data.offer_id
    else:
        raise bad(_("choose what the step does."))
    return values


def save_journey(
    session: Session,
    now: datetime,
    journey: jm.Journey | None,
    *,
    name: str,
    trigger: str,
    trigger_n: int | None = None,
    reentry: str = jm.ONCE,
    exit_on_order: bool = False,
    topic_id: int | None = None,
    segment: str | None = None,
    steps: t.Sequence[StepData],
    holdout_percent: int = DEFAULT_SHARE[JOURNEY],
) -> jm.Journey:
    """Create a journey (switched off) or change one; its steps are replaced by
    ``steps`` in order (a row with a ``step_id`` keeps that step's figures).

    :raises InvalidJourney: a missing name, an unknown trigger, a trigger that
        needs a number, no steps, or a step that cannot work; nothing is stored.
    :raises InvalidHoldout: a holdout share outside 0 to 50 percent.
    """
    name = " ".join((name or "").split())
    if not name or len(name) > 200:
        raise InvalidJourney(_("Give the journey a name of 1 to 200 characters."))
    if trigger not in jm.TRIGGERS:
        raise InvalidJourney(_("Choose what starts the journey."))
    if trigger == jm.NTH_ORDER and not (trigger_n and 1 <= trigger_n <= 1000):
        raise InvalidJourney(_("Say which order starts it: a number from 1 to 1,000."))
    if trigger == jm.NO_ORDER and not (trigger_n and 1 <= trigger_n <= MAX_DELAY_DAYS):
        raise InvalidJourney(_("Say after how many days without an order it starts."))
    if trigger not in (jm.NTH_ORDER, jm.NO_ORDER):
        trigger_n = None
    if trigger == jm.SEGMENT:
        if segment not in SEGMENTS:
            raise InvalidJourney(_("Choose the segment whose new members enter."))
    else:
        segment = None
    if reentry not in jm.REENTRIES:
        raise InvalidJourney(_("Choose how often someone may go through it."))
    if topic_id is not None and session.get(Topic, topic_id) is None:
        raise InvalidJourney(_("That topic no longer exists."))
    if not steps:
        raise InvalidJourney(_("Add at least one step."))
    checked = [check_step(session, n, data) for n, data in enumerate(steps, 1)]
    share = check_share(holdout_percent)

    if journey is None:
        journey = jm.Journey(created_at=now, active=False)
        session.add(journey)
    journey.name, journey.trigger, journey.trigger_n = name, trigger, trigger_n
    journey.reentry, journey.exit_on_order = reentry, exit_on_order
    journey.topic_id, journey.updated_at = topic_id, now
    journey.holdout_percent = share  # decisions made stay as they were
    if journey.segment != segment:  # her new segment: a fresh look first
        journey.segment, journey.segment_checked_at = segment, None
    kept = {step.id: step for step in journey.steps}
    ordered = []
    for position, (data, values) in enumerate(zip(steps, checked, strict=True)):
        step = kept.pop(data.step_id, None) if data.step_id else None
        step = step or jm.Step()
        for key, value in values.items():
            setattr(step, key, value)
        step.position = position
        ordered.append(step)
    journey.steps = ordered  # steps no longer listed are deleted
    session.flush()
    return journey


def save_step_message(
    step: jm.Step,
    now: datetime,
    language: object,
    languages: t.Sequence[str],
    *,
    subject: str,
    body: str,
) -> str:
    """Store an email step's subject and text in ``language`` (one of the shop's
    ``languages``, default first); return the language.

    :raises InvalidJourney: an unknown language, no subject or text, a script, or
        a template error.
    """
    code = content_versions.check_language(language, languages, InvalidJourney)
    subject = " ".join((subject or "").split())
    body = (body or "").replace("\r\n", "\n").strip()
    if not subject or len(subject) > 200:
        raise InvalidJourney(_("Give the email a subject of 1 to 200 characters."))
    if not body:
        raise InvalidJourney(_("Write the email's text in this language."))
    if _SCRIPT.search(subject) or _SCRIPT.search(body):
        raise InvalidJourney(_("An email cannot contain scripts."))
    content.check(subject)
    content.check(body)
    content_versions.write(
        step, code, languages, {"subject": subject, "body": body}, now
    )
    return code


def journey_steps(session: Session, journey_id: int) -> list[jm.Step]:
    return list(
        session.scalars(
            sa.select(jm.Step)
            .where(jm.Step.journey_id == journey_id)
            .order_by(jm.Step.position)
        )
    )


def save_journey_name(
    journey: jm.Journey,
    now: datetime,
    language: object,
    languages: t.Sequence[str],
    *,
    name: str,
) -> str:
    """Store the journey's name in ``language``, one of the shop's other
    ``languages`` (the default language's is the journey's own, set with
    :func:`save_journey`); an empty name leaves no version there. Returns the
    language.

    :raises InvalidJourney: an unknown or the default language, or a name over
        200 characters.
    """
    code = content_versions.check_language(language, languages, InvalidJourney)
    name = " ".join((name or "").split())
    if code == languages[0] or len(name) > 200:
        raise InvalidJourney(_("Give the journey a name of 1 to 200 characters."))
    content_versions.write(journey, code, languages, {"name": name}, now)
    journey.updated_at = now
    return code
