"""Queue email in the outbox, then deliver it with Flask-Mail.

A message is written in the same transaction as the change that caused it, so a
crash loses nothing. Delivery claims a batch (``FOR UPDATE SKIP LOCKED`` on
PostgreSQL, so several workers never take the same message), sends it, and marks each
message sent or due again after a back-off. A worker that died mid-send leaves its
claim; after ``LOYALTY_MAIL_CLAIM_TIMEOUT`` seconds another worker takes it over.
Results are committed once per batch, so such a crash sends at most one batch
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
from sqlalchemy.orm import lazyload
from sqlalchemy.orm.attributes import set_committed_value

from ..db import add_row
from ..db import attach
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
from .models import OutboxContent
from .models import OutboxMessage

POLICY_KEY = "loyalty_delivery_policy"


def queue_mail(
    session: Session,
    now: datetime,
    *,
    kind: str,
    to: str,
    subject: str,
    text: str,
    html: str | None = None,
    headers: dict[str, str] | None = None,
    send_after: datetime | None = None,
    sender: mime.Sender | None = None,
    language: str | None = None,
    insert_now: bool = False,
) -> OutboxMessage:
    """Add a message to the outbox in the session's current transaction.

    Its MIME is written now, From the app's loyalty sender unless ``sender`` is
    given. ``language`` is the one language the whole message is written in
    (``Content-Language``, RFC 3282). With ``insert_now`` its two rows are
    inserted at once with Core statements, not at the session's next flush: the
    cheaper way for one message (an order's); a campaign's thousands are cheaper
    flushed together.

    :raises ValueError: a subject or header with a line break.
    """
    sender = sender or _default_sender()
    if language:
        headers = {**(headers or {}), "Content-Language": language.replace("_", "-")}
    message_id, raw = mime.build(
        sender=sender,
        to=to,
        subject=subject,
        text=text,
        html=html,
        headers=headers or {},
        date=now,
        message_id_domain=_message_id_domain(),
    )
    values = {
        "kind": kind,
        "to_addr": to,
        "to_domain": recipient_domain(to),
        "subject": subject,
        "headers": headers or {},
        "message_id": message_id,
        "status": QUEUED,
        "attempts": 0,
        "created_at": now,
        "send_after": send_after or now,
        "claimed_at": None,
        "sent_at": None,
        "last_error": None,
    }
    content = {"text_body": text, "html_body": html, "raw": raw}
    if not insert_now:
        message = OutboxMessage(**values, content=OutboxContent(**content))
        session.add(message)
        return message
    message = t.cast(OutboxMessage, add_row(session, OutboxMessage, values))
    session.execute(_INSERT_CONTENT, {"outbox_id": message.id, **content})
    set_committed_value(
        message,
        "content",
        attach(session, OutboxContent, outbox_id=message.id, **content),
    )
    return message


_INSERT_CONTENT = sa.insert(OutboxContent.__table__)


def _default_sender() -> mime.Sender:
    state = current_app.extensions["loyalty"]
    return t.cast(
        mime.Sender,
        state.settings.mail_sender or (state.settings.shop_name, "loyalty@localhost"),
    )


def recipient_domain(address: str) -> str:
    """The domain of ``address``, lower case (for the per-domain pace)."""
    return parseaddr(address)[1].rpartition("@")[2].lower()[:254]


def _message_id_domain() -> str | None:
    config = current_app.extensions.get("loyalty_deliverability")
    return config.message_id_domain if config is not None else None


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


def mailed_to(session: Session, email: str) -> list[OutboxMessage]:
    """The messages queued for ``email`` (normalised), oldest first."""
    return list(
        session.scalars(
            sa.select(OutboxMessage)
            .options(lazyload(OutboxMessage.content))  # the bodies only if read
            .where(_to(email))
            .order_by(OutboxMessage.id)
        )
    )


def _to(email: str) -> sa.ColumnElement[bool]:
    return sa.func.lower(OutboxMessage.to_addr) == email


def forget_recipient(session: Session, email: str, pseudonym: str) -> int:
    """Erasure: each message to ``email`` keeps its row for the counts (kind,
    status, times) with the address replaced by ``pseudonym`` and its subject and
    bodies blanked; what had not gone yet is not sent. Return how many there were."""
    ids = list(session.scalars(sa.select(OutboxMessage.id).where(_to(email))))
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        for statement in (
            sa.update(OutboxContent)
            .where(OutboxContent.outbox_id.in_(chunk))
            .values(text_body="", html_body=None, raw=b""),
            sa.update(OutboxMessage)
            .where(
                OutboxMessage.id.in_(chunk),
                OutboxMessage.status.in_((QUEUED, SENDING)),
            )
            .values(status=SUPPRESSED, last_error="Not sent: the address was erased."),
            sa.update(OutboxMessage)
            .where(OutboxMessage.id.in_(chunk))
            .values(to_addr=pseudonym, to_domain=None, subject="", headers={}),
        ):
            session.execute(statement, execution_options={"synchronize_session": False})
    return len(ids)


def _rebuild(session: Session, claimed: Claimed) -> bytes:
    """MIME for a message queued before the outbox stored it (migration 0003)."""
    message = session.get(OutboxMessage, claimed.id)
    assert message is not None  # claimed by this worker: nobody deletes it
    message.message_id, message.raw = mime.build(
        sender=_default_sender(),
        to=message.to_addr,
        subject=message.subject,
        text=message.text_body,
        html=message.html_body,
        headers=dict(message.headers or {}),
        date=message.created_at,
        message_id_domain=_message_id_domain(),
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
