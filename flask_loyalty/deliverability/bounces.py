"""Reading what comes back: bounce messages, feedback-loop complaints, SMTP refusals.

Bounce messages are parsed by flufl.bounce, the detectors GNU Mailman relies on: RFC
3464 delivery status notifications and the formats of qmail, Exim, Postfix, Yahoo,
Microsoft and others. It finds the failed addresses (a delay warning is ignored);
what each failure means is read by :mod:`.classify` from everything the bounce says
about that address (:mod:`.notices`): its status and diagnostic in the report, and
the server's own words when there is no report.

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

from .classify import classify
from .models import COMPLAINT
from .models import SOFT_BOUNCE
from .notices import RecipientStatus
from .notices import about
from .notices import notice_text
from .notices import recipient_statuses
from .notices import status_of
from .service import Report

log = logging.getLogger("flask_loyalty.mail")

_MESSAGE_ID = re.compile(r"^Message-ID:\s*(<[^>\s]+>)", re.I | re.M)


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
        return _complaint(message, source, external_id, return_path, secret)
    outbox_id = _verp_target(message, return_path, secret)
    original_id = _original_message_id(message)
    try:
        temporary, permanent = all_failures(message)
    except Exception as error:  # noqa: BLE001 - a detector choked on odd input
        log.warning("bounce %s could not be parsed: %s", external_id, error)
        return []
    failed = sorted({_text(a).strip().lower() for a in permanent})
    blocks = recipient_statuses(message)
    notice = notice_text(message)
    reports = []
    for addr in failed:
        kind, detail = _judge(addr, failed, blocks, notice)
        reports.append(
            Report(
                kind=kind,
                email=addr,
                source=source,
                external_id=f"{external_id} {addr}"[:250],
                message_id=original_id,
                outbox_id=outbox_id,
                detail=detail[:500],
            )
        )
    if temporary and not permanent:
        log.info("bounce %s is a delay warning; ignored", external_id)
    if not reports and not temporary:
        log.info("message %s in the bounce mailbox is not a bounce", external_id)
    return reports


def _complaint(
    message: email.message.Message,
    source: str,
    external_id: str,
    return_path: str | None,
    secret: bytes,
) -> list[Report]:
    """The complaint in an ARF report. Its recipient is the ``Original-Rcpt-To``,
    else the ``To`` of the returned message; when the provider hides it
    (``To: redacted``), the report names her by our message: the envelope sender
    (VERP, in ``Original-Mail-From`` or the returned ``Return-Path``) or the
    ``Message-ID``."""
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
    recipient = _shown_address(fields.get("Original-Rcpt-To"))
    if recipient is None and original is not None:
        recipient = _shown_address(original.get("To"))
    envelope = [fields.get("Original-Mail-From")]
    if original is not None:
        envelope.append(original.get("Return-Path"))
    outbox_id = _verp_target(message, return_path, secret)
    for value in envelope:
        if outbox_id is None and return_path and value:
            outbox_id = parse_verp(parseaddr(str(value))[1], return_path, secret)
    return [
        Report(
            kind=COMPLAINT,
            email=recipient,
            source=source,
            external_id=external_id[:250],
            message_id=_original_message_id(message),
            outbox_id=outbox_id,
            detail=f"feedback loop: {fields.get('User-Agent') or 'report'}"[:500],
        )
    ]


_HIDDEN = re.compile(r"redacted|x+|\*+|undisclosed[\w .-]*|anonymous|hidden", re.I)


def _shown_address(value: object) -> str | None:
    """The address in ``value``, or ``None`` where the provider hid it:
    ``redacted``, ``<redacted>``, ``xxxxxx@example.com``, ``[redacted]@...``."""
    address = parseaddr(str(value or ""))[1].strip().lower()
    local, at, domain = address.rpartition("@")
    if not (at and local and domain) or _HIDDEN.fullmatch(local.strip("[]<>\"'")):
        return None
    return address


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


def _text(address: bytes | str) -> str:
    """flufl.bounce gives bytes, and str from some detectors of older versions."""
    if isinstance(address, bytes):
        return address.decode("utf-8", "replace")
    return address


def _judge(
    address: str,
    failed: list[str],
    blocks: list[tuple[set[str], RecipientStatus]],
    notice: str,
) -> tuple[str, str]:
    """The kind of ``address``'s failure and the words that say so. A failure
    that gives no reason we know is soft: counted, suppressed only if it repeats."""
    fields = status_of(address, blocks, alone=len(failed) == 1)
    status = fields.status if fields else ""
    diagnostic = fields.diagnostic if fields else ""
    own = about(notice, address, failed)
    verdict = classify(status, f"{diagnostic}\n{own}") or (
        classify(None, notice) if own != notice else None
    )
    if verdict is None:
        return SOFT_BOUNCE, " ".join(
            x for x in (status, diagnostic, "permanent failure, no reason given") if x
        )
    said = " ".join(x for x in (status, diagnostic) if x)
    if verdict.because not in said:
        said = f"{said} {verdict.because}".strip()
    return verdict.kind, said


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
