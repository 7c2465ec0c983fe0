"""What reaches the SMTP server: envelope, headers and both bodies, non-ASCII names
and subjects, and messages queued before their MIME was stored."""

from __future__ import annotations

import sqlalchemy as sa

from flask_loyalty import FrozenClock
from flask_loyalty.outbox.models import SENT
from flask_loyalty.outbox.models import OutboxContent
from flask_loyalty.outbox.models import OutboxMessage
from tests.outbox.helpers import MakeApp
from tests.outbox.helpers import load
from tests.outbox.helpers import queue
from tests.outbox.helpers import run_worker
from tests.outbox.helpers import smtp_app
from tests.plugins.services import SMTPServer


def test_worker_delivers_a_queued_message(
    make_app: MakeApp, smtp_server: SMTPServer, clock: FrozenClock
) -> None:
    app = smtp_app(make_app, smtp_server.host, smtp_server.port)
    [message_id] = queue(
        app,
        to="anna@example.com",
        subject="Your 20% code, Anna",
        text="Dear Anna,\nyour code is THANKS20.\n",
        html="<p>Dear Anna,</p><p>your code is <b>THANKS20</b>.</p>",
        headers={
            "List-Unsubscribe": "<https://shop.test/u/abc>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
        },
    )

    run_worker(app)

    [received] = smtp_server.wait_for(1)
    [envelope] = smtp_server.envelopes
    assert envelope.mail_from == "shop@example.com"
    assert envelope.rcpt_tos == ["anna@example.com"]
    assert received["Subject"] == "Your 20% code, Anna"
    assert received["To"] == "anna@example.com"
    assert received["From"] == "shop@example.com"
    assert received["Message-ID"]
    assert received["List-Unsubscribe"] == "<https://shop.test/u/abc>"
    assert received["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = received.get_body(preferencelist=("plain",))
    html = received.get_body(preferencelist=("html",))
    assert text is not None and html is not None
    assert text.get_content() == "Dear Anna,\nyour code is THANKS20.\n"
    assert "<b>THANKS20</b>" in html.get_content()

    stored = load(app, message_id)
    assert stored.status == SENT
    assert stored.sent_at == clock()
    assert stored.attempts == 1
    assert stored.last_error is None


def test_non_ascii_names_and_subjects_arrive_intact(
    make_app: MakeApp, smtp_server: SMTPServer
) -> None:
    app = smtp_app(
        make_app,
        smtp_server.host,
        smtp_server.port,
        LOYALTY_MAIL_SENDER=("Κεραμική Ελένη", "shop@example.com"),
    )
    queue(app, subject="Köszönjük, Éva! Ваш код", text="Szép napot, Éva!\n" * 80)

    run_worker(app)

    [received] = smtp_server.wait_for(1)
    assert received["Subject"] == "Köszönjük, Éva! Ваш код"
    assert received["From"].addresses[0].display_name == "Κεραμική Ελένη"
    assert received.get_content() == "Szép napot, Éva!\n" * 80


def test_a_message_queued_before_mime_was_stored_is_built_when_sent(
    make_app: MakeApp, smtp_server: SMTPServer
) -> None:
    """Rows from before migration 0003 have no stored MIME; delivery writes it."""
    app = smtp_app(make_app, smtp_server.host, smtp_server.port)
    [message_id] = queue(app, subject="Older message", text="Still sent.\n")
    with app.app_context():
        state = app.extensions["loyalty"]
        state.session.execute(sa.update(OutboxMessage).values(message_id=""))
        state.session.execute(sa.update(OutboxContent).values(raw=b""))
        state.session.commit()

    run_worker(app)

    [received] = smtp_server.wait_for(1)
    assert received["Subject"] == "Older message"
    assert received.get_content() == "Still sent.\n"
    stored = load(app, message_id)
    assert stored.status == SENT
    assert stored.message_id == received["Message-ID"]
