"""What a failure means, read from everything its report says.

One set of rules serves bounce messages, SMTP refusals at delivery and provider
webhooks. The first rule that finds something decides:

1. the ``Status`` of the delivery status notification, when it is specific
   (``5.1.1``, ``4.4.7``; not ``5.0.0`` or ``5.3.0``, which say only "failed");
2. the words of the diagnostic and of the notice, in this order: the address is
   gone ("user unknown", "no such user", "does not exist", "disabled"...: hard),
   the message or sender was refused ("spam", "blocked", "not accepting mail
   from"...), the mailbox or the way is in trouble ("quota", "mailbox full",
   "too many hops", "message size"...: soft);
3. a specific enhanced status code in the text (``550 5.1.1``, ``#4.4.1``), then
   a generic one by its subject (``5.1.0`` hard, ``5.7.0`` refused);
4. the SMTP reply code in the text: 550, 551, 553 hard; 552 and 4xx soft; any
   other 5xx refused;
5. nothing found: the caller's default. A bounce that gives no reason counts as
   soft, so the address is suppressed only when it keeps failing.

Enhanced status codes (RFC 3463):

=======================  ==========================================================
``5.1.x``, ``5.2.1``      the address does not exist or is disabled: hard
``5.2.2``, ``4.x.x``,     full mailbox, gave up after retrying, a routing or system
``5.3.x``, ``5.4.x``...   fault: soft (suppressed after N in a row)
``5.7.x``                 refused by a filter or a block list: the address is fine;
                          the refusal is recorded, nothing is suppressed
=======================  ==========================================================
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .models import HARD_BOUNCE
from .models import REFUSED
from .models import SOFT_BOUNCE

_ENHANCED = re.compile(r"(?<![\d.])([245])\.(\d{1,3})\.(\d{1,3})(?![\d.])")
_REPLY = re.compile(r"(?<![\w.#+-])([45][0-5]\d)(?![\w.])")

_HARD = re.compile(
    r"user unknown|unknown (or illegal )?(user|recipient|addressee|address)\b"
    r"|addressee unknown|\buser (not found|not known|doesn't exist)"
    r"|no such (user|mailbox|recipient|address|account|person)"
    r"|\bno mailbox\b|\b(does not|doesn't|did not|no longer) exists?\b"
    r"|\b(name|address|recipient) (is )?not recogni[sz]ed|\bnot listed in\b"
    r"|invalid (final delivery )?(recipient|mailbox|user ?id|user)\b"
    r"|not a valid (user|recipient|mailbox|address)"
    r"|(account|mailbox|address) (has been |is )?(disabled|discontinued|closed"
    r"|deleted|deactivated|terminated)|no longer (valid|active|in use)"
    r"|(doesn't|does not) have an? [\w.-]+ account"
    r"|unknown host|host unknown|unable to relay|relay(ing)? (access )?denied"
    # The same in French, German and Spanish, as European servers write them.
    r"|n'existe pas|existiert nicht|(empf(ä|ae)nger|benutzer|adresse) unbekannt"
    r"|(usuario|cuenta|buz[oó]n|direcci[oó]n) no existe",
    re.I,
)
_REFUSED = re.compile(
    r"\bspam\b|unsolicited|\bblocked\b|block ?list|black ?list|deny ?list"
    r"|not accepting (mail|messages|e-?mail) from|\bpolicy\b|reputation"
    r"|\bvirus\b",
    re.I,
)
_SOFT = re.compile(
    r"quota|(mail ?box|mail ?folder|in ?box)( is)? full|full mailbox"
    r"|box space not enough|insufficient (disk |system )?(space|storage)"
    r"|exceeds? (the )?(storage|mailbox size)|too much mail"
    r"|message (is )?too (large|big)|message size|size limit"
    r"|\bloop(s|ing|ed)?\b|too many hops",
    re.I,
)
_WORDS = ((HARD_BOUNCE, _HARD), (REFUSED, _REFUSED), (SOFT_BOUNCE, _SOFT))


@dataclass(frozen=True)
class Verdict:
    """A kind and the words or code that decided it."""

    kind: str
    because: str


def kind_of_code(klass: str, subject: str, detail: str) -> str:
    """The kind an enhanced status code (``5.1.1``...) stands for."""
    if subject == "7":
        return REFUSED
    if klass == "5" and (subject == "1" or (subject, detail) == ("2", "1")):
        return HARD_BOUNCE
    return SOFT_BOUNCE


def classify(status: str | None, text: str) -> Verdict | None:
    """Read ``status`` (a DSN ``Status`` field) and ``text`` (its diagnostic and
    the words of the notice about this recipient); ``None`` if neither says
    anything the rules know."""
    field = _ENHANCED.search(status or "")
    if field and field.group(1) != "2" and "0" not in field.group(2, 3):
        return Verdict(kind_of_code(*field.groups()), field.group(0))
    text = f"{status or ''}\n{text}"
    for kind, words in _WORDS:
        found = words.search(text)
        if found:
            return Verdict(kind, _line_of(text, found.start()))
    codes = [m for m in _ENHANCED.finditer(text) if m.group(1) != "2"]
    for match in codes:
        if "0" not in match.group(2, 3):
            return Verdict(kind_of_code(*match.groups()), _line_of(text, match.start()))
    for match in codes:
        if match.group(2) != "0":
            return Verdict(kind_of_code(*match.groups()), _line_of(text, match.start()))
    reply = _REPLY.search(text)
    if reply:
        code = int(reply.group(1))
        if code in (550, 551, 553):
            kind = HARD_BOUNCE
        elif code == 552 or code < 500:
            kind = SOFT_BOUNCE
        else:
            kind = REFUSED
        return Verdict(kind, _line_of(text, reply.start()))
    return None


def classify_smtp(code: int, text: str) -> str | None:
    """The kind of an SMTP refusal at delivery, or ``None`` for a temporary one
    (4xx: tried again later, as any failure)."""
    if code < 500:
        return None
    verdict = classify(None, f"{code} {text or ''}")
    return verdict.kind if verdict else REFUSED


def classify_report(code: object, text: object, default: str) -> str:
    """The kind of a provider's report of a failure (its status code and text),
    ``default`` when they say nothing the rules know."""
    verdict = classify(None, f"{code or ''} {text or ''}".strip())
    return verdict.kind if verdict else default


def _line_of(text: str, index: int) -> str:
    start = text.rfind("\n", 0, index) + 1
    end = text.find("\n", index)
    return " ".join(text[start : end if end != -1 else None].split())[:200]
