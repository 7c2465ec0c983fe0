"""The sending pace: so many a minute, so many a minute to one domain, and the rest
goes in the next minutes in its order."""

from __future__ import annotations

import threading

import pytest
from flask import Flask

from flask_loyalty import FrozenClock
from flask_loyalty.outbox.queueing import queue_mail
from flask_loyalty.outbox.service import deliver_due

from .conftest import MakeApp
from .conftest import RawSMTPServer
from .conftest import run_worker
from .conftest import smtp_app


def queue(app: Flask, addresses: list[str]) -> None:
    with app.app_context():
        state = app.extensions["loyalty"]
        for n, address in enumerate(addresses):
            queue_mail(
                state.session,
                state.now(),
                kind="campaign",
                to=address,
                subject=f"Message {n:02d}",
                text="Hello",
            )
        state.session.commit()


def subjects(smtp: RawSMTPServer) -> list[str]:
    return [m["Subject"] for m in smtp.messages]


def test_per_minute_limit_resumes_in_order(
    make_app: MakeApp, smtp: RawSMTPServer, clock: FrozenClock
) -> None:
    app = smtp_app(make_app, smtp, LOYALTY_MAIL_PER_MINUTE=5)
    queue(app, [f"p{n}@example{n % 3}.com" for n in range(12)])

    run_worker(app)
    assert subjects(smtp) == [f"Message {n:02d}" for n in range(5)]
    run_worker(app)  # the same minute: nothing more
    assert len(smtp.messages) == 5
    clock.advance(seconds=61)
    run_worker(app)
    clock.advance(seconds=61)
    run_worker(app)

    assert subjects(smtp) == [f"Message {n:02d}" for n in range(12)]


def test_per_domain_limit_lets_other_domains_through(
    make_app: MakeApp, smtp: RawSMTPServer, clock: FrozenClock
) -> None:
    app = smtp_app(
        make_app,
        smtp,
        LOYALTY_MAIL_PER_DOMAIN_PER_MINUTE={"gmail.test": 3, "*": 1},
    )
    queue(
        app, [f"g{n}@Gmail.test" for n in range(7)] + ["a@other.test", "b@other.test"]
    )

    with app.app_context():
        state = app.extensions["loyalty"]
        report = deliver_due(
            state.session, app.extensions["mail"], state.settings.clock, limit=50
        )
        assert (report.sent, report.paced) == (4, True)
    assert subjects(smtp) == ["Message 00", "Message 01", "Message 02", "Message 07"]
    clock.advance(seconds=61)
    run_worker(app)
    assert subjects(smtp)[4:] == [
        "Message 03",
        "Message 04",
        "Message 05",
        "Message 08",
    ]
    clock.advance(seconds=61)
    run_worker(app)
    assert subjects(smtp)[8:] == ["Message 06"]


@pytest.mark.parametrize("value", [0, -1, "10", {"gmail.com": 0}, {"gmail.com": 1.5}])
def test_a_bad_limit_fails_at_setup(make_app: MakeApp, value: object) -> None:
    with pytest.raises(RuntimeError, match="whole numbers above 0"):
        make_app(LOYALTY_MAIL_PER_DOMAIN_PER_MINUTE=value)


@pytest.mark.slow
def test_two_workers_keep_one_pace_on_postgres(
    make_app: MakeApp, smtp: RawSMTPServer, postgres_url: str, clock: FrozenClock
) -> None:
    apps = [
        smtp_app(
            make_app,
            smtp,
            database_url=postgres_url,
            LOYALTY_MAIL_PER_MINUTE=10,
            LOYALTY_WORKER_BATCH=3,
        )
        for _ in range(2)
    ]
    queue(apps[0], [f"p{n:02d}@example.com" for n in range(30)])
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def work(app: Flask) -> None:
        try:
            with app.app_context():
                state = app.extensions["loyalty"]
                start.wait(timeout=10)
                for _ in range(20):
                    deliver_due(
                        state.session,
                        app.extensions["mail"],
                        state.settings.clock,
                        limit=state.settings.worker_batch,
                    )
                    state.session.remove()
        except BaseException as error:  # noqa: BLE001 - re-raised in the test thread
            errors.append(error)

    threads = [threading.Thread(target=work, args=(app,)) for app in apps]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors

    assert subjects(smtp) and sorted(subjects(smtp)) == [
        f"Message {n:02d}" for n in range(10)
    ]
