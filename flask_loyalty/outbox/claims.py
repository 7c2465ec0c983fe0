"""Claiming a batch of due outbox messages for one worker, and what delivery's
policy (the deliverability package: pace, suppression, signing) must provide.

A claim locks ids only (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
workers never take the same message), marks them with one ``UPDATE`` whose
``RETURNING`` gives what delivery reads, and fetches their stored MIME. Delivery works
on these plain values (:class:`Claimed`), not on ORM objects: building, expiring and
tracking fifty of them cost more than the statements of a batch.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta
from functools import cache

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import QUEUED
from .models import SENDING
from .models import OutboxContent
from .models import OutboxMessage

_table = OutboxMessage.__table__
_content = OutboxContent.__table__

# What delivery and its policy read of a claimed message (the claim's RETURNING).
_DELIVERY_COLUMNS = (
    _table.c.id,
    _table.c.kind,
    _table.c.to_addr,
    _table.c.to_domain,
    _table.c.headers,
    _table.c.attempts,
)


def ids_param(name: str = "ids") -> sa.BindParameter[t.Any]:
    """A list parameter (``IN``), so that a batch's statements are built once, at
    import, not for every batch (fifty literals each)."""
    return sa.bindparam(name, expanding=True)


def _time(name: str) -> sa.BindParameter[t.Any]:
    return sa.bindparam(name, type_=_table.c.claimed_at.type)


# Claim only what is still due: on SQLite nothing locked the rows between the SELECT
# and this UPDATE (pysqlite opens the transaction at the first write), so another
# worker may have claimed some of them meanwhile; what comes back is ours.
_CLAIM = (
    sa.update(_table)
    .where(
        _table.c.id.in_(ids_param()),
        sa.or_(
            _table.c.status == QUEUED,
            sa.and_(_table.c.status == SENDING, _table.c.claimed_at < _time("stale")),
        ),
    )
    .values(status=SENDING, claimed_at=_time("now"), attempts=_table.c.attempts + 1)
)
_CLAIMED = sa.select(*_DELIVERY_COLUMNS).where(_table.c.id.in_(ids_param()))
_MINE = _CLAIMED.where(_table.c.status == SENDING, _table.c.claimed_at == _time("now"))
_RAW = sa.select(_content.c.outbox_id, _content.c.raw).where(
    _content.c.outbox_id.in_(ids_param())
)


@dataclass(slots=True)
class Claimed:
    """A message this worker claimed, as delivery reads it."""

    id: int
    kind: str
    to_addr: str
    to_domain: str | None
    headers: dict[str, str] | None
    attempts: int
    """Including this attempt (the claim counted it)."""
    raw: bytes | None = None
    """The stored MIME, which is what goes (empty for mail queued before 0003)."""


class Candidate(t.Protocol):
    """A due message the sending pace may let go."""

    id: int
    to_domain: str | None


class Budget(t.Protocol):
    """How much the sending pace lets go now."""

    held: list[str]
    """Recipient domains that used up this minute's share."""

    def pick(self, candidates: list[Candidate], limit: int) -> list[Candidate]:
        """The candidates (in due order) that fit the pace, at most ``limit``."""


class DeliveryPolicy(t.Protocol):
    """What the deliverability package adds to delivery (its ``policy`` module):
    the sending pace, suppressed addresses, signing, the envelope sender, and what a
    refusal by the server means."""

    paced: bool
    """Whether a sending pace is set (``budget`` can hold messages back)."""

    def budget(self, session: Session, now: datetime) -> Budget | None:
        """The pace for this claim, or ``None`` when there is no limit."""

    def blocked(self, session: Session, messages: list[Claimed]) -> set[int]:
        """Ids of the messages whose address is suppressed for their kind of mail."""

    def prepare(self, message: Claimed, raw: bytes) -> tuple[str | None, bytes]:
        """``(envelope sender, or None for the From address; bytes to send)``."""

    def refused(
        self, session: Session, now: datetime, message: Claimed, error: Exception
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
) -> list[Claimed]:
    """Claim up to ``limit`` due messages (see :func:`claim`) and commit."""
    claimed = claim(
        session, now, limit=limit, claim_timeout=claim_timeout, policy=policy
    )
    session.commit()
    return claimed


def claim(
    session: Session,
    now: datetime,
    *,
    limit: int,
    claim_timeout: int,
    policy: DeliveryPolicy | None = None,
) -> list[Claimed]:
    """Mark up to ``limit`` due messages as being sent by this worker, in the
    session's transaction (the caller commits); return them in due order, with
    their stored MIME.

    With a ``policy``, only as many as the sending pace allows; on PostgreSQL the
    workers then claim one at a time (an advisory lock), so together they keep it.
    """
    claimed = _claim(session, now, limit, claim_timeout, policy)
    if claimed:
        ids = [message.id for message in claimed]
        raw = dict(session.execute(_RAW, {"ids": ids}).all())
        for message in claimed:
            message.raw = raw.get(message.id)
    return claimed


def _claim(
    session: Session,
    now: datetime,
    limit: int,
    claim_timeout: int,
    policy: DeliveryPolicy | None,
) -> list[Claimed]:
    budget = None
    if policy is not None:
        if policy.paced and session.get_bind().dialect.name == "postgresql":
            # One claim at a time, so that the workers together keep the pace.
            session.execute(sa.select(sa.func.pg_advisory_xact_lock(7_140_010)))
        budget = policy.budget(session, now)
    stale = now - timedelta(seconds=claim_timeout)
    if budget is None:
        ids = [row.id for row in _due(session, now, stale, limit, (_table.c.id,))]
    else:
        candidates = _due(
            session,
            now,
            stale,
            limit * 4,
            (_table.c.id, _table.c.to_domain),
            held=budget.held,
        )
        ids = [row.id for row in budget.pick(candidates, limit)]
    if not ids:
        return []
    values = {"ids": ids, "now": now, "stale": stale}
    if session.get_bind().dialect.update_returning:
        rows = session.execute(_CLAIM.returning(*_DELIVERY_COLUMNS), values).all()
    elif session.execute(_CLAIM, values).rowcount == len(ids):  # type: ignore[attr-defined]
        rows = session.execute(_CLAIMED, values).all()  # (MySQL: rows were locked)
    else:  # another worker took some: ours carry this claim's time (microseconds)
        rows = session.execute(_MINE, values).all()
    order = {message_id: number for number, message_id in enumerate(ids)}
    return sorted((Claimed(*row) for row in rows), key=lambda m: order[m.id])


def _due(
    session: Session,
    now: datetime,
    stale: datetime,
    limit: int,
    columns: tuple[t.Any, ...],
    held: list[str] | None = None,
) -> list[t.Any]:
    """Up to ``limit`` due messages (rows of ``columns``), locked (``SKIP
    LOCKED``), the longest due first: claims a stopped worker left behind
    (``sending`` since before ``stale``), then queued messages whose ``send_after``
    has come; each by ``send_after`` and id.

    Two range scans of the ``(status, send_after)`` index, which stop after
    ``limit`` rows: never a sort of the whole queue (one ``OR`` of both made SQLite
    and PostgreSQL sort every queued message for every batch).
    """
    found: list[t.Any] = []
    values = {"now": now, "stale": stale, "held": held}
    for query in _due_queries(columns, bool(held)):
        values["limit"] = limit - len(found)
        found += session.execute(query, values).all()
        if len(found) >= limit:
            break
    return found


@cache
def _due_queries(
    columns: tuple[t.Any, ...], held: bool
) -> tuple[sa.Select[t.Any], sa.Select[t.Any]]:
    """The two queries of :func:`_due`, built once for each kind of claim."""
    queries = []
    for status, condition in (
        (SENDING, _table.c.claimed_at < _time("stale")),
        (QUEUED, _table.c.send_after <= _time("now")),
    ):
        query = (
            sa.select(*columns)
            .where(_table.c.status == status, condition)
            .order_by(_table.c.send_after, _table.c.id)
        )
        if held:
            query = query.where(
                sa.or_(
                    _table.c.to_domain.is_(None),
                    _table.c.to_domain.not_in(ids_param("held")),
                )
            )
        limit = sa.bindparam("limit", type_=sa.Integer)
        queries.append(query.limit(limit).with_for_update(skip_locked=True))
    return queries[0], queries[1]


def more_due(session: Session, now: datetime) -> bool:
    """Whether a queued message is due now (the pace held some back)."""
    return (
        session.scalar(
            sa.select(_table.c.id)
            .where(_table.c.status == QUEUED, _table.c.send_after <= now)
            .limit(1)
        )
        is not None
    )
