"""A claim hands delivery plain values (:class:`~flask_loyalty.outbox.claims.Claimed`)
read by the claim's own ``UPDATE ... RETURNING``, and the stored MIME; databases
without ``RETURNING`` read them back, keeping only what this worker claimed."""

from __future__ import annotations

import typing as t
from datetime import timedelta
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.outbox import claims
from flask_loyalty.outbox.models import QUEUED
from flask_loyalty.outbox.models import SENDING
from flask_loyalty.outbox.models import SUPPRESSED
from flask_loyalty.outbox.models import OutboxContent
from flask_loyalty.outbox.models import OutboxMessage
from flask_loyalty.outbox.queueing import forget_recipient
from flask_loyalty.outbox.queueing import queue_mail
from flask_loyalty.outbox.service import deliver_due
from tests.outbox.helpers import RefusingServer
from tests.outbox.helpers import queue_to_many
from tests.outbox.helpers import smtp_app
from tests.plugins.services import serving

MakeApp = t.Callable[..., Flask]


def _claim(app: Flask, clock: FrozenClock, limit: int) -> list[claims.Claimed]:
    state = app.extensions["loyalty"]
    claimed = claims.claim(state.session, clock(), limit=limit, claim_timeout=300)
    state.session.commit()
    return claimed


def test_a_claim_returns_what_delivery_reads_in_due_order(
    make_app: MakeApp, clock: FrozenClock, database_url: str
) -> None:
    app = make_app(database_url=database_url)
    with app.app_context():
        state = app.extensions["loyalty"]
        for n, minutes_ago in enumerate((5, 30, 10)):
            queue_mail(
                state.session,
                clock(),
                kind="campaign",
                to=f"Reader{n}@Example.COM",
                subject=f"Message {n}",
                text="Plain",
                headers={"List-Unsubscribe": f"<https://shop.test/u/{n}>"},
                send_after=clock() - timedelta(minutes=minutes_ago),
            )
        state.session.commit()
        stored = dict(
            state.session.execute(
                sa.select(OutboxContent.outbox_id, OutboxContent.raw)
            ).all()
        )
        state.session.remove()

        first = _claim(app, clock, 2)
        second = _claim(app, clock, 2)
        third = _claim(app, clock, 2)

        assert [message.id for message in first] == [2, 3]  # longest due first
        assert [message.id for message in second] == [1]
        assert third == []
        message = first[0]
        assert message == claims.Claimed(
            id=2,
            kind="campaign",
            to_addr="Reader1@Example.COM",
            to_domain="example.com",
            headers={"List-Unsubscribe": "<https://shop.test/u/1>"},
            attempts=1,  # this attempt counted
            raw=stored[2],
        )
        assert b"Subject: Message 1" in (message.raw or b"")
        rows = state.session.execute(
            sa.select(
                OutboxMessage.status, OutboxMessage.claimed_at, OutboxMessage.attempts
            )
        ).all()
        assert rows == [(SENDING, clock(), 1)] * 3
        state.session.remove()


@pytest.mark.parametrize("race", [False, True], ids=["alone", "after-another"])
def test_without_returning_the_claim_reads_back_only_its_own(
    make_app: MakeApp,
    clock: FrozenClock,
    database_url: str,
    monkeypatch: t.Any,
    race: bool,
) -> None:
    """MySQL has no ``UPDATE ... RETURNING``: the claimed rows are read back; when
    another worker took some between the SELECT and the UPDATE (``race``), only
    the rows this claim changed."""
    app = make_app(database_url=database_url)
    queue_to_many(app, 5)
    with app.app_context():
        state = app.extensions["loyalty"]
        monkeypatch.setattr(state.db.engine.dialect, "update_returning", False)
        taken: list[int] = []
        if race:
            taken = [message.id for message in _claim(app, clock, 2)]
            state.session.remove()
            clock.advance(seconds=0.001)  # the other worker's claim time differs
            due = [SimpleNamespace(id=n) for n in range(1, 6)]  # read before that
            monkeypatch.setattr(claims, "_due", lambda *args, **kwargs: due)

        claimed = _claim(app, clock, 5)

        assert taken == ([1, 2] if race else [])
        expected = [3, 4, 5] if race else [1, 2, 3, 4, 5]
        assert [message.id for message in claimed] == expected
        assert all(message.attempts == 1 for message in claimed)
        assert all(
            message.raw and b"Subject: Message" in message.raw for message in claimed
        )
        attempts = state.session.scalars(sa.select(OutboxMessage.attempts)).all()
        assert attempts == [1] * 5, "each claimed once"
        state.session.remove()


def test_mail_erased_while_with_the_server_is_not_queued_again(
    make_app: MakeApp, clock: FrozenClock, database_url: str
) -> None:
    """Her data was erased after the worker claimed her message and before the
    server answered "try later": the message stays suppressed (blank, to her
    pseudonym), not queued again for another try."""
    with serving(RefusingServer, refuse={"p0@example.com", "p1@example.com"}) as server:
        app = smtp_app(make_app, server.host, server.port, database_url=database_url)
        queue_to_many(app, 2)
        with app.app_context():
            state = app.extensions["loyalty"]
            claimed = claims.claim_due(
                state.session, clock(), limit=2, claim_timeout=300
            )
            forget_recipient(state.session, "p0@example.com", "erased-0123456789ab")
            state.session.commit()

            report = deliver_due(
                state.session, app.extensions["mail"], clock, claimed=claimed
            )

            assert (report.retried, report.sent) == (2, 0)  # both refused for now
            rows = state.session.execute(
                sa.select(
                    OutboxMessage.to_addr,
                    OutboxMessage.status,
                    OutboxMessage.last_error,
                ).order_by(OutboxMessage.id)
            ).all()
            assert rows[0] == (
                "erased-0123456789ab",
                SUPPRESSED,
                "Not sent: the address was erased.",
            )
            assert rows[1][:2] == ("p1@example.com", QUEUED)
            assert "451" in (rows[1][2] or "")
            state.session.remove()
