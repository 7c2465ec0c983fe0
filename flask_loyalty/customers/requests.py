"""Links asked for by address, answered by the worker (OWASP ASVS 5.0, 6.3.8).

A form that mails a link to an address writes one :class:`MailRequest` whether or
not the address is known, and answers at once; the worker's task looks the address
up and sends the link only where there is someone to send it to. So the request
takes the same work and time for a known and an unknown address.
"""

from __future__ import annotations

import typing as t
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import MailRequest

if t.TYPE_CHECKING:
    from ..state import LoyaltyState


def ask(
    session: Session, now: datetime, kind: str, email: str, locale: str | None
) -> None:
    """Store a request for a link of ``kind`` to ``email`` (not committed)."""
    session.add(MailRequest(kind=kind, email=email, locale=locale, requested_at=now))


def answer(
    state: LoyaltyState,
    kind: str,
    max_age: int,
    send: t.Callable[[str, str | None], bool],
    progress: t.Callable[[int], None] | None = None,
) -> int:
    """Call ``send(email, locale)`` once for each request of ``kind`` younger than
    ``max_age`` seconds; older ones end silently. Each request is claimed by
    deleting it, so two workers never answer one twice. ``send`` says whether it
    queued mail. Returns how many it queued."""
    session = state.session
    sent = 0
    while rows := session.scalars(
        sa.select(MailRequest)
        .where(MailRequest.kind == kind)
        .order_by(MailRequest.id)
        .limit(100)
    ).all():
        oldest = state.now() - timedelta(seconds=max_age)
        for row in rows:
            claimed = session.execute(
                sa.delete(MailRequest).where(MailRequest.id == row.id)
            )
            if claimed.rowcount != 1 or row.requested_at < oldest:  # type: ignore[attr-defined]
                continue
            sent += bool(send(row.email, row.locale))
        session.commit()
        if progress is not None:
            progress(len(rows))
    return sent
