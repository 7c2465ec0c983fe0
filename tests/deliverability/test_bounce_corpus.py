"""Real bounce messages, classified as a person reading them would.

The messages are flufl.bounce's own test data (see ``bounce_corpus/NOTICE``); the
class of each was written in ``bounce_corpus/labels.txt`` from the message's text.
"""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.deliverability.bounces import parse_message
from flask_loyalty.deliverability.models import MailEvent

from .conftest import MakeApp
from .test_bounces import queue_for
from .test_bounces import suppressions

CORPUS = Path(__file__).parent / "bounce_corpus"
CLASSES = {"hard_bounce": "hard", "soft_bounce": "soft", "refused": "refused"}
CLASSES_LABELLED = {"hard", "soft", "refused", "none"}
REQUIRED = 0.95


def labels() -> dict[str, tuple[str, str]]:
    """``{file name: (class, reason)}`` from labels.txt."""
    found: dict[str, tuple[str, str]] = {}
    for line in (CORPUS / "labels.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, label, reason = line.split(maxsplit=2)
            found[f"{name}.txt"] = (label, reason)
    return found


def classified(raw: bytes) -> str:
    """The class the project gives the message: ``none`` when it acts on nothing,
    else the one class of all its reports (``mixed`` if they differ)."""
    kinds = {CLASSES.get(r.kind, r.kind) for r in parse_message(raw, source="test")}
    if not kinds:
        return "none"
    return kinds.pop() if len(kinds) == 1 else "mixed"


def test_every_message_has_one_label() -> None:
    found = labels()
    assert sorted(found) == sorted(
        p.name for p in CORPUS.glob("*.txt") if p.name != "labels.txt"
    )
    assert len(found) == 117
    assert {label for label, _ in found.values()} == CLASSES_LABELLED


def test_real_bounces_are_classified_as_labelled(
    capsys: pytest.CaptureFixture[str],
) -> None:
    misses = []
    found = labels()
    for name, (label, reason) in sorted(found.items()):
        got = classified((CORPUS / name).read_bytes())
        if got != label:
            misses.append(f"  {name}: labelled {label} ({reason}), classified {got}")
    right = len(found) - len(misses)
    summary = (
        f"bounce corpus: {right} of {len(found)} classified as labelled"
        f" ({right / len(found):.1%}); misses:\n" + "\n".join(misses)
    )
    with capsys.disabled():
        print("\n" + summary)
    enough = right >= REQUIRED * len(found)
    assert enough, summary


def run_bounces(app: Flask, box: Path, *files: str) -> str:
    """Drop corpus ``files`` into the Maildir and read it as the shop would."""
    maildir = mailbox.Maildir(box, create=True)
    for name in files:
        maildir.add((CORPUS / name).read_bytes())
    result = app.test_cli_runner().invoke(
        args=["loyalty", "bounces", "--maildir", str(box)]
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_a_full_mailbox_is_suppressed_only_when_it_keeps_bouncing(
    make_app: MakeApp, clock: FrozenClock, tmp_path: Path
) -> None:
    app = make_app(LOYALTY_BOUNCE_SOFT_LIMIT=3)
    # Three real bounces for userx@example.com, none with a status code:
    # "recipient reached disk quota" (DSN, under Original-Recipient), "over
    # disk quota" (HotPOP), "mailfolder is full" (qmail); one for each message.
    full = ["dsn_01.txt", "hotpop_01.txt", "qmail_02.txt"]
    for index, name in enumerate(full):
        queue_for(app, "userx@example.com")
        output = run_bounces(app, tmp_path / "box", name)
        if index < 2:
            assert "1 counted" in output
            assert suppressions(app) == {}
        clock.advance(days=3)
    assert "1 suppressed" in output
    assert suppressions(app) == {"userx@example.com": "soft_bounce"}
    with app.app_context():
        s = app.extensions["loyalty"].session
        details = s.scalars(sa.select(MailEvent.detail).order_by(MailEvent.id)).all()
    assert "disk quota" in details[0] and "over disk quota" in details[1]


def test_an_unknown_user_behind_a_generic_status_is_suppressed_at_once(
    make_app: MakeApp, tmp_path: Path
) -> None:
    app = make_app()
    queue_for(app, "anne.person@dom.ain", "userx@example.es")
    # Status 5.0.0 with "550 ... User unknown"; Yahoo's "account is over quota".
    output = run_bounces(app, tmp_path / "box", "dsn_10.txt", "yahoo_02.txt")
    assert "1 suppressed" in output and "1 counted" in output
    assert suppressions(app) == {"anne.person@dom.ain": "bounce"}
