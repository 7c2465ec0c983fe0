"""The app's :class:`~flask_loyalty.outbox.claims.DeliveryPolicy`: what delivery
does beyond handing bytes to the server.

- **Pace**: at most ``LOYALTY_MAIL_PER_MINUTE`` messages a minute, and at most
  ``LOYALTY_MAIL_PER_DOMAIN_PER_MINUTE`` to one recipient domain. A message counts
  from the moment a worker claims it (every attempt reaches the server). Messages
  held back stay queued in their order and go in the next minute, so delivery
  resumes where it stopped; the workers claim one at a time on PostgreSQL, so two of
  them keep the pace together.
- **Suppression**: a message to a suppressed address is not sent (status
  ``suppressed``), also when the address bounced a moment ago on another worker.
- **Signing at send time**: the stored MIME is signed just before it goes (see the
  README for why), with the envelope sender the shop controls (VERP if asked).
- **Refusals**: a permanent SMTP refusal of the recipient is a bounce like any other.
"""

from __future__ import annotations

import logging
import smtplib
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..outbox.claims import Candidate
from ..outbox.claims import Claimed
from ..outbox.dkim import DkimKeyError
from ..outbox.models import OutboxMessage
from .bounces import verp_address
from .classify import classify_smtp
from .config import MailConfig
from .service import Report
from .service import apply_report
from .service import blocked_messages

log = logging.getLogger("flask_loyalty.mail")

WINDOW = timedelta(minutes=1)


@dataclass
class PaceBudget:
    """What may still go this minute: overall and per recipient domain."""

    config: MailConfig
    total_left: int | None
    used: Counter[str]

    @property
    def held(self) -> list[str]:
        return sorted(
            domain
            for domain, count in self.used.items()
            if (limit := self.config.domain_limit(domain)) is not None
            and count >= limit
        )

    def pick(self, candidates: list[Candidate], limit: int) -> list[Candidate]:
        picked: list[Candidate] = []
        left = self.total_left
        for message in candidates:
            if len(picked) >= limit or (left is not None and left <= 0):
                break
            domain = message.to_domain or ""
            cap = self.config.domain_limit(domain)
            if cap is not None and self.used[domain] >= cap:
                continue
            picked.append(message)
            self.used[domain] += 1
            if left is not None:
                left -= 1
        return picked


class OutboxPolicy:
    """Built once per app from its :class:`MailConfig`."""

    def __init__(self, config: MailConfig, secret: bytes) -> None:
        self.config = config
        self.secret = secret
        self.paced = bool(config.per_minute or config.per_domain)

    def budget(self, session: Session, now: datetime) -> PaceBudget | None:
        config = self.config
        if config.per_minute is None and not config.per_domain:
            return None
        rows = session.execute(
            sa.select(OutboxMessage.to_domain, sa.func.count())
            .where(OutboxMessage.claimed_at > now - WINDOW)
            .group_by(OutboxMessage.to_domain)
        ).all()
        used: Counter[str] = Counter({domain or "": count for domain, count in rows})
        total = sum(used.values())
        left = None if config.per_minute is None else max(config.per_minute - total, 0)
        return PaceBudget(config, left, used)

    def blocked(self, session: Session, messages: list[Claimed]) -> set[int]:
        return blocked_messages(session, messages)

    def envelope_sender(self, message: Claimed) -> str | None:
        path = self.config.return_path
        if path and self.config.verp:
            return verp_address(path, message.id, self.secret)
        return path

    def prepare(self, message: Claimed, raw: bytes) -> tuple[str | None, bytes]:
        if self.config.signer is not None:
            try:
                raw = self.config.signer.sign(raw)
            except DkimKeyError as error:
                log.error("message %s goes unsigned: %s", message.id, error)
        return self.envelope_sender(message), raw

    def refused(
        self, session: Session, now: datetime, message: Claimed, error: Exception
    ) -> str | None:
        code, text = _smtp_reply(error, message.to_addr)
        kind = classify_smtp(code, text) if code else None
        if kind is None:
            return None
        outcome = apply_report(
            session,
            now,
            Report(
                kind=kind,
                email=message.to_addr,
                source="smtp",
                outbox_id=message.id,
                detail=f"{code} {text}",
            ),
            soft_limit=self.config.soft_limit,
            reset_days=self.config.soft_reset_days,
        )
        if outcome != "suppressed":
            return "failed"  # a refusal, or a soft bounce under the limit
        # Other workers must see it before they send to the address again.
        session.commit()
        return "suppressed"


def _smtp_reply(error: Exception, recipient: str) -> tuple[int, str]:
    """The code and text of the server's refusal of ``recipient``."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        for address, (code, reply) in error.recipients.items():
            if address.lower() == recipient.lower() or len(error.recipients) == 1:
                return int(code), _text(reply)
        return 0, ""
    if isinstance(error, smtplib.SMTPSenderRefused):
        return 0, ""  # our sender was refused: not the recipient's fault, retry
    if isinstance(error, smtplib.SMTPResponseException):
        return int(error.smtp_code), _text(error.smtp_error)
    return 0, ""


def _text(reply: bytes | str) -> str:
    value = reply.decode("utf-8", "replace") if isinstance(reply, bytes) else reply
    return " ".join(value.split())[:400]
