"""Claiming a batch of due outbox messages for one worker, and what delivery's
policy (the deliverability package: pace, suppression, signing) must provide.

A claim locks ids only (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
workers never take the same message), marks them with one ``UPDATE``, and the batch
comes back with the columns delivery reads, not the bodies.
"""

from __future__ import annotations

import typing as t
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session
from sqlalchemy.orm import joinedload
from sqlalchemy.orm import lazyload
from sqlalchemy.orm import load_only

from .models import QUEUED
from .models import SENDING
from .models import OutboxContent
from .models import OutboxMessage

# What delivery and its policy read of a claimed message, and its stored MIME
# (``raw``, from the content row) which is what goes; the bodies stay in the database.
_DELIVERY_COLUMNS = (
    OutboxMessage.id,
    OutboxMessage.kind,
    OutboxMessage.to_addr,
    OutboxMessage.to_domain,
    OutboxMessage.headers,
    OutboxMessage.status,
    OutboxMessage.attempts,
)


class Budget(t.Protocol):
    """How much the sending pace lets go now."""

    held: list[str]
    """Recipient domains that used up this minute's share."""

    def pick(self, candidates: list[OutboxMessage], limit: int) -> list[OutboxMessage]:
        """The candidates (in id order) that fit the pace, at most ``limit``."""


class DeliveryPolicy(t.Protocol):
    """What the deliverability package adds to delivery (its ``policy`` module):
    the sending pace, suppressed addresses, signing, the envelope sender, and what a
    refusal by the server means."""

    paced: bool
    """Whether a sending pace is set (``budget`` can hold messages back)."""

    def budget(self, session: Session, now: datetime) -> Budget | None:
        """The pace for this claim, or ``None`` when there is no limit."""

    def blocked(self, session: Session, messages: list[OutboxMessage]) -> set[int]:
        """Ids of the messages whose address is suppressed for their kind of mail."""

    def prepare(self, message: OutboxMessage, raw: bytes) -> tuple[str | None, bytes]:
        """``(envelope sender, or None for the From address; bytes to send)``."""

    def refused(
        self, session: Session, now: datetime, message: OutboxMessage, error: Exception
    ) -> str | None:
        """Record a refusal: ``None`` to retry later, ``"failed"`` for a permanent
        one, ``"suppressed"`` when the address is now suppressed too."""


def claim_due(
    session: Session,
    now: datetime,
    *,
    limit: int,
    claim_timeout: int,
    policy: DeliveryPolicy | None = None,
) -> list[OutboxMessage]:
    """Mark up to ``limit`` due messages as being sent by this worker and commit;
    return them (see :func:`claim_ids`)."""
    ids = claim_ids(
        session, now, limit=limit, claim_timeout=claim_timeout, policy=policy
    )
    session.commit()
    return load_claimed(session, ids)


def load_claimed(session: Session, ids: list[int]) -> list[OutboxMessage]:
    """The claimed messages, with the columns delivery reads (not the bodies)."""
    if not ids:
        return []
    return list(
        session.scalars(
            sa.select(OutboxMessage)
            .options(
                load_only(*_DELIVERY_COLUMNS),
                joinedload(OutboxMessage.content).load_only(OutboxContent.raw),
            )
            .where(OutboxMessage.id.in_(ids))
            .order_by(OutboxMessage.id)
        )
    )


def claim_ids(
    session: Session,
    now: datetime,
    *,
    limit: int,
    claim_timeout: int,
    policy: DeliveryPolicy | None = None,
) -> list[int]:
    """Mark up to ``limit`` due messages as being sent by this worker, in the
    session's transaction (the caller commits); return their ids.

    With a ``policy``, only as many as the sending pace allows; on PostgreSQL the
    workers then claim one at a time (an advisory lock), so together they keep it.
    The claim locks ids only, marks them with one ``UPDATE``, and the batch comes
    back with the columns delivery reads (not the bodies).
    """
    budget = None
    if policy is not None:
        if policy.paced and session.get_bind().dialect.name == "postgresql":
            # One claim at a time, so that the workers together keep the pace.
            session.execute(sa.select(sa.func.pg_advisory_xact_lock(7_140_010)))
        budget = policy.budget(session, now)
    stale = now - timedelta(seconds=claim_timeout)
    if budget is None:
        ids = _due(session, now, stale, limit, OutboxMessage.id)
    else:
        candidates = _due(
            session,
            now,
            stale,
            limit * 4,
            OutboxMessage,
            load_only(OutboxMessage.id, OutboxMessage.to_domain),
            lazyload(OutboxMessage.content),
            held=budget.held,
        )
        ids = [message.id for message in budget.pick(candidates, limit)]
    if not ids:
        return ids
    # Claim only what is still due: on SQLite nothing locked the rows between the
    # SELECT and this UPDATE (pysqlite opens the transaction at the first write), so
    # another worker may have claimed some of them meanwhile; what comes back is ours.
    claim = (
        sa.update(OutboxMessage)
        .where(
            OutboxMessage.id.in_(ids),
            sa.or_(
                OutboxMessage.status == QUEUED,
                sa.and_(
                    OutboxMessage.status == SENDING, OutboxMessage.claimed_at < stale
                ),
            ),
        )
        .values(status=SENDING, claimed_at=now, attempts=OutboxMessage.attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if session.get_bind().dialect.update_returning:
        return sorted(session.scalars(claim.returning(OutboxMessage.id)))
    if session.execute(claim).rowcount == len(ids):  # type: ignore[attr-defined]
        return ids  # (MySQL: the rows were locked, so they are all ours)
    mine = sa.select(OutboxMessage.id).where(
        OutboxMessage.id.in_(ids),
        OutboxMessage.status == SENDING,
        OutboxMessage.claimed_at == now,
    )
    return sorted(session.scalars(mine))


def _due(
    session: Session,
    now: datetime,
    stale: datetime,
    limit: int,
    what: t.Any,
    *options: t.Any,
    held: list[str] | None = None,
) -> list[t.Any]:
    """Up to ``limit`` due messages (``what``: a column or the entity), locked
    (``SKIP LOCKED``), the longest due first: claims a stopped worker left behind
    (``sending`` since before ``stale``), then queued messages whose ``send_after``
    has come; each by ``send_after`` and id.

    Two range scans of the ``(status, send_after)`` index, which stop after
    ``limit`` rows: never a sort of the whole queue (one ``OR`` of both made SQLite
    and PostgreSQL sort every queued message for every batch).
    """
    found: list[t.Any] = []
    for status, condition in (
        (SENDING, OutboxMessage.claimed_at < stale),
        (QUEUED, OutboxMessage.send_after <= now),
    ):
        query = (
            sa.select(what)
            .options(*options)
            .where(OutboxMessage.status == status, condition)
            .order_by(OutboxMessage.send_after, OutboxMessage.id)
        )
        if held:
            query = query.where(
                sa.or_(
                    OutboxMessage.to_domain.is_(None),
                    OutboxMessage.to_domain.not_in(held),
                )
            )
        query = query.limit(limit - len(found)).with_for_update(skip_locked=True)
        found += session.scalars(query)
        if len(found) >= limit:
            break
    return found


def more_due(session: Session, now: datetime) -> bool:
    """Whether a queued message is due now (the pace held some back)."""
    return (
        session.scalar(
            sa.select(OutboxMessage.id)
            .where(OutboxMessage.status == QUEUED, OutboxMessage.send_after <= now)
            .limit(1)
        )
        is not None
    )
