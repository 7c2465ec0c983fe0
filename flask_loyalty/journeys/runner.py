"""Doing the steps that are due: the ``Journeys`` task of ``flask loyalty worker``
and ``run-due``.

Due enrolments are claimed in batches with ``FOR UPDATE SKIP LOCKED`` (PostgreSQL),
so two workers never take the same person; each step done is a :class:`StepRun`,
unique per (enrolment, step), written in the batch's transaction together with the
email it queues and the move to her next step. A worker that dies mid-batch leaves
nothing behind (the transaction never commits) and the next one does the batch. On
SQLite, which has no row locks, a batch first takes the database's write lock, so
batches of two processes follow each other (and the unique key still holds).
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError
from sqlalchemy.exc import OperationalError

from ..customers.models import Customer
from ..errors import InvalidContent
from ..i18n import _
from ..newsletter.models import CONFIRMED
from ..newsletter.models import UNSUBSCRIBED
from ..newsletter.models import Subscriber
from ..newsletter.models import subscriber_topics
from ..newsletter.service import suppression_reasons
from ..offers import service as offers
from ..offers.models import Offer
from ..outbox.models import OutboxMessage
from ..points.bonuses import grant_bonus
from . import models as jm
from .calendar import enter_by_the_calendar
from .mail import StepMailer
from .service import at_local_time
from .service import end
from .service import exit_all
from .service import pause
from .service import shop_timezone
from .service import step_due

if t.TYPE_CHECKING:
    from ..state import LoyaltyState

RETRIES = 5


@dataclass(frozen=True)
class Wait:
    """The step cannot happen yet: try again at ``until``, for ``reason``."""

    until: datetime
    reason: str


class Halt(Exception):
    """The journey cannot go on (its offer is gone): it was paused."""


class Runner:
    """One run over the due steps, with what it renders kept for the run."""

    def __init__(self, state: LoyaltyState) -> None:
        self.state = state
        self.session = state.session
        self.zone = shop_timezone()
        self.min_days = state.settings.newsletter_min_days
        dialect = self.session.get_bind(jm.Enrolment).dialect.name
        self.postgres, self.sqlite = dialect == "postgresql", dialect == "sqlite"
        self.batch = int(current_app.config.get("LOYALTY_JOURNEY_BATCH") or 200)
        self.mail = StepMailer(state)

    # -- the loop ---------------------------------------------------------------

    def claim(self, now: datetime) -> list[int]:
        """Lock the ids of a batch of due enrolments (a paused journey has none:
        pausing ends them); another worker skips them until this one commits."""
        table = jm.Enrolment.__table__.c  # Core: no ORM work for a list of ids
        query = (
            sa.select(table.id)
            .where(table.status == jm.ACTIVE, table.due_at <= now)
            .order_by(table.due_at)
            .limit(self.batch)
            .with_for_update(skip_locked=True)
        )
        return list(self.session.connection().execute(query).scalars())

    def load(self, ids: list[int], now: datetime) -> list[jm.Enrolment]:
        """The claimed enrolments, in address order (the order locks are taken).
        Still due: on SQLite, which has no row locks, another process may have
        moved one on since it was claimed."""
        return list(
            self.session.scalars(
                sa.select(jm.Enrolment)
                .where(
                    jm.Enrolment.id.in_(ids),
                    jm.Enrolment.status == jm.ACTIVE,
                    jm.Enrolment.due_at <= now,
                )
                .order_by(jm.Enrolment.email, jm.Enrolment.id)
            )
        )

    def prepare(self, rows: list[jm.Enrolment]) -> None:
        """Load (and on PostgreSQL lock, in address order, so two workers never
        deadlock) the batch's subscribers: her cap is read and moved by one worker."""
        query = (
            sa.select(Subscriber)
            .where(Subscriber.email.in_({row.email for row in rows}))
            .order_by(Subscriber.email)
        )
        if self.postgres:
            query = query.with_for_update().execution_options(populate_existing=True)
        self.subscribers = {s.email: s for s in self.session.scalars(query)}
        self.stopped = suppression_reasons(self.session, self.subscribers)
        topic_ids = {row.journey.topic_id for row in rows} - {None}
        self.topics: set[tuple[int, int]] = set()
        if topic_ids and self.subscribers:
            self.topics = {
                (subscriber_id, topic_id)
                for subscriber_id, topic_id in self.session.execute(
                    sa.select(
                        subscriber_topics.c.subscriber_id, subscriber_topics.c.topic_id
                    ).where(
                        subscriber_topics.c.subscriber_id.in_(
                            [s.id for s in self.subscribers.values()]
                        ),
                        subscriber_topics.c.topic_id.in_(topic_ids),
                    )
                )
            }

    def run(self, progress: t.Callable[[int], None] | None = None) -> int:
        done = failures = 0
        while True:
            now = self.state.now()
            try:
                if self.sqlite:  # take the write lock first: one batch at a time
                    self.session.execute(
                        sa.update(jm.Enrolment)
                        .where(sa.false())
                        .values(status=jm.Enrolment.status)
                    )
                ids = self.claim(now)
                if not ids:
                    self.session.rollback()
                    return done
                rows = self.load(ids, now)
                self.prepare(rows)
                with self.session.no_autoflush:  # one flush per batch, at commit
                    for enrolment in rows:
                        self.step(enrolment, now)
                self.session.commit()
            except Halt:
                # The pause, and the people of the batch done before it.
                self.session.commit()
                continue
            except (IntegrityError, OperationalError):
                # Another worker did some of these (SQLite) or a lock timed out.
                self.session.rollback()
                failures += 1
                if failures >= RETRIES:
                    raise
                continue
            except Exception:  # noqa: BLE001 - one person's step must not stop all
                self.session.rollback()
                done += self.one_by_one(ids, now)
                continue
            done += len(rows)
            failures = 0
            if progress is not None:
                progress(len(rows))

    def one_by_one(self, ids: list[int], now: datetime) -> int:
        """Redo a failed batch one person at a time; whoever still fails leaves
        the journey (``error``) and the failure is logged for the shop."""
        done = 0
        for enrolment_id in ids:
            try:
                rows = self.load([enrolment_id], now)
                self.prepare(rows)
                for enrolment in rows:
                    self.step(enrolment, now)
                self.session.commit()
                done += len(rows)
            except Halt:
                self.session.commit()  # her journey was paused, with the reason
            except Exception:  # noqa: BLE001 - logged, and she leaves
                self.session.rollback()
                current_app.logger.exception(
                    "Journey step failed for enrolment %s", enrolment_id
                )
                exit_all(self.session, now, jm.ERROR, jm.Enrolment.id == enrolment_id)
                self.session.commit()
        return done

    # -- one step -----------------------------------------------------------------

    def halt(self, journey: jm.Journey, now: datetime, reason: str) -> Halt:
        """Pause the journey (everyone leaves) and say why; raise what returns."""
        self.session.flush()
        pause(self.session, now, journey, reason)
        return Halt()

    def step(self, enrolment: jm.Enrolment, now: datetime) -> None:
        steps = enrolment.journey.steps
        if enrolment.next_step >= len(steps):
            end(enrolment, now)
            return
        step = steps[enrolment.next_step]
        if not enrolment.journey.active:  # pragma: no cover - pausing ends them
            end(enrolment, now, jm.PAUSED)
            return
        subscriber = self.subscribers.get(enrolment.email)
        if subscriber is not None and subscriber.status == UNSUBSCRIBED:
            end(enrolment, now, jm.UNSUBSCRIBED)
            return
        if step.action == jm.EMAIL:
            outcome = self.email(enrolment, step, subscriber, now)
        elif step.action == jm.POINTS:
            outcome = self.points(enrolment, step, now)
        else:
            outcome = self.offer(enrolment, step, subscriber, now)
        if isinstance(outcome, Wait):
            enrolment.due_at = outcome.until
            enrolment.waiting = outcome.reason
            return
        outcome_name, outbox = outcome
        self.session.add(
            jm.StepRun(
                enrolment_id=enrolment.id,
                step_id=step.id,
                outcome=outcome_name,
                outbox=outbox,
                at=now,
            )
        )
        enrolment.next_step += 1
        enrolment.waiting = None
        if enrolment.next_step >= len(steps):
            end(enrolment, now)
        else:
            nxt = steps[enrolment.next_step]
            enrolment.due_at = step_due(nxt, enrolment.entered_at, now, self.zone)

    def gate(self, subscriber: Subscriber, step: jm.Step, now: datetime) -> Wait | None:
        """Her pause and the frequency cap: when she may get mail again."""
        if subscriber.paused_until and subscriber.paused_until > now:
            until = at_local_time(subscriber.paused_until, step.at_minute, self.zone)
            return Wait(until, jm.WAIT_SUBSCRIBER_PAUSED)
        last = subscriber.last_campaign_at
        if last and last > now - timedelta(days=self.min_days):
            until = last + timedelta(days=self.min_days)
            return Wait(at_local_time(until, step.at_minute, self.zone), jm.WAIT_CAP)
        return None

    def has_topic(self, subscriber: Subscriber, topic_id: int | None) -> bool:
        return topic_id is None or (subscriber.id, topic_id) in self.topics

    def email(
        self,
        enrolment: jm.Enrolment,
        step: jm.Step,
        subscriber: Subscriber | None,
        now: datetime,
    ) -> Wait | tuple[str, OutboxMessage | None]:
        if subscriber is None or subscriber.status != CONFIRMED:
            return jm.SKIPPED_NOT_SUBSCRIBED, None
        if not self.has_topic(subscriber, enrolment.journey.topic_id):
            return jm.SKIPPED_TOPIC, None
        if subscriber.email in self.stopped:  # bounced or complained: not mailed
            return jm.SKIPPED_SUPPRESSED, None
        wait = self.gate(subscriber, step, now)
        if wait is not None:
            return wait
        try:
            message = self.mail.queue(step, subscriber, now)
        except InvalidContent as error:
            raise self.halt(
                enrolment.journey,
                now,
                _(
                    "Step %(n)d cannot be filled in: %(error)s",
                    n=step.position + 1,
                    error=error.message,
                ),
            ) from None
        subscriber.last_campaign_at = now
        return jm.SENT, message

    def customer_id(self, enrolment: jm.Enrolment) -> int | None:
        if enrolment.customer_id is None:
            enrolment.customer_id = self.session.scalar(
                sa.select(Customer.id).where(Customer.email == enrolment.email)
            )
        return enrolment.customer_id

    def points(
        self, enrolment: jm.Enrolment, step: jm.Step, now: datetime
    ) -> tuple[str, None]:
        customer_id = self.customer_id(enrolment)
        if customer_id is None:
            return jm.SKIPPED_NO_CUSTOMER, None
        grant_bonus(
            self.session,
            now,
            customer_id=customer_id,
            points=step.points or 0,
            key=f"journey:{enrolment.id}:{step.id}",
            note=f"journey: {enrolment.journey.name}"[:200],
        )
        return jm.GIVEN, None

    def offer(
        self,
        enrolment: jm.Enrolment,
        step: jm.Step,
        subscriber: Subscriber | None,
        now: datetime,
    ) -> Wait | tuple[str, None]:
        offer = self.session.get(Offer, step.offer_id) if step.offer_id else None
        if offer is None:
            raise self.halt(
                enrolment.journey,
                now,
                _(
                    "The offer of step %(n)d no longer exists: choose another"
                    " and switch the journey on again.",
                    n=step.position + 1,
                ),
            )
        customer_id = self.customer_id(enrolment)
        customer = self.session.get(Customer, customer_id) if customer_id else None
        if customer is None:
            return jm.SKIPPED_NO_CUSTOMER, None
        mail = subscriber is not None and subscriber.status == CONFIRMED
        if mail:
            assert subscriber is not None
            wait = self.gate(subscriber, step, now)
            if wait is not None:
                return wait
        grant = offers.issue(
            self.state,
            now,
            offer,
            customer,
            key=f"journey:{enrolment.id}:{step.id}",
            send_mail=mail,
            holdout=False,
        )
        if grant is None:
            return jm.SKIPPED_OFFER_USED_UP, None
        if mail and subscriber is not None:
            subscriber.last_campaign_at = now
        return jm.GIVEN, None


def run_journeys_due(
    state: LoyaltyState, progress: t.Callable[[int], None] | None = None
) -> int:
    """The journeys due task: calendar entries (birthdays, quiet spells), then
    every step that is due; return how many people entered or moved on."""
    entered = enter_by_the_calendar(state)
    return entered + Runner(state).run(progress)


def count_due(state: LoyaltyState) -> int:
    """How many steps are due now (for the progress bar of ``flask loyalty send``)."""
    return int(
        state.session.scalar(
            sa.select(sa.func.count(jm.Enrolment.id))
            .join(jm.Journey, jm.Journey.id == jm.Enrolment.journey_id)
            .where(
                jm.Enrolment.status == jm.ACTIVE,
                jm.Enrolment.due_at <= state.now(),
                jm.Journey.active.is_(True),
            )
        )
        or 0
    )
