"""The worker's delivery loop: one SMTP connection for a whole run (opened again
after the server closed it, and after Flask-Mail's ``MAIL_MAX_EMAILS``), claims that
two workers cannot share, and a claim that does not sort the whole queue."""

from __future__ import annotations

import typing as t
from dataclasses import dataclass
from dataclasses import field
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.outbox import claims
from flask_loyalty.outbox.models import QUEUED
from flask_loyalty.outbox.models import SENDING
from flask_loyalty.outbox.models import SENT
from flask_loyalty.outbox.models import OutboxMessage
from flask_loyalty.outbox.worker import deliver_all
from tests.outbox.helpers import queue_to_many
from tests.outbox.helpers import smtp_app
from tests.plugins.services import SMTPServer
from tests.plugins.services import serving

MakeApp = t.Callable[..., Flask]


@dataclass
class CountingServer(SMTPServer):
    """Keeps the client port of each message (one port per connection) and answers
    ``421`` (closing) to the addresses in ``closing``."""

    ports: list[int] = field(default_factory=list)
    closing: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self,
        server: t.Any,
        session: t.Any,
        envelope: t.Any,
        address: str,
        options: t.Any,
    ) -> str:
        if address in self.closing:
            self.closing.discard(address)  # once: accepted when retried
            return "421 4.3.2 Closing the connection, try again"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: t.Any, session: t.Any, envelope: t.Any) -> str:
        self.ports.append(session.peer[1])
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def server() -> t.Iterator[CountingServer]:
    with serving(CountingServer) as handler:
        yield handler


def shop(make_app: MakeApp, server: CountingServer, url: str, **config: t.Any) -> Flask:
    return smtp_app(
        make_app,
        server.host,
        server.port,
        database_url=url,
        LOYALTY_WORKER_BATCH=10,
        **config,
    )


def statuses(app: Flask) -> dict[str, str]:
    with app.app_context():
        session = app.extensions["loyalty"].session
        rows = session.execute(sa.select(OutboxMessage.to_addr, OutboxMessage.status))
        result = {address: status for address, status in rows}
        session.remove()
    return result


def run(app: Flask) -> t.Any:
    with app.app_context():
        return deliver_all(app.extensions["loyalty"])


def test_a_run_sends_every_batch_over_one_connection(
    make_app: MakeApp, server: CountingServer, database_url: str
) -> None:
    app = shop(make_app, server, database_url)
    queue_to_many(app, 25)

    totals = run(app)

    assert (totals.sent, totals.retried, totals.failed) == (25, 0, 0)
    assert len(server.wait_for(25)) == 25
    assert totals.connections == 1
    assert len(set(server.ports)) == 1, "three batches, one connection"
    assert set(statuses(app).values()) == {SENT}


def test_after_the_server_closes_the_connection_the_rest_goes_over_a_new_one(
    make_app: MakeApp, server: CountingServer, clock: FrozenClock, database_url: str
) -> None:
    app = shop(make_app, server, database_url)
    queue_to_many(app, 12)
    server.closing = {"p3@example.com"}

    totals = run(app)

    assert (totals.sent, totals.retried) == (11, 1)
    assert totals.connections == 2
    assert len(set(server.ports)) == 2
    after = statuses(app)
    assert after.pop("p3@example.com") == QUEUED  # retried later, not lost
    assert set(after.values()) == {SENT}
    # Its retry goes out on the next run, once due.
    clock.advance(minutes=3)
    assert run(app).sent == 1
    assert statuses(app)["p3@example.com"] == SENT


def test_mail_max_emails_opens_a_new_connection_after_that_many(
    make_app: MakeApp, server: CountingServer, database_url: str
) -> None:
    app = shop(make_app, server, database_url, MAIL_MAX_EMAILS=4)
    queue_to_many(app, 10)

    totals = run(app)

    assert totals.sent == 10
    assert totals.connections == 3  # 4 + 4 + 2
    assert len(server.wait_for(10)) == 10
    assert [server.ports.count(port) for port in dict.fromkeys(server.ports)] == [
        4,
        4,
        2,
    ]


def claimed_ids(session: t.Any, now: t.Any, limit: int) -> list[int]:
    """The ids of a claim (in the session's transaction)."""
    return [m.id for m in claims.claim(session, now, limit=limit, claim_timeout=300)]


def test_two_workers_never_claim_the_same_message(
    make_app: MakeApp, clock: FrozenClock, database_url: str, monkeypatch: t.Any
) -> None:
    """Worker B read the due ids before worker A's claim was committed (on SQLite
    nothing locks them in between): B's guarded UPDATE takes none of them."""
    app = make_app(database_url=database_url)
    queue_to_many(app, 5)
    with app.app_context():
        state = app.extensions["loyalty"]
        first = claimed_ids(state.session, clock(), limit=3)
        state.session.commit()
        state.session.remove()
        assert first == sorted(first) and len(first) == 3

        everything = list(range(1, 6))
        ids = sorted(state.session.scalars(sa.select(OutboxMessage.id)))
        assert ids == everything
        due = [SimpleNamespace(id=n) for n in ids]  # all of them, as B read them
        monkeypatch.setattr(claims, "_due", lambda *args, **kwargs: due)
        second = claimed_ids(state.session, clock(), limit=5)
        state.session.commit()

        assert sorted(second) == sorted(set(ids) - set(first))
        claimed = state.session.execute(
            sa.select(OutboxMessage.id, OutboxMessage.attempts).where(
                OutboxMessage.status == SENDING
            )
        ).all()
        assert sorted(claimed) == [(n, 1) for n in ids], "each claimed once"
        state.session.remove()


def test_the_claim_reads_the_due_index_without_sorting_the_queue(
    make_app: MakeApp, sqlite_url: str, clock: FrozenClock
) -> None:
    """The old single query (an OR of queued and stale) made SQLite collect and sort
    every queued message for each batch; now each part is an index range scan."""
    app = make_app(database_url=sqlite_url)
    queue_to_many(app, 30)
    selects: list[tuple[str, t.Any]] = []

    def record(conn: t.Any, cursor: t.Any, sql: str, params: t.Any, *args: t.Any):
        if sql.lstrip().startswith("SELECT loyalty_outbox.id"):
            selects.append((sql, params))

    with app.app_context():
        state = app.extensions["loyalty"]
        engine = state.db.engine
        sa.event.listen(engine, "before_cursor_execute", record)
        try:
            claimed = claimed_ids(state.session, clock(), limit=10)
        finally:
            sa.event.remove(engine, "before_cursor_execute", record)
        state.session.commit()
        assert claimed == list(range(1, 11))
        assert len(selects) == 2  # left behind by a stopped worker; then queued
        with engine.connect() as connection:
            for sql, params in selects:
                plan = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}", params)
                details = " | ".join(row[3] for row in plan)
                assert "INDEX ix_loyalty_outbox_due" in details, details
                assert "TEMP B-TREE" not in details, details
        state.session.remove()
