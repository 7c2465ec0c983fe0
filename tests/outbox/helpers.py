"""Apps that deliver to a test SMTP server, and queued mail, for the outbox tests."""

from __future__ import annotations

import threading
import typing as t
from dataclasses import dataclass
from dataclasses import field

from flask import Flask

from flask_loyalty.outbox.models import OutboxMessage
from flask_loyalty.outbox.queueing import queue_mail
from flask_loyalty.outbox.service import deliver_due
from flask_loyalty.outbox.worker import Totals
from tests.plugins.services import SMTPServer

MakeApp = t.Callable[..., Flask]


def smtp_app(make_app: MakeApp, host: str, port: int, **config: t.Any) -> Flask:
    """An app that delivers its outbox to the SMTP server at host:port."""
    return make_app(
        LOYALTY_MAIL_DELIVERY="smtp",
        MAIL_SERVER=host,
        MAIL_PORT=port,
        MAIL_SUPPRESS_SEND=False,
        MAIL_USE_TLS=False,
        MAIL_USE_SSL=False,
        **config,
    )


def queue_to_many(app: Flask, count: int, **fields: t.Any) -> None:
    """Queue one campaign message each to p0@example.com ... and commit."""
    with app.app_context():
        state = app.extensions["loyalty"]
        for n in range(count):
            values: dict[str, t.Any] = {"text": "Plain", **fields}
            queue_mail(
                state.session,
                state.now(),
                kind="campaign",
                to=f"p{n}@example.com",
                subject=f"Message {n}",
                **values,
            )
        state.session.commit()
        state.session.remove()


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
    """The stored message, detached from the session so it can be read after."""
    with app.app_context():
        state = app.extensions["loyalty"]
        message = state.session.get(OutboxMessage, message_id)
        assert message is not None
        state.session.expunge(message)
        return t.cast(OutboxMessage, message)


def status_of(app: Flask, message_id: int) -> tuple[str, int]:
    """The stored message's status and how many attempts it has had."""
    message = load(app, message_id)
    return message.status, message.attempts


@dataclass
class RefusingServer(SMTPServer):
    """Answers ``451`` (try again later) to the addresses in ``refuse``."""

    refuse: set[str] = field(default_factory=set)

    async def handle_RCPT(
        self,
        server: t.Any,
        session: t.Any,
        envelope: t.Any,
        address: str,
        options: t.Any,
    ) -> str:
        if address in self.refuse:
            return "451 4.3.0 Try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"


def deliver_side_by_side(apps: list[Flask]) -> list[Totals]:
    """Let each app (one worker each, same database) call ``deliver_due`` batch
    after batch from its own thread, started together, until none is left; return
    what each one did. An error in a thread fails the test."""
    start = threading.Barrier(len(apps))
    totals = [Totals() for _ in apps]
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
                    totals[index].sent += report.sent
                    totals[index].retried += report.retried
                    totals[index].failed += report.failed
                    if not report.claimed:
                        break
        except BaseException as error:  # noqa: BLE001 - re-raised in the test thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(apps))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    assert not any(thread.is_alive() for thread in threads)
    return totals
