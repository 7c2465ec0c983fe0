"""The outbox delivers through a real SMTP server: once, retried, across workers."""

from __future__ import annotations

import re
import threading
import typing as t
from datetime import timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from flask_loyalty import FrozenClock
from flask_loyalty.outbox.models import FAILED
from flask_loyalty.outbox.models import QUEUED
from flask_loyalty.outbox.models import SENDING
from flask_loyalty.outbox.models import SENT
from flask_loyalty.outbox.models import OutboxContent
from flask_loyalty.outbox.models import OutboxMessage
from flask_loyalty.outbox.service import deliver_due
from flask_loyalty.outbox.service import queue_mail
from tests.outbox.helpers import smtp_app
from tests.plugins.services import SMTPServer
from tests.plugins.services import free_port

MakeApp = t.Callable[..., Flask]


def queue(app: Flask, count: int = 1, **fields: t.Any) -> list[int]:
    """Queue ``count`` messages (subjects numbered) and commit; return their ids."""
    with app.app_context():
        state = app.extensions["loyalty"]
        messages = []
        for n in range(count):
            values: dict[str, t.Any] = {
                "kind": "test",
                "to": "anna@example.com",
                "subject": f"Message {n:04d}",
                "text": f"Plain text {n}",
            }
            values.update(fields)
            messages.append(queue_mail(state.session, state.now(), **values))
        state.session.commit()
        return [message.id for message in messages]


def run_worker(app: Flask) -> str:
    """``flask loyalty worker --once``; return its output."""
    result = app.test_cli_runner().invoke(args=["loyalty", "worker", "--once"])
    assert result.exit_code == 0, result.output
    return result.output


def load(app: Flask, message_id: int) -> OutboxMessage:
    with app.app_context():
        state = app.extensions["loyalty"]
        message = state.session.get(OutboxMessage, message_id)
        assert message is not None
        state.session.expunge(message)
        return t.cast(OutboxMessage, message)


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


def test_worker_with_nothing_due_sends_nothing(
    make_app: MakeApp, smtp_server: SMTPServer, clock: FrozenClock
) -> None:
    app = smtp_app(make_app, smtp_server.host, smtp_server.port)
    [message_id] = queue(app, send_after=clock() + timedelta(hours=1))

    run_worker(app)
    assert smtp_server.messages == []
    message = load(app, message_id)
    assert (message.status, message.attempts) == (QUEUED, 0)

    clock.advance(hours=1)
    run_worker(app)
    assert len(smtp_server.wait_for(1)) == 1
    assert load(app, message_id).status == SENT


def test_server_down_backs_off_then_fails(
    make_app: MakeApp, clock: FrozenClock
) -> None:
    app = smtp_app(make_app, "127.0.0.1", free_port(), LOYALTY_MAIL_MAX_ATTEMPTS=3)
    [message_id] = queue(app)
    start = clock()

    output = run_worker(app)
    # It says nothing went out (whatever else it says).
    assert "delivered 1" not in output.lower() and "sent 1" not in output
    message = load(app, message_id)
    assert message.status == QUEUED
    assert message.attempts == 1
    assert message.send_after == start + timedelta(minutes=2)
    assert message.last_error and "Connection" in message.last_error

    # Not due yet: the worker leaves it alone.
    clock.advance(minutes=1)
    run_worker(app)
    assert load(app, message_id).attempts == 1

    clock.advance(minutes=1)
    run_worker(app)
    message = load(app, message_id)
    assert (message.status, message.attempts) == (QUEUED, 2)
    assert message.send_after == clock() + timedelta(minutes=4)

    clock.advance(minutes=4)
    run_worker(app)
    message = load(app, message_id)
    assert (message.status, message.attempts) == (FAILED, 3)
    assert message.last_error

    clock.advance(days=1)
    run_worker(app)
    message = load(app, message_id)
    assert (message.status, message.attempts) == (FAILED, 3)


def test_message_of_a_dead_worker_is_sent_after_the_claim_timeout(
    make_app: MakeApp, smtp_server: SMTPServer, clock: FrozenClock
) -> None:
    app = smtp_app(
        make_app, smtp_server.host, smtp_server.port, LOYALTY_MAIL_CLAIM_TIMEOUT=300
    )
    [message_id] = queue(app, subject="Orphaned")
    with app.app_context():
        state = app.extensions["loyalty"]
        message = state.session.get(OutboxMessage, message_id)
        message.status = SENDING
        message.claimed_at = clock()
        message.attempts = 1
        state.session.commit()

    clock.advance(seconds=299)
    run_worker(app)
    assert smtp_server.messages == []
    message = load(app, message_id)
    assert (message.status, message.attempts) == (SENDING, 1)

    clock.advance(seconds=2)
    run_worker(app)
    [received] = smtp_server.wait_for(1)
    assert received["Subject"] == "Orphaned"
    message = load(app, message_id)
    assert (message.status, message.attempts) == (SENT, 2)


def test_worker_in_hold_mode_keeps_mail_in_the_outbox(
    make_app: MakeApp, smtp_server: SMTPServer
) -> None:
    app = make_app(
        LOYALTY_MAIL_DELIVERY="hold",
        MAIL_SERVER=smtp_server.host,
        MAIL_PORT=smtp_server.port,
        MAIL_SUPPRESS_SEND=False,
    )
    [message_id] = queue(app)

    assert "'hold'" in run_worker(app)
    assert smtp_server.messages == []
    assert load(app, message_id).status == QUEUED


@pytest.mark.postgres
@pytest.mark.slow
def test_two_workers_on_postgres_send_each_message_once(
    make_app: MakeApp, postgres_url: str, smtp_server: SMTPServer
) -> None:
    total = 200
    # Two apps on one database: two machines, each with its own engine and session.
    apps = [
        smtp_app(
            make_app,
            smtp_server.host,
            smtp_server.port,
            database_url=postgres_url,
            LOYALTY_WORKER_BATCH=7,
        )
        for _ in range(2)
    ]
    queue(apps[0], total)
    start = threading.Barrier(2)
    sent_by: list[int] = [0, 0]
    errors: list[BaseException] = []

    def work(index: int) -> None:
        app = apps[index]
        try:
            with app.app_context():
                state = app.extensions["loyalty"]
                start.wait(timeout=10)
                while True:
                    report = deliver_due(
                        state.session,
                        app.extensions["mail"],
                        state.settings.clock,
                        limit=state.settings.worker_batch,
                    )
                    state.session.remove()
                    assert report.retried == report.failed == 0
                    sent_by[index] += report.sent
                    if not report.claimed:
                        break
        except BaseException as error:  # noqa: BLE001 - re-raised in the test thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)

    received = smtp_server.wait_for(total)
    subjects = [message["Subject"] for message in received]
    message_ids = [message["Message-ID"] for message in received]
    assert len(received) == total
    assert sorted(subjects) == [f"Message {n:04d}" for n in range(total)]
    assert len(set(message_ids)) == total
    assert sum(sent_by) == total
    # Both workers took part (a batch of 7 leaves plenty for the second one).
    assert all(sent_by), sent_by
    with apps[0].app_context():
        session = apps[0].extensions["loyalty"].session
        statuses = dict(
            session.execute(
                sa.select(OutboxMessage.status, sa.func.count()).group_by(
                    OutboxMessage.status
                )
            ).all()
        )
        assert statuses == {SENT: total}
        assert session.scalar(sa.select(sa.func.max(OutboxMessage.attempts))) == 1


# -- the sign-in link, end to end -------------------------------------------------

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


def ask_for_link(client: FlaskClient, email: str) -> t.Any:
    form = client.get("/loyalty/")
    assert form.status_code == 200
    match = CSRF.search(form.get_data(as_text=True))
    assert match, "the sign-in form has no CSRF token"
    return client.post(
        "/loyalty/sign-in", data={"email": email, "csrf_token": match.group(1)}
    )


def test_sign_in_link_arrives_by_smtp_and_signs_in(
    make_app: MakeApp, smtp_server: SMTPServer
) -> None:
    app = smtp_app(make_app, smtp_server.host, smtp_server.port)
    loyalty = app.extensions["loyalty"].extension
    with app.app_context():
        loyalty.record_order(
            "A-1001", email="Anna.Tamm@Example.com", name="Anna Tamm", total=Decimal(42)
        )
    client = app.test_client()

    known = ask_for_link(client, "anna.tamm@example.com")
    unknown = ask_for_link(client, "nobody@example.com")

    assert known.status_code == unknown.status_code == 302
    assert known.headers["Location"] == unknown.headers["Location"]
    assert client.get(known.headers["Location"]).status_code == 200
    run_worker(app)
    [received] = smtp_server.wait_for(1)
    assert [e.rcpt_tos for e in smtp_server.envelopes] == [["anna.tamm@example.com"]]
    assert "sign-in link" in received["Subject"]
    text = received.get_body(preferencelist=("plain",))
    assert text is not None
    body = text.get_content()
    assert "Dear Anna," in body
    links = re.findall(r"https?://\S+/loyalty/sign-in/\S+", body)
    assert len(links) == 1

    # Before following it she is a visitor; after it, the account shows her order.
    assert "A-1001" not in client.get("/loyalty/").get_data(as_text=True)
    entered = client.get(links[0])
    assert entered.status_code == 302
    account = client.get(entered.headers["Location"])
    page = account.get_data(as_text=True)
    assert account.status_code == 200
    assert "A-1001" in page
    assert "Hello, Anna" in page

    # Nothing else was queued: the unknown address got no email.
    run_worker(app)
    assert len(smtp_server.messages) == 1
    with app.app_context():
        session = app.extensions["loyalty"].session
        assert session.scalars(sa.select(OutboxMessage.to_addr)).all() == [
            "anna.tamm@example.com"
        ]


@pytest.mark.browser
def test_sign_in_link_in_the_browser(
    make_app: MakeApp,
    smtp_server: SMTPServer,
    live_server: t.Callable[[Flask], str],
    page: t.Any,
) -> None:
    # No SERVER_NAME: the link in the email points at the server she used.
    app = smtp_app(make_app, smtp_server.host, smtp_server.port, SERVER_NAME=None)
    with app.app_context():
        app.extensions["loyalty"].extension.record_order(
            "A-2002", email="bea@example.com", name="Bea Kask", total=Decimal("18.50")
        )
    base_url = live_server(app)

    page.goto(f"{base_url}/loyalty/")
    page.get_by_label("Email address").fill("bea@example.com")
    page.get_by_role("button", name="Email me a sign-in link").click()
    page.get_by_role("heading", name="Check your inbox").wait_for()

    run_worker(app)
    [received] = smtp_server.wait_for(1)
    html = received.get_body(preferencelist=("html",))
    assert html is not None
    [link] = re.findall(r'href="([^"]+/loyalty/sign-in/[^"]+)"', html.get_content())
    assert link.startswith(f"{base_url}/loyalty/sign-in/")

    page.goto(link)
    page.get_by_role("heading", name="Hello, Bea").wait_for()
    assert page.url == f"{base_url}/loyalty/"
    assert "A-2002" in page.locator("table").inner_text()
