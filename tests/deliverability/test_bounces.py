"""The bounce mailbox: flufl.bounce reads the bounces, hard ones suppress at once,
soft ones after N in a row, complaints unsubscribe; nothing else changes anything."""

from __future__ import annotations

import mailbox
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.deliverability import service
from flask_loyalty.deliverability.bounces import parse_message
from flask_loyalty.deliverability.bounces import verp_address
from flask_loyalty.deliverability.classify import classify_smtp
from flask_loyalty.deliverability.models import MailEvent
from flask_loyalty.newsletter.models import Subscriber
from flask_loyalty.newsletter.models import Suppression
from flask_loyalty.outbox.queueing import queue_mail

from . import samples
from .conftest import MakeApp
from .conftest import add_subscribers

MID = "<1.2.3@fern.test>"
TO = "bounces@fern.test"


def dsn(rcpt: str, status: str, action: str = "failed", diagnostic: str = "") -> bytes:
    return samples.render(
        samples.DSN,
        to=TO,
        rcpt=rcpt,
        mid=MID,
        id=f"{rcpt}-{status}",
        action=action,
        status=status,
        diagnostic=diagnostic or f"550 {status} <{rcpt}>: refused",
    )


@pytest.mark.parametrize(
    ("raw", "kind", "email"),
    [
        (dsn("bob@example.net", "5.1.1"), "hard_bounce", "bob@example.net"),
        (dsn("bob@example.net", "5.2.1"), "hard_bounce", "bob@example.net"),
        (dsn("bob@example.net", "5.2.2"), "soft_bounce", "bob@example.net"),
        (dsn("bob@example.net", "4.4.7"), "soft_bounce", "bob@example.net"),
        (dsn("bob@example.net", "5.7.1"), "refused", "bob@example.net"),
        # A generic status: the diagnostic's words decide; no words, soft.
        (
            dsn("bob@example.net", "5.0.0", diagnostic="550 Unknown user <bob>"),
            "hard_bounce",
            "bob@example.net",
        ),
        (
            dsn("bob@example.net", "5.0.0", diagnostic="mailbox full"),
            "soft_bounce",
            "bob@example.net",
        ),
        (
            dsn("bob@example.net", "5.0.0", diagnostic="delivery failed"),
            "soft_bounce",
            "bob@example.net",
        ),
        (dsn("bob@example.net", "4.2.0", action="delayed"), None, None),
        (
            samples.render(
                samples.QMAIL, to=TO, rcpt="dan@example.org", mid=MID, id="q"
            ),
            "hard_bounce",
            "dan@example.org",
        ),
        (
            samples.render(
                samples.EXIM, to=TO, rcpt="eve@example.com", mid=MID, id="e"
            ),
            "hard_bounce",
            "eve@example.com",
        ),
        (
            samples.render(samples.ARF, to=TO, rcpt="fay@example.com", mid=MID, id="a"),
            "complaint",
            "fay@example.com",
        ),
        (
            samples.render(samples.VACATION, to=TO, rcpt="g@example.com", id="v"),
            None,
            None,
        ),
        (samples.GARBAGE, None, None),
        (b"", None, None),
    ],
)
def test_bounce_messages_are_read(
    raw: bytes, kind: str | None, email: str | None
) -> None:
    reports = parse_message(raw, source="maildir")
    if kind is None:
        assert reports == []
        return
    [report] = reports
    assert (report.kind, report.email) == (kind, email)
    assert report.message_id == MID
    assert report.external_id


@pytest.mark.parametrize(
    ("code", "text", "kind"),
    [
        (550, "5.1.1 <a@b>: Recipient address rejected: User unknown", "hard_bounce"),
        (550, "No such user", "hard_bounce"),
        (552, "Mailbox full", "soft_bounce"),
        (552, "5.2.2 Mailbox full", "soft_bounce"),
        (554, "5.7.1 Service unavailable; client host blocked", "refused"),
        (550, "5.7.1 Message rejected as spam", "refused"),
        (554, "Transaction failed", "refused"),
        (550, "5.0.0 <a@b>... User unknown", "hard_bounce"),
        (550, "User account is overquota", "soft_bounce"),
        (554, "Message looping (received 6 times)", "soft_bounce"),
        (553, "5.3.0 <a@b>... Addressee unknown", "hard_bounce"),
        (550, "5.7.1 Unable to relay for a@b", "hard_bounce"),
        (450, "4.2.1 Try again later", None),
        (421, "Too many connections", None),
    ],
)
def test_smtp_refusals_are_classified(code: int, text: str, kind: str | None) -> None:
    assert classify_smtp(code, text) == kind


def queue_for(app: Flask, *emails: str) -> list[tuple[int, str]]:
    """Queue one message to each address (the shop mailed it); (id, Message-ID)."""
    with app.app_context():
        state = app.extensions["loyalty"]
        queued = [
            queue_mail(
                state.session,
                state.now(),
                kind="campaign",
                to=email,
                subject="Spring pieces",
                text="New rings.",
                headers={"List-Unsubscribe": "<https://shop.test/u/x>"},
            )
            for email in emails
        ]
        state.session.commit()
        return [(m.id, m.message_id) for m in queued]


def bounces(app: Flask, folder: Path) -> str:
    result = app.test_cli_runner().invoke(
        args=["loyalty", "bounces", "--maildir", str(folder)]
    )
    assert result.exit_code == 0, result.output
    return result.output


def suppressions(app: Flask) -> dict[str, str]:
    """{email: reason} of the suppressed addresses known by a report."""
    with app.app_context():
        s = app.extensions["loyalty"].session
        return {
            e.email or "?": e.reason for e in service.suppressed_addresses(s, limit=100)
        }


def test_maildir_hard_bounce_and_complaint(make_app: MakeApp, tmp_path: Path) -> None:
    app = make_app(MAIL_DEFAULT_SENDER="hello@fern.test")
    add_subscribers(app, ["bob@example.net", "fay@example.com", "ok@example.com"])
    [(_, bob_mid), (_, fay_mid), _] = queue_for(
        app, "bob@example.net", "fay@example.com", "ok@example.com"
    )
    box = mailbox.Maildir(tmp_path / "bounces", create=True)
    box.add(
        samples.render(
            samples.DSN,
            to=TO,
            rcpt="bob@example.net",
            mid=bob_mid,
            id="1",
            action="failed",
            status="5.1.1",
            diagnostic="550 5.1.1 user unknown",
        )
    )
    box.add(
        samples.render(samples.ARF, to=TO, rcpt="fay@example.com", mid=fay_mid, id="2")
    )
    box.add(samples.render(samples.VACATION, to=TO, rcpt="ok@example.com", id="3"))
    box.add(samples.GARBAGE)

    output = bounces(app, tmp_path / "bounces")

    assert "1 suppressed" in output
    assert "1 unsubscribed" in output
    assert "2 not a bounce" in output
    assert suppressions(app) == {
        "bob@example.net": "bounce",
        "fay@example.com": "complaint",
    }
    with app.app_context():
        s = app.extensions["loyalty"].session
        statuses = dict(s.execute(sa.select(Subscriber.email, Subscriber.status)).all())
    assert statuses == {
        "bob@example.net": "confirmed",  # the list skips it; she may fix her address
        "fay@example.com": "unsubscribed",
        "ok@example.com": "confirmed",
    }
    # Read messages are marked seen: running again changes nothing.
    assert "nothing new" in bounces(app, tmp_path / "bounces")
    # The same bounce delivered twice counts once.
    box.add(
        samples.render(
            samples.DSN,
            to=TO,
            rcpt="bob@example.net",
            mid=bob_mid,
            id="1",
            action="failed",
            status="5.1.1",
            diagnostic="550 5.1.1 user unknown",
        )
    )
    assert "1 duplicate" in bounces(app, tmp_path / "bounces")


def test_soft_bounces_suppress_after_n_in_a_row(
    make_app: MakeApp, clock: FrozenClock
) -> None:
    app = make_app(LOYALTY_BOUNCE_SOFT_LIMIT=3, LOYALTY_BOUNCE_SOFT_RESET_DAYS=10)
    sent = queue_for(app, *["full@example.com"] * 5)

    def soft(index: int) -> str:
        outbox_id, mid = sent[index]
        with app.app_context():
            state = app.extensions["loyalty"]
            [report] = parse_message(dsn("full@example.com", "5.2.2"), source="maildir")
            report = service.Report(**{**report.__dict__, "message_id": mid})
            report = service.Report(
                **{**report.__dict__, "external_id": f"bounce-{index}"}
            )
            outcome = service.apply_report(
                state.session, state.now(), report, soft_limit=3, reset_days=10
            )
            state.session.commit()
            return outcome

    assert soft(0) == "counted"
    clock.advance(days=11)  # a quiet gap: the count starts anew
    assert soft(1) == "counted"
    clock.advance(days=2)
    assert soft(2) == "counted"
    assert suppressions(app) == {}
    clock.advance(days=2)
    assert soft(3) == "suppressed"
    assert suppressions(app) == {"full@example.com": "soft_bounce"}


def test_reports_about_addresses_the_shop_never_mailed_change_nothing(
    make_app: MakeApp, tmp_path: Path
) -> None:
    app = make_app(LOYALTY_MAIL_RETURN_PATH="bounces@fern.test", LOYALTY_MAIL_VERP=True)
    [(anna_id, anna_mid)] = queue_for(app, "anna@example.com")
    box = mailbox.Maildir(tmp_path / "bounces", create=True)
    # A stranger, and a bounce naming Anna's message but another address.
    box.add(dsn("stranger@example.org", "5.1.1"))
    box.add(
        samples.render(
            samples.DSN,
            to=TO,
            rcpt="other@example.org",
            mid=anna_mid,
            id="x",
            action="failed",
            status="5.1.1",
            diagnostic="550 5.1.1",
        )
    )
    # A forged VERP address: wrong signature, so it names no message.
    forged = verp_address("bounces@fern.test", anna_id, b"guessed secret")
    box.add(
        samples.render(
            samples.DSN,
            to=forged,
            rcpt="someone@example.org",
            mid="<none@x>",
            id="y",
            action="failed",
            status="5.1.1",
            diagnostic="550",
        )
    )

    output = bounces(app, tmp_path / "bounces")

    assert "3 ignored" in output
    assert suppressions(app) == {}
    with app.app_context():
        s = app.extensions["loyalty"].session
        assert s.scalar(sa.select(sa.func.count(Suppression.id))) == 0
        assert s.scalar(sa.select(sa.func.count(MailEvent.id))) == 0


def test_a_verp_bounce_names_its_message_whatever_address_it_reports(
    make_app: MakeApp, tmp_path: Path
) -> None:
    app = make_app(LOYALTY_MAIL_RETURN_PATH="bounces@fern.test", LOYALTY_MAIL_VERP=True)
    [(anna_id, _)] = queue_for(app, "anna@example.com")
    box = mailbox.Maildir(tmp_path / "bounces", create=True)
    # Her mail was forwarded; the forwarding target bounced.
    box.add(
        samples.render(
            samples.DSN,
            to=verp_address("bounces@fern.test", anna_id, b"test secret"),
            rcpt="anna.new@example.net",
            mid="<lost@x>",
            id="z",
            action="failed",
            status="5.1.1",
            diagnostic="550 5.1.1",
        )
    )

    assert "1 suppressed" in bounces(app, tmp_path / "bounces")
    assert suppressions(app) == {"anna@example.com": "bounce"}


def test_bounces_needs_a_mailbox(make_app: MakeApp) -> None:
    result = make_app().test_cli_runner().invoke(args=["loyalty", "bounces"])
    assert result.exit_code == 1
    assert "LOYALTY_BOUNCE_MAILDIR" in result.output
    missing = (
        make_app()
        .test_cli_runner()
        .invoke(args=["loyalty", "bounces", "--maildir", "/nonexistent/box"])
    )
    assert missing.exit_code == 1
    assert "Cannot read the Maildir" in missing.output
