"""Writing a message's MIME once, when it is queued.

The bytes are stored in the outbox, so delivery only hands them to the server, and a
message sent again after a crash keeps its ``Message-ID`` (receivers can tell the
repeat). The ``compat32`` policy writes headers as given, which is several times
faster than Flask-Mail's message building with the ``SMTP`` policy.
"""

from __future__ import annotations

import random
import re
import sys
import typing as t
from datetime import datetime
from email.charset import QP
from email.charset import Charset
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import Compat32
from email.utils import format_datetime
from email.utils import formataddr
from email.utils import make_msgid
from email.utils import parseaddr

Sender = str | tuple[str, str]


def address(value: Sender) -> str:
    """``"Name <a@b>"`` from a string or a ``(name, address)`` pair, with a
    non-ASCII name encoded for the header."""
    if isinstance(value, tuple):
        name, mail = value
    else:
        name, mail = parseaddr(value)
    return formataddr((name, mail), charset="utf-8")


def sender_domain(value: Sender | None) -> str:
    """The domain of the sender's address, for ``Message-ID`` and ``List-Id``."""
    if not value:
        return "localhost"
    mail = value[1] if isinstance(value, tuple) else parseaddr(value)[1]
    return mail.rpartition("@")[2] or "localhost"


class _Wire(Compat32):
    """``compat32`` as sent (CRLF, lines up to 998 characters), with a short cut
    for the usual header value, printable ASCII words on one line: the
    ``Header`` folding that ``compat32`` runs on every header gives it back as
    it is, at a third of a message's build time."""

    def fold_binary(self, name: str, value: t.Any) -> bytes:
        if (
            isinstance(value, str)
            and len(name) + 2 + len(value) <= t.cast(int, self.max_line_length)
            and _PLAIN.fullmatch(value)
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return t.cast(bytes, super().fold_binary(name, value))


_PLAIN = re.compile(r"[!-~]+(?: [!-~]+)*")
_WIRE = _Wire(linesep="\r\n", max_line_length=998)
_BOUNDARY_WIDTH = len(repr(sys.maxsize - 1))


def _boundary() -> str:
    """A multipart boundary as the ``email`` package makes one. Its generator
    would also compile a regular expression per message to check that no line
    of the parts starts with it; with quoted-printable parts none can, since
    they never hold ``==``."""
    return "=" * 15 + str(random.randrange(sys.maxsize)).zfill(_BOUNDARY_WIDTH) + "=="


_UTF8_QP = Charset("utf-8")
_UTF8_QP.body_encoding = QP  # lines stay under SMTP's 998 limit, text stays readable


FOLD_AT = 78
"""RFC 5322 2.1.1: header lines SHOULD be at most 78 characters."""


def _header(value: str, name: str = "") -> str:
    if any(ch in value for ch in "\r\n"):
        raise ValueError("a mail header cannot contain a line break")
    if value.isascii():
        return fold(name, value)
    return Header(value, "utf-8", header_name=name).encode()


def fold(name: str, value: str) -> str:
    """``value`` folded before spaces so that ``Name: value`` lines stay within 78
    characters where a space allows (a single long address cannot be split).
    Unfolding (removing the line breaks) gives ``value`` back exactly."""
    if len(name) + 2 + len(value) <= FOLD_AT or "  " in value or " " not in value:
        return value
    words = value.split(" ")
    lines, line, used = [], words[0], len(name) + 2 + len(words[0])
    for word in words[1:]:
        if used + 1 + len(word) > FOLD_AT:
            lines.append(line)
            line, used = word, 1 + len(word)
        else:
            line, used = f"{line} {word}", used + 1 + len(word)
    return "\n ".join([*lines, line])


def build(
    *,
    sender: Sender,
    to: str,
    subject: str,
    text: str,
    html: str | None,
    headers: t.Mapping[str, str],
    date: datetime,
    message_id_domain: str | None = None,
) -> tuple[str, bytes]:
    """Return ``(message_id, bytes)`` of a text (and HTML) message.

    The ``Message-ID`` is on ``message_id_domain``, by default the sender's domain.

    :raises ValueError: a header value with a line break (header injection).
    """
    message_id = make_msgid(domain=message_id_domain or sender_domain(sender))
    text_part = MIMEText(text, "plain", _UTF8_QP)
    if html is None:
        message: MIMEText | MIMEMultipart = text_part
    else:
        message = MIMEMultipart("alternative", boundary=_boundary())
        message.attach(text_part)
        message.attach(MIMEText(html, "html", _UTF8_QP))
    message["From"] = address(sender)
    message["To"] = address(to)
    message["Subject"] = _header(subject, "Subject")
    message["Date"] = format_datetime(date)
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name] = _header(value, name)
    return message_id, message.as_bytes(policy=_WIRE)
