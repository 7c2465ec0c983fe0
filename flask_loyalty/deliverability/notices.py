"""What a bounce message says about each failed recipient, for
:mod:`~flask_loyalty.deliverability.classify` to read.

Two sources: the per-recipient fields of an RFC 3464 report
(``message/delivery-status``), found under whichever of ``Final-Recipient``,
``Original-Recipient`` or ``X-Actual-Recipient`` names the address, in any form
(``rfc822; a@b``, ``<a@b>``, ``a@b``); and the notice a person would read: the text
parts of the bounce, without the returned copy of our message and the lines that
quote its headers (its subject is the shop's, not the server's).
"""

from __future__ import annotations

import email.message
import html
import re
import typing as t
from dataclasses import dataclass

_ADDRESS = re.compile(r"[^\s<>;:,\"'()\[\]/=]+@[^\s<>;:,\"'()\[\]/]+")
_RECIPIENT_FIELDS = ("Final-Recipient", "Original-Recipient", "X-Actual-Recipient")
_COPY_OF = re.compile(r"copy of (the|your|this)\b|message reads", re.I)
_COPY_NOUN = re.compile(
    r"original message|returned (mail|message)|unsent message|undelivered message"
    r"|message (text|headers?|body)|header of the|lines of",
    re.I,
)
_COPY_VERB = re.compile(r"follow|below|details", re.I)
_SEPARATOR = re.compile(r"[\W_]*")
_QUOTED_HEADER = re.compile(
    r"\s*(subject|from|to|cc|bcc|date|sent|message-id|in-reply-to|references"
    r"|reply-to|return-path|received|mime-version|content-[\w-]+|x-[\w-]+"
    r"|delivered-to|sender|errors-to|list-[\w-]+|precedence|dkim-signature"
    r"|importance|organization|user-agent)\s*:",
    re.I,
)
_TAG = re.compile(r"</?[a-zA-Z][a-zA-Z0-9]*(\s[^<>]*)?/?>")
MAX_LINES = 200


@dataclass(frozen=True)
class RecipientStatus:
    """The fields of one recipient of a delivery status notification."""

    action: str
    status: str
    diagnostic: str


def addresses_in(value: str) -> set[str]:
    """The mail addresses in a header value, in lower case."""
    return {a.strip(".").lower() for a in _ADDRESS.findall(value or "")}


def recipient_statuses(
    message: email.message.Message,
) -> list[tuple[set[str], RecipientStatus]]:
    """Each recipient block of the report: the addresses that name it, its fields."""
    found = []
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        payload = part.get_payload()
        for block in payload if isinstance(payload, list) else []:
            names: set[str] = set()
            for field in _RECIPIENT_FIELDS:
                for value in block.get_all(field) or []:
                    names |= addresses_in(str(value))
            if not any(block.get(f) for f in _RECIPIENT_FIELDS):
                continue  # the per-message block (Reporting-MTA...)
            found.append(
                (
                    names,
                    RecipientStatus(
                        action=_flat(block.get("Action")).lower(),
                        status=_flat(block.get("Status")),
                        diagnostic=_flat(block.get("Diagnostic-Code")),
                    ),
                )
            )
    return found


def status_of(
    address: str, blocks: list[tuple[set[str], RecipientStatus]], alone: bool
) -> RecipientStatus | None:
    """The fields of the block that names ``address``; the only block of the
    report when ``alone`` (one failed address) and no block names it."""
    for names, fields in blocks:
        if address in names:
            return fields
    if alone and len(blocks) == 1:
        return blocks[0][1]
    return None


def notice_text(message: email.message.Message) -> str:
    """The server's own words: the text parts, up to the returned copy of the
    message, without lines that quote its headers."""
    lines: list[str] = []
    for part in _own_parts(message):
        if part.get_content_maintype() != "text" or part.get_content_type() in (
            "text/rfc822-headers",
        ):
            continue
        text = _decoded(part)
        if part.get_content_subtype() == "html":
            text = html.unescape(_TAG.sub(" ", text))
        for line in text.splitlines():
            line = line.strip()
            if _starts_copy(line) or len(lines) >= MAX_LINES:
                break
            if line and not _QUOTED_HEADER.match(line):
                lines.append(line)
    return "\n".join(lines)


def about(notice: str, address: str, addresses: t.Collection[str]) -> str:
    """The lines of ``notice`` about ``address``: all of it when it names one
    failed address; when it names several, from each line naming this one up to
    a line naming another."""
    if len(addresses) < 2:
        return notice
    mine, owner = [], None
    for line in notice.splitlines():
        named = [a for a in addresses if a in line.lower()]
        if named:
            owner = address if address in named else named[0]
        if owner == address:
            mine.append(line)
    return "\n".join(mine)


def _starts_copy(line: str) -> bool:
    """Whether ``line`` introduces the returned copy of the message: "Below this
    line is a copy of the message", "--- Original message follows.", "-----
    Original message -----" (but not "did not receive a copy of your message")."""
    if _COPY_OF.search(line):
        return "receive" not in line.lower()
    noun = _COPY_NOUN.search(line)
    if noun is None:
        return False
    bare = _SEPARATOR.fullmatch(line[: noun.start()]) and _SEPARATOR.fullmatch(
        line[noun.end() :]
    )
    return bool(bare or _COPY_VERB.search(line))


def _own_parts(part: email.message.Message) -> t.Iterator[email.message.Message]:
    """The parts of the bounce itself, not those of a message it encloses."""
    if part.get_content_maintype() == "message":
        return
    if part.is_multipart():
        for sub in t.cast(list, part.get_payload()):
            yield from _own_parts(sub)
    else:
        yield part


def _decoded(part: email.message.Message) -> str:
    try:
        data = part.get_payload(decode=True)
    except Exception:  # noqa: BLE001 - broken transfer encoding
        return ""
    if not isinstance(data, bytes):
        return ""
    try:
        return data.decode(part.get_content_charset() or "utf-8", "replace")
    except LookupError:  # an unknown charset name ("UFT-8" is seen)
        return data.decode("utf-8", "replace")


def _flat(value: object) -> str:
    return " ".join(str(value or "").split())
