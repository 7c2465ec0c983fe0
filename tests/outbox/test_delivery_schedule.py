"""When the worker sends: not before a message is due, with back-off while the
server is down, after a dead worker's claim times out, not at all in hold mode, and
once each when two workers share a PostgreSQL database."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from flask_loyalty import FrozenClock
from flask_loyalty.outbox.models import FAILED
from flask_loyalty.outbox.models import QUEUED
from flask_loyalty.outbox.models import SENDING
from flask_loyalty.outbox.models import SENT
from flask_loyalty.outbox.models import OutboxMessage
from tests.outbox.helpers import MakeApp
from tests.outbox.helpers import deliver_side_by_side
from tests.outbox.helpers import load
from tests.outbox.helpers import queue
from tests.outbox.helpers import run_worker
from tests.outbox.helpers import smtp_app
from tests.outbox.helpers import status_of
from tests.plugins.services import SMTPServer
from tests.plugins.services import free_port


def test_worker_with_nothing_due_sends_nothing(
    make_app: MakeApp, smtp_server: SMTPServer, clock: FrozenClock
) -> None:
    app = smtp_app(make_app, smtp_server.host, smtp_server.port)
    [message_id] = queue(app, send_after=clock() + timedelta(hours=1))

    run_worker(app)
    assert smtp_server.messages == []
    assert status_of(app, message_id) == (QUEUED, 0)

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
    assert status_of(app, message_id) == (FAILED, 3)


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
    assert status_of(app, message_id) == (SENDING, 1)

    clock.advance(seconds=2)
    run_worker(app)
    [received] = smtp_server.wait_for(1)
    assert received["Subject"] == "Orphaned"
    assert status_of(app, message_id) == (SENT, 2)


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
    totals = deliver_side_by_side(apps)
    assert all(total.retried == total.failed == 0 for total in totals)
    sent_by = [total.sent for total in totals]

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
