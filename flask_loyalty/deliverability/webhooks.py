"""Provider webhooks: bounce and complaint events as JSON, each request verified.

``POST <prefix>/hooks/mail/<provider>``; the secret of each provider is in
``LOYALTY_MAIL_WEBHOOK_SECRETS``. A provider without a secret answers 404, a request
that fails verification 403 and changes nothing. The shapes read here (the README has
examples):

- ``mailgun``: ``{"signature": {"timestamp", "token", "signature"}, "event-data":
  {"id", "event": "failed"|"complained", "severity", "recipient", "message":
  {"headers": {"message-id"}}, "delivery-status": {"code", "message"}}}``; the
  signature is HMAC-SHA256 of timestamp + token with the webhook signing key, the
  timestamp (Unix seconds) at most 15 minutes old and 2 ahead. The body is not
  signed, so each signature is taken once (:func:`take_nonce`) and an event counts
  only for the message it names, sent by the outbox to that recipient.
- ``postmark``: ``{"RecordType": "Bounce"|"SpamComplaint", "ID", "Type", "Email",
  "Description", "Details"}``, with HTTP basic auth ``user:password`` set in the
  webhook URL.
- ``sendgrid``: ``[{"sg_event_id", "event": "bounce"|"spamreport", "type",
  "email", "status", "reason", "smtp-id"}, ...]``, with HTTP basic auth.
- ``ses``: Amazon SES through an SNS HTTPS subscription with HTTP basic auth:
  ``{"Type": "Notification", "MessageId", "Message": "<SES JSON>"}``, the SES JSON
  having ``notificationType`` ``Bounce`` or ``Complaint``.
- ``loyalty``: for your own relay or anything else: ``{"events": [{"id", "type":
  "hard_bounce"|"soft_bounce"|"complaint", "email", "message_id", "detail"}]}``, with
  headers ``X-Loyalty-Timestamp`` (Unix seconds, within 5 minutes) and
  ``X-Loyalty-Signature: sha256=<hex>``, the HMAC-SHA256 of ``timestamp + "." +
  body`` with the shared secret.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import logging
import re
import typing as t
from dataclasses import dataclass
from datetime import datetime
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..db import commit_unless_duplicate
from .classify import classify_report
from .models import COMPLAINT
from .models import HARD_BOUNCE
from .models import REFUSED
from .models import SOFT_BOUNCE
from .models import WebhookNonce
from .service import Report

log = logging.getLogger("flask_loyalty.mail")


class Forged(Exception):
    """The request is not from the provider (bad or missing signature)."""


class Malformed(Exception):
    """Signed correctly but not a payload of the documented shape."""


Headers = t.Mapping[str, str]


@dataclass(frozen=True)
class Nonce:
    """What a provider signs once for one request: seen again while fresh, the
    request is a replay (:func:`take_nonce` remembers it)."""

    value: str
    fresh_until: datetime


MAILGUN_WINDOW = 900
"""Seconds a Mailgun signature stays fresh (Mailgun's advice: 15 minutes)."""
LOYALTY_WINDOW = 300
FUTURE_SKEW = 120
"""Seconds a timestamp may be ahead of our clock (clocks drift a little)."""

_STAMP = re.compile(r"\d{1,12}(\.\d{1,6})?")


def verify(
    provider: str, secret: str, body: bytes, headers: Headers, now: datetime
) -> Nonce | None:
    """Check the request's signature or shared secret; return the signature to
    take once when it does not cover the body (Mailgun's).

    :raises Forged: it does not match, or its timestamp is not fresh.
    """
    if provider == "loyalty":
        stamp = headers.get("X-Loyalty-Timestamp", "")
        given = headers.get("X-Loyalty-Signature", "").removeprefix("sha256=")
        _fresh(stamp, now, LOYALTY_WINDOW)
        expected = hmac.new(
            secret.encode(), stamp.encode() + b"." + body, hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(given.encode(), expected.encode()):
            raise Forged("the X-Loyalty-Signature does not match")
        return None
    if provider == "mailgun":
        signature = _json(body).get("signature") or {}
        if not isinstance(signature, dict):
            raise Forged("no signature")
        stamp, token = str(signature.get("timestamp", "")), signature.get("token")
        if not isinstance(token, str) or not 20 <= len(token) <= 200:
            raise Forged("no token")
        signed_at = _fresh(stamp, now, MAILGUN_WINDOW)
        expected = hmac.new(
            secret.encode(), (stamp + token).encode(), hashlib.sha256
        ).hexdigest()
        if not hmac.compare_digest(
            str(signature.get("signature", "")).encode(), expected.encode()
        ):
            raise Forged("the Mailgun signature does not match")
        # The signature, not the token, is remembered: digits moved from the
        # timestamp to the token sign the same, and must not make a new one.
        return Nonce(expected, signed_at + timedelta(seconds=MAILGUN_WINDOW))
    # postmark, sendgrid, ses: HTTP basic auth in the webhook's URL
    auth = headers.get("Authorization", "")
    scheme, _, value = auth.partition(" ")
    try:
        given = base64.b64decode(value, validate=True)
    except ValueError:
        given = b""
    if scheme.lower() != "basic" or not hmac.compare_digest(given, secret.encode()):
        raise Forged("the user name and password do not match")
    return None


def _fresh(stamp: str, now: datetime, seconds: int) -> datetime:
    """The moment ``stamp`` (Unix seconds) names, if it is at most ``seconds``
    old and not ahead of ``now`` by more than :data:`FUTURE_SKEW`.

    :raises Forged: not digits (``nan``, ``inf``, ``1e9``...), too old or ahead.
    """
    if not _STAMP.fullmatch(stamp):
        raise Forged("no timestamp in Unix seconds")
    age = now.timestamp() - float(stamp)
    if age > seconds:
        raise Forged("the timestamp is too old (a replayed request?)")
    if age < -FUTURE_SKEW:
        raise Forged("the timestamp is in the future")
    return now - timedelta(seconds=age)


# -- signatures used once-------------------------------------------------------
#
# Mailgun signs a timestamp and a token, not the body: within the freshness window
# the same signature could carry any other body. So each signature is taken once, in
# the database: every worker of the shop shares it (the rate-limit storage may be
# per process), its unique constraint settles two workers taking the same one at
# once, and it needs nothing the shop does not already run. One is kept until
# its timestamp is no longer fresh; older ones are removed as new ones come.


def _digest(nonce: Nonce) -> str:
    return hashlib.sha256(nonce.value.encode()).hexdigest()


def take_nonce(session: Session, now: datetime, provider: str, nonce: Nonce) -> bool:
    """Remember ``nonce`` and commit; ``False`` if it was taken before (a replay).
    Call it with nothing else pending in the session."""
    session.execute(sa.delete(WebhookNonce).where(WebhookNonce.expires_at < now))
    session.add(
        WebhookNonce(
            provider=provider, digest=_digest(nonce), expires_at=nonce.fresh_until
        )
    )
    return commit_unless_duplicate(session)


def give_back_nonce(session: Session, provider: str, nonce: Nonce) -> None:
    """Forget ``nonce`` after its request failed, so the provider's retry of the
    same request is taken."""
    session.execute(
        sa.delete(WebhookNonce).where(
            WebhookNonce.provider == provider, WebhookNonce.digest == _digest(nonce)
        )
    )
    session.commit()


def _json(body: bytes) -> t.Any:
    try:
        return json.loads(body)
    except ValueError:
        raise Malformed("the body is not JSON") from None


def parse(provider: str, body: bytes) -> list[Report]:
    """The reports in a verified request (events of other kinds are skipped).

    :raises Malformed: not the documented shape.
    """
    data = _json(body)
    source = f"webhook:{provider}"
    try:
        reports = list(_PARSERS[provider](data, source))
    except (KeyError, TypeError, AttributeError, ValueError) as error:
        raise Malformed(f"unexpected {provider} payload: {error!r}") from None
    return [r for r in reports if r is not None]


def _loyalty(data: t.Any, source: str) -> t.Iterator[Report | None]:
    kinds = {"hard_bounce": HARD_BOUNCE, "soft_bounce": SOFT_BOUNCE}
    kinds["complaint"] = COMPLAINT
    for event in data["events"]:
        yield Report(
            kind=kinds[event["type"]],
            email=str(event["email"]),
            source=source,
            external_id=str(event["id"]),
            message_id=event.get("message_id"),
            detail=event.get("detail"),
        )


def _mailgun(data: t.Any, source: str) -> t.Iterator[Report | None]:
    event = data["event-data"]
    name = event["event"]
    headers = (event.get("message") or {}).get("headers") or {}
    status = event.get("delivery-status") or {}
    detail = " ".join(
        str(x) for x in (status.get("code"), status.get("message")) if x
    ) or str(status.get("description") or "")
    kind = None
    if name == "complained":
        kind = COMPLAINT
    elif name == "failed" and event.get("severity") == "permanent":
        kind = _kind_from_code(status.get("code"), detail, HARD_BOUNCE)
    if kind is None:
        return
    yield Report(
        kind=kind,
        email=str(event["recipient"]),
        source=source,
        external_id=str(event["id"]),
        message_id=headers.get("message-id"),
        detail=detail or name,
        # Only timestamp + token are signed: the event counts only for a message the
        # outbox sent to that recipient.
        needs_message=True,
    )


def _postmark(data: t.Any, source: str) -> t.Iterator[Report | None]:
    record = data["RecordType"]
    kind = None
    if record == "SpamComplaint":
        kind = COMPLAINT
    elif record == "Bounce":
        kind = {
            "HardBounce": HARD_BOUNCE,
            "BadEmailAddress": HARD_BOUNCE,
            "SoftBounce": SOFT_BOUNCE,
            "DnsError": SOFT_BOUNCE,
            "Blocked": REFUSED,
            "SpamNotification": REFUSED,
        }.get(data["Type"])
    if kind is None:
        return
    yield Report(
        kind=kind,
        email=str(data["Email"]),
        source=source,
        external_id=str(data["ID"]),
        detail=" ".join(str(data.get(k) or "") for k in ("Description", "Details")),
    )


def _sendgrid(data: t.Any, source: str) -> t.Iterator[Report | None]:
    for event in data:
        name = event["event"]
        if name == "spamreport":
            kind = COMPLAINT
        elif name == "bounce":
            default = REFUSED if event.get("type") == "blocked" else HARD_BOUNCE
            kind = _kind_from_code(event.get("status"), event.get("reason"), default)
        else:
            continue
        yield Report(
            kind=kind,
            email=str(event["email"]),
            source=source,
            external_id=str(event["sg_event_id"]),
            message_id=event.get("smtp-id"),
            detail=" ".join(str(event.get(k) or "") for k in ("status", "reason")),
        )


def _ses(data: t.Any, source: str) -> t.Iterator[Report | None]:
    if data["Type"] == "SubscriptionConfirmation":
        log.warning(
            "Amazon SNS asks to confirm the webhook subscription: open %s",
            data.get("SubscribeURL"),
        )
        return
    note = json.loads(data["Message"])
    mail = note.get("mail") or {}
    message_id = (mail.get("commonHeaders") or {}).get("messageId")
    base = str(data["MessageId"])
    if note["notificationType"] == "Bounce":
        bounce = note["bounce"]
        if bounce["bounceType"] == "Transient":
            kind = SOFT_BOUNCE
        elif bounce["bounceType"] == "Permanent":
            kind = HARD_BOUNCE
        else:
            return
        for recipient in bounce["bouncedRecipients"]:
            detail = " ".join(
                str(recipient.get(k) or "") for k in ("status", "diagnosticCode")
            )
            yield Report(
                kind=_kind_from_code(recipient.get("status"), detail, kind),
                email=str(recipient["emailAddress"]),
                source=source,
                external_id=f"{base} {recipient['emailAddress']}"[:250],
                message_id=message_id,
                detail=detail.strip() or bounce["bounceType"],
            )
    elif note["notificationType"] == "Complaint":
        for recipient in note["complaint"]["complainedRecipients"]:
            yield Report(
                kind=COMPLAINT,
                email=str(recipient["emailAddress"]),
                source=source,
                external_id=f"{base} {recipient['emailAddress']}"[:250],
                message_id=message_id,
                detail="complaint",
            )


def _kind_from_code(code: t.Any, text: t.Any, default: str) -> str:
    kind = classify_report(code, text, default)
    if default == REFUSED and kind != REFUSED:
        return REFUSED
    return kind


_PARSERS: dict[str, t.Callable[[t.Any, str], t.Iterator[Report | None]]] = {
    "loyalty": _loyalty,
    "mailgun": _mailgun,
    "postmark": _postmark,
    "sendgrid": _sendgrid,
    "ses": _ses,
}
