"""Deliver the outbox's email with Flask-Mail (:mod:`.queueing` writes it).

Delivery claims a batch (``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so several
workers never take the same message), sends it, and marks each message sent or due
again after a back-off. A worker that died mid-send leaves its claim; after
``LOYALTY_MAIL_CLAIM_TIMEOUT`` seconds another worker takes it over. Results are
committed once per batch, so such a crash sends at most one batch
(``LOYALTY_WORKER_BATCH`` messages) twice, and never loses one.
"""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field
from datetime import datetime
from datetime import timedelta
from email.utils import parseaddr

import sqlalchemy as sa
from flask import current_app
from flask import has_app_context
from sqlalchemy.orm import Session

from . import mime
from .claims import Claimed
from .claims import DeliveryPolicy
from .claims import claim
from .claims import claim_due
from .claims import ids_param
from .claims import more_due
from .models import FAILED
from .models import QUEUED
from .models import SENDING
from .models import SENT
from .models import SUPPRESSED
from .models import OutboxMessage
from .queueing import default_sender
from .queueing import message_id_domain
from .queueing import recipient_domain

POLICY_KEY = "loyalty_delivery_policy"


@dataclass
class DeliveryReport:
    """What one delivery run did."""

    sent: int = 0
    retried: int = 0
    failed: int = 0
    suppressed: int = 0
    paced: bool = False
    """The sending pace held messages back: more are due within a minute."""
    next_claimed: list[Claimed] = field(default_factory=list)
    """The next batch, claimed with this one's results (``claim_next``)."""

    @property
    def claimed(self) -> int:
        return self.sent + self.retried + self.failed + self.suppressed


def deliver_due(
    session: Session,
    mail: t.Any,
    clock: t.Callable[[], datetime],
    *,
    limit: int = 50,
    claim_timeout: int = 300,
    max_attempts: int = 5,
    policy: DeliveryPolicy | None = None,
    claimed: list[Claimed] | None = None,
    claim_next: bool = False,
) -> DeliveryReport:
    """Send the messages that are due; return how many were sent, retried, failed.

    ``claimed``: a batch a previous call already claimed (its ``next_claimed``).
    ``claim_next``: after a full batch, claim the next one in the same commit as
    this batch's results (one commit per batch instead of two; a worker killed
    while sending still repeats at most one batch). Not with a sending pace.

    ``mail`` is Flask-Mail's state (``app.extensions["mail"]``) or a
    :class:`~flask_loyalty.outbox.files.FolderMailer`. A message that fails is
    retried after 2, 4, 8... minutes, and marked failed after ``max_attempts``
    tries; the error is kept for the owner to read. ``policy`` (by default the
    app's, from the deliverability package) paces, signs, and skips suppressed
    addresses.
    """
    report = DeliveryReport()
    if policy is None and has_app_context():
        policy = current_app.extensions.get(POLICY_KEY)
    if claimed is None:
        messages = claim_due(
            session, clock(), limit=limit, claim_timeout=claim_timeout, policy=policy
        )
    else:
        messages = claimed
    full = len(messages) == limit
    report.paced = (
        policy is not None
        and policy.paced
        and len(messages) < limit
        and more_due(session, clock())
    )
    if not messages:
        return report
    outcome = _Outcome(report, clock, max_attempts)
    blocked = policy.blocked(session, messages) if policy else set()
    for message in messages:
        if message.id in blocked:
            outcome.suppressed(message)
    messages = [message for message in messages if message.id not in blocked]
    if not messages:
        outcome.write(session)
        session.commit()
        return report
    try:
        connection = mail.connect().__enter__()
    except Exception as error:  # noqa: BLE001 - the server is down: retry all later
        for message in messages:
            outcome.failed(message, error)
        outcome.write(session)
        session.commit()
        return report
    host = connection.host  # None when Flask-Mail suppresses sending (TESTING)
    stopped: set[str] = set()  # addresses suppressed during this batch
    senders: dict[str, str] = {}  # From header -> its address (parsed once)
    completed = False  # the whole batch went through the loop
    try:
        for message in messages:
            if message.to_addr.lower() in stopped:
                outcome.suppressed(message)
                continue
            try:
                if host is not None:
                    raw = message.raw or _rebuild(session, message)
                    envelope_from = None
                    if policy is not None:
                        envelope_from, raw = policy.prepare(message, raw)
                    if not envelope_from:
                        header = _from_header(raw)
                        if header not in senders:
                            senders[header] = parseaddr(header)[1]
                        envelope_from = senders[header]
                    host.sendmail(envelope_from, [message.to_addr], raw)
            except Exception as error:  # noqa: BLE001 - any SMTP failure is retried
                refusal = policy and policy.refused(session, clock(), message, error)
                if refusal:
                    outcome.failed(message, error, permanent=True)
                    if refusal == "suppressed":
                        stopped.add(message.to_addr.lower())
                else:
                    outcome.failed(message, error)
            else:
                outcome.sent.append(message.id)
        completed = True
    finally:
        # One commit per batch: a worker killed mid-batch re-sends at most the
        # messages of that batch it had already handed to the server.
        try:
            outcome.write(session)
            if full and claim_next and completed:
                if policy is None or not policy.paced:
                    report.next_claimed = claim(
                        session, clock(), limit=limit, claim_timeout=claim_timeout
                    )
            session.commit()
        finally:
            connection.__exit__(None, None, None)
    return report


class _Outcome:
    """What became of each message of a batch, written by :meth:`write`: one
    ``UPDATE`` for the sent ones and one for the suppressed ones (the rare failures
    one by one)."""

    def __init__(
        self,
        report: DeliveryReport,
        clock: t.Callable[[], datetime],
        max_attempts: int,
    ) -> None:
        self.report = report
        self.clock = clock
        self.max_attempts = max_attempts
        self.sent: list[int] = []
        self.stopped: list[int] = []
        self.failures: list[dict[str, t.Any]] = []

    def suppressed(self, message: Claimed) -> None:
        self.stopped.append(message.id)
        self.report.suppressed += 1

    def failed(
        self, message: Claimed, error: Exception, *, permanent: bool = False
    ) -> None:
        change: dict[str, t.Any] = {
            "id": message.id,
            "last_error": f"{type(error).__name__}: {error}"[:2000],
        }
        if permanent or message.attempts >= self.max_attempts:
            change["status"] = FAILED
            self.report.failed += 1
        else:
            change["status"] = QUEUED
            change["send_after"] = self.clock() + timedelta(minutes=2**message.attempts)
            self.report.retried += 1
        self.failures.append(change)

    def write(self, session: Session) -> None:
        self.report.sent += len(self.sent)
        if self.sent:
            session.execute(_SENT, {"ids": self.sent, "now": self.clock()})
        if self.stopped:
            session.execute(_SUPPRESSED, {"ids": self.stopped})
        for change in self.failures:
            # Still ours: erasure may have stopped it while it was with the server.
            message_id = change.pop("id")
            session.execute(
                sa.update(_outbox)
                .where(_outbox.c.id == message_id, _outbox.c.status == SENDING)
                .values(**change)
            )
        self.sent, self.stopped, self.failures = [], [], []


_outbox = OutboxMessage.__table__
_SENT = (
    sa.update(_outbox)
    .where(_outbox.c.id.in_(ids_param()))
    .values(
        status=SENT,
        sent_at=sa.bindparam("now", type_=_outbox.c.sent_at.type),
        last_error=None,
    )
)
_SUPPRESSED = (
    sa.update(_outbox)
    .where(_outbox.c.id.in_(ids_param()))
    .values(status=SUPPRESSED, last_error="Not sent: the address is suppressed.")
)


def _rebuild(session: Session, claimed: Claimed) -> bytes:
    """MIME for a message queued before the outbox stored it (migration 0003)."""
    message = session.get(OutboxMessage, claimed.id)
    assert message is not None  # claimed by this worker: nobody deletes it
    message.message_id, message.raw = mime.build(
        sender=default_sender(),
        to=message.to_addr,
        subject=message.subject,
        text=message.text_body,
        html=message.html_body,
        headers=dict(message.headers or {}),
        date=message.created_at,
        message_id_domain=message_id_domain(),
    )
    message.to_domain = recipient_domain(message.to_addr)
    return message.raw


def _from_header(raw: bytes) -> str:
    """The From header of stored MIME, without parsing the whole message."""
    end = raw.find(b"\r\n\r\n")
    head = raw[: end if end >= 0 else len(raw)].decode("ascii", "replace")
    for line in head.splitlines():
        if line[:5].lower() == "from:":
            return line[5:].strip()
    return ""
