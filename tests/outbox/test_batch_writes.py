"""A batch is claimed with one UPDATE and its sent messages marked with one more;
the bodies stay in the database; a refused message is still marked on its own."""

from __future__ import annotations

import typing as t
from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.cli import _deliver
from flask_loyalty.outbox.models import QUEUED
from flask_loyalty.outbox.models import SENT
from flask_loyalty.outbox.models import OutboxMessage
from flask_loyalty.outbox.service import deliver_due
from tests.outbox.helpers import RefusingServer
from tests.outbox.helpers import queue_to_many
from tests.outbox.helpers import smtp_app
from tests.plugins.services import serving

MakeApp = t.Callable[..., Flask]


@pytest.fixture
def server() -> t.Iterator[RefusingServer]:
    with serving(RefusingServer) as handler:
        yield handler


def statements(app: Flask) -> tuple[list[str], t.Callable[[], None]]:
    """Collect the SQL the app's engine runs until the returned ``stop`` is called."""
    seen: list[str] = []

    def record(conn: t.Any, cursor: t.Any, sql: str, *args: t.Any) -> None:
        seen.append(" ".join(sql.split()))

    engine = app.extensions["loyalty"].db.engine
    sa.event.listen(engine, "before_cursor_execute", record)
    return seen, lambda: sa.event.remove(engine, "before_cursor_execute", record)


def deliver(app: Flask, server: RefusingServer, count: int) -> tuple[list[str], int]:
    """Queue ``count`` messages to p0..pN, deliver one batch; (SQL run, sent)."""
    queue_to_many(
        app, count, text="A long plain body " * 50, html="<p>A long rich body</p>" * 50
    )
    with app.app_context():
        state = app.extensions["loyalty"]
        seen, stop = statements(app)
        try:
            report = deliver_due(
                state.session, app.extensions["mail"], state.settings.clock, limit=10
            )
        finally:
            stop()
        state.session.remove()
    assert report.claimed == count
    return seen, report.sent


def outbox(app: Flask) -> dict[str, OutboxMessage]:
    with app.app_context():
        session = app.extensions["loyalty"].session
        messages = session.scalars(sa.select(OutboxMessage)).all()
        session.expunge_all()
    return {message.to_addr: message for message in messages}


def app_for(make_app: MakeApp, server: RefusingServer, database_url: str) -> Flask:
    return smtp_app(make_app, server.host, server.port, database_url=database_url)


def test_a_batch_is_claimed_and_marked_sent_with_one_update_each(
    make_app: MakeApp, server: RefusingServer, clock: FrozenClock, database_url: str
) -> None:
    app = app_for(make_app, server, database_url)

    seen, sent = deliver(app, server, 6)

    assert sent == 6
    assert len(server.wait_for(6)) == 6
    updates = [sql for sql in seen if sql.startswith("UPDATE loyalty_outbox ")]
    assert len(updates) == 2, updates
    assert "attempts=(loyalty_outbox.attempts + " in updates[0]
    assert "sent_at=" in updates[1]
    # The claimed batch is read without its bodies: the stored MIME is what goes.
    reads = [sql for sql in seen if sql.startswith("SELECT loyalty_outbox.")]
    assert reads
    assert not [sql for sql in reads if "text_body" in sql or "html_body" in sql]
    for message in outbox(app).values():
        assert message.status == SENT
        assert message.attempts == 1
        assert message.claimed_at == clock()
        assert message.sent_at == clock()
        assert message.last_error is None


def test_a_refused_message_is_retried_alone_and_the_rest_are_sent(
    make_app: MakeApp, server: RefusingServer, clock: FrozenClock, database_url: str
) -> None:
    app = app_for(make_app, server, database_url)
    server.refuse = {"p2@example.com"}

    _seen, sent = deliver(app, server, 5)

    assert sent == 4
    assert sorted(e.rcpt_tos[0] for e in server.envelopes) == [
        f"p{n}@example.com" for n in (0, 1, 3, 4)
    ]
    messages = outbox(app)
    refused = messages.pop("p2@example.com")
    assert refused.status == QUEUED
    assert refused.attempts == 1
    assert refused.sent_at is None
    assert refused.send_after == clock() + timedelta(minutes=2)
    assert "451" in (refused.last_error or "")
    assert {m.status for m in messages.values()} == {SENT}
    assert {m.attempts for m in messages.values()} == {1}


def test_the_worker_commits_each_batch_with_the_next_claim(
    make_app: MakeApp, server: RefusingServer, clock: FrozenClock, database_url: str
) -> None:
    """25 messages in batches of 10: 3 batches, 4 commits (not 6); all sent once."""
    app = smtp_app(
        make_app,
        server.host,
        server.port,
        database_url=database_url,
        LOYALTY_WORKER_BATCH=10,
    )
    queue_to_many(app, 25)
    commits: list[int] = []
    listener = lambda conn: commits.append(1)  # noqa: E731
    with app.app_context():
        engine = app.extensions["loyalty"].db.engine
        sa.event.listen(engine, "commit", listener)
        try:
            delivered = _deliver(app.extensions["loyalty"])  # the worker's loop
        finally:
            sa.event.remove(engine, "commit", listener)
    assert delivered == 25

    assert len(server.wait_for(25)) == 25
    assert sorted(e.rcpt_tos[0] for e in server.envelopes) == sorted(
        f"p{n}@example.com" for n in range(25)
    )
    messages = outbox(app)
    assert {m.status for m in messages.values()} == {SENT}
    assert {m.attempts for m in messages.values()} == {1}
    assert len(commits) == 4, commits
