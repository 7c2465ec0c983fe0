"""Reading what comes back: bounce messages, feedback-loop complaints, SMTP refusals.

Bounce messages are parsed by flufl.bounce, the detectors GNU Mailman relies on: RFC
3464 delivery status notifications and the formats of qmail, Exim, Postfix, Yahoo,
Microsoft and others. What each failure means is then read from its status code
where the report gives one:

========================  =========================================================
``5.1.x``, ``5.2.1``       the address does not exist or is disabled: a hard bounce
``5.2.2``, ``4.x.x``,      full mailbox, gave up after retrying, a routing or system
``5.3.x``, ``5.4.x``       fault: a soft bounce (suppressed after N in a row)
``5.7.x``                  refused by a filter or a block list: the address is fine;
                           the refusal is recorded, nothing is suppressed
``Action: delayed``        a warning that delivery goes on: ignored
========================  =========================================================

A complaint comes as an ARF report (RFC 5965, ``multipart/report;
report-type=feedback-report``) from a mailbox provider's feedback loop.
"""

from __future__ import annotations

import email
import email.message
import hashlib
import hmac
import logging
import re
import typing as t
from email.utils import getaddresses
from email.utils import parseaddr

from flufl.bounce import all_failures

from .models import COMPLAINT
from .models import HARD_BOUNCE
from .models import REFUSED
from .models import SOFT_BOUNCE
from .service import Report

log = logging.getLogger("flask_loyalty.mail")

_STATUS = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
_MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^>\s]+>)", re.I | re.M)


def classify_status(status: str | None, *, permanent: bool) -> str:
    """The kind of a failure from its enhanced status code (``5.1.1``...)."""
    match = _STATUS.search(status or "")
    if match is None:
        return HARD_BOUNCE if permanent else SOFT_BOUNCE
    klass, subject, detail = match.groups()
    if subject == "7":
        return REFUSED
    if klass == "5" and (subject == "1" or (subject, detail) == ("2", "1")):
        return HARD_BOUNCE
    return SOFT_BOUNCE


def classify_smtp(code: int, text: str) -> str | None:
    """The kind of an SMTP refusal at delivery, or ``None`` for a temporary one
    (4xx: tried again later, as any failure)."""
    if code < 500:
        return None
    if _STATUS.search(text or ""):
        return classify_status(text, permanent=True)
    if code in (550, 551, 553):
        return HARD_BOUNCE
    if code == 552:
        return SOFT_BOUNCE
    return REFUSED


# -- VERP: the bounce address names the message -----------------------------------


def verp_address(return_path: str, outbox_id: int, secret: bytes) -> str:
    """``bounces+m42-1a2b3c4d5e6f@shop.example`` for ``bounces@shop.example``."""
    local, _, domain = return_path.rpartition("@")
    return f"{local}+m{outbox_id}-{_verp_sig(outbox_id, secret)}@{domain}"


def parse_verp(address: str, return_path: str, secret: bytes) -> int | None:
    """The outbox id in a VERP address of ours; ``None`` for any other address or a
    forged signature."""
    local, _, domain = return_path.lower().rpartition("@")
    match = re.fullmatch(
        rf"{re.escape(local)}\+m(\d{{1,18}})-([0-9a-f]{{12}})@{re.escape(domain)}",
        address.strip().lower(),
    )
    if match is None:
        return None
    outbox_id = int(match.group(1))
    if not hmac.compare_digest(match.group(2), _verp_sig(outbox_id, secret)):
        log.warning("bounce to %s: the VERP signature is wrong; ignored", address)
        return None
    return outbox_id


def _verp_sig(outbox_id: int, secret: bytes) -> str:
    return hmac.new(secret, f"verp:{outbox_id}".encode(), hashlib.sha256).hexdigest()[
        :12
    ]


# -- bounce messages ------------------------------------------------------------------


def parse_message(
    raw: bytes,
    *,
    source: str,
    return_path: str | None = None,
    secret: bytes = b"",
) -> list[Report]:
    """The reports in one message of the bounce mailbox (none for anything else:
    an auto-reply, spam, a malformed message)."""
    message = email.message_from_bytes(raw)
    external_id = (message.get("Message-ID") or "").strip() or (
        "sha256:" + hashlib.sha256(raw).hexdigest()
    )
    if (
        message.get_content_type() == "multipart/report"
        and (message.get_param("report-type") or "").lower() == "feedback-report"
    ):
        return _complaint(message, source, external_id)
    outbox_id = _verp_target(message, return_path, secret)
    original_id = _original_message_id(message)
    try:
        temporary, permanent = all_failures(message)
    except Exception as error:  # noqa: BLE001 - a detector choked on odd input
        log.warning("bounce %s could not be parsed: %s", external_id, error)
        return []
    statuses = _dsn_statuses(message)
    reports = []
    for address in sorted(permanent):
        addr = address.decode("utf-8", "replace").strip().lower()
        status, diagnostic = statuses.get(addr, (None, None))
        kind = classify_status(status, permanent=True)
        reports.append(
            Report(
                kind=kind,
                email=addr,
                source=source,
                external_id=f"{external_id} {addr}"[:250],
                message_id=original_id,
                outbox_id=outbox_id,
                detail=" ".join(x for x in (status, diagnostic) if x)[:500]
                or "permanent failure",
            )
        )
    if temporary and not permanent:
        log.info("bounce %s is a delay warning; ignored", external_id)
    if not reports and not temporary:
        log.info("message %s in the bounce mailbox is not a bounce", external_id)
    return reports


def _complaint(
    message: email.message.Message, source: str, external_id: str
) -> list[Report]:
    fields: email.message.Message | None = None
    original: email.message.Message | None = None
    for part in message.walk():
        kind = part.get_content_type()
        if kind == "message/feedback-report":
            fields = _fields_of(part)
        elif kind in ("message/rfc822", "text/rfc822-headers") and original is None:
            original = _embedded(part)
    if fields is None:
        return []
    feedback = (fields.get("Feedback-Type") or "").strip().lower()
    if feedback not in ("abuse", "fraud", ""):
        log.info("feedback report %s is %r, not a complaint", external_id, feedback)
        return []
    recipient = parseaddr(fields.get("Original-Rcpt-To") or "")[1]
    if not recipient and original is not None:
        recipient = parseaddr(original.get("To") or "")[1]
    message_id = (original.get("Message-ID") if original is not None else None) or None
    return [
        Report(
            kind=COMPLAINT,
            email=recipient.lower() or None,
            source=source,
            external_id=external_id[:250],
            message_id=message_id.strip() if message_id else None,
            detail=f"feedback loop: {fields.get('User-Agent') or 'report'}"[:500],
        )
    ]


def _fields_of(part: email.message.Message) -> email.message.Message:
    payload = part.get_payload()
    if isinstance(payload, list):  # the parser reads it as a list of header blocks
        merged = email.message.Message()
        for block in payload:
            for name, value in block.items():
                merged[name] = value
        return merged
    return email.message_from_string(str(payload))


def _embedded(part: email.message.Message) -> email.message.Message | None:
    payload = part.get_payload()
    if isinstance(payload, list) and payload:
        return t.cast(email.message.Message, payload[0])
    if isinstance(payload, str):
        return email.message_from_string(payload.lstrip())
    return None


def _dsn_statuses(message: email.message.Message) -> dict[str, tuple[str, str]]:
    """``{recipient: (Status, Diagnostic-Code)}`` from an RFC 3464 report."""
    found: dict[str, tuple[str, str]] = {}
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        blocks = payload if isinstance(payload, list) else []
        for block in blocks:
            recipient = block.get("Final-Recipient") or block.get("Original-Recipient")
            if not recipient:
                continue
            address = recipient.split(";", 1)[-1].strip().strip("<>").lower()
            found[address] = (
                (block.get("Status") or "").strip(),
                " ".join((block.get("Diagnostic-Code") or "").split()),
            )
    return found


def _original_message_id(message: email.message.Message) -> str | None:
    """The Message-ID of our message inside the bounce (returned headers or text)."""
    for part in message.walk():
        if part is message:
            continue
        if part.get_content_type() in ("message/rfc822", "text/rfc822-headers"):
            original = _embedded(part)
            if original is not None and original.get("Message-ID"):
                return str(original.get("Message-ID")).strip()
    for part in message.walk():
        if part.get_content_maintype() == "text":
            try:
                text = part.get_payload(decode=True) or b""
            except Exception:  # noqa: BLE001 - broken transfer encoding
                continue
            match = _MESSAGE_ID.search(bytes(text).decode("utf-8", "replace"))
            if match:
                return match.group(1)
    return None


def _verp_target(
    message: email.message.Message, return_path: str | None, secret: bytes
) -> int | None:
    if not return_path:
        return None
    for header in ("Delivered-To", "X-Original-To", "Envelope-To", "To"):
        for _, address in getaddresses(message.get_all(header) or []):
            outbox_id = parse_verp(address, return_path, secret)
            if outbox_id is not None:
                return outbox_id
    return None
