"""Journey steps done by real worker processes: two at once (on PostgreSQL and on
SQLite) never do a step twice, and a worker killed mid-batch (PostgreSQL) loses
nothing and repeats nothing.

Each process is ``flask loyalty run-due`` (what cron and ``flask loyalty worker``
run on every round); mail stays in the outbox, so a message there is the step done.
"""

from __future__ import annotations

import collections
import os
import signal
import subprocess
import sys
import time
import typing as t
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty.clock import system_clock
from flask_loyalty.journeys import models as jm
from flask_loyalty.journeys.editing import StepData
from flask_loyalty.journeys.editing import save_journey
from flask_loyalty.journeys.service import resume
from flask_loyalty.models import OutboxMessage
from flask_loyalty.newsletter import preferences
from tests.newsletter.scale_app import add_subscribers
from tests.newsletter.scale_app import address

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.journeys.worker_app:create_app"


def set_up(make_app: t.Callable[..., Flask], url: str, count: int) -> Flask:
    """``count`` confirmed subscribers, each at the start of a two-email journey."""
    app = make_app(
        database_url=url,
        LOYALTY_CLOCK=system_clock,
        LOYALTY_BASE_URL="https://shop.test",
        LOYALTY_NEWSLETTER_MIN_DAYS=0,
    )
    with app.app_context():
        state = app.extensions["loyalty"]
        session, now = state.session, state.now()
        topic = preferences.add_topic(session, now, "News")
        session.commit()
        add_subscribers(session, now, count, topic.id)
        journey = save_journey(
            session,
            now,
            None,
            name="Welcome",
            trigger=jm.MANUAL,
            steps=[
                StepData(subject="One", body="Dear {{ first_name or 'friend' }}"),
                StepData(subject="Two", body="Again, {{ first_name or 'friend' }}"),
            ],
        )
        resume(session, now, journey)
        session.commit()
        session.execute(
            sa.insert(jm.Enrolment),
            [
                {
                    "journey_id": journey.id,
                    "email": address(n),
                    "entry_key": address(n),
                    "active_key": address(n),
                    "status": jm.ACTIVE,
                    "entered_at": now,
                    "next_step": 0,
                    "due_at": now,
                }
                for n in range(count)
            ],
        )
        session.commit()
        state.session.remove()
    return app


def start(url: str, log: Path, batch: int) -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    env.update(
        LOYALTY_JOURNEY_TEST_DATABASE_URL=url,
        LOYALTY_JOURNEY_BATCH=str(batch),
        PYTHONUNBUFFERED="1",
    )
    with log.open("wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", APP, "loyalty", "run-due"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def finish(process: subprocess.Popen[bytes], log: Path, timeout: float = 120) -> str:
    try:
        process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        pytest.fail(f"a worker did not finish in {timeout}s:\n{log.read_text()}")
    output = log.read_text(errors="replace")
    assert process.returncode == 0, output
    return output


def journey_done(output: str) -> int:
    return sum(
        int(line.rsplit(" ", 1)[1])
        for line in output.splitlines()
        if line.startswith("Journeys: ")
    )


def mail_by_address(app: Flask) -> collections.Counter[tuple[str, str]]:
    with app.app_context():
        rows = (
            app.extensions["loyalty"]
            .session.execute(
                sa.select(OutboxMessage.to_addr, OutboxMessage.subject).where(
                    OutboxMessage.kind == "journey"
                )
            )
            .all()
        )
    return collections.Counter((to, subject) for to, subject in rows)


def step_runs(app: Flask) -> int:
    with app.app_context():
        session = app.extensions["loyalty"].session
        count = session.scalar(sa.select(sa.func.count(jm.StepRun.id)))
        session.remove()
        return int(count or 0)


def test_two_worker_processes_do_each_step_for_each_person_once(
    make_app: t.Callable[..., Flask], database_url: str, tmp_path: Path
) -> None:
    total = 1500
    app = set_up(make_app, database_url, total)
    started = time.monotonic()
    logs = [tmp_path / "a.log", tmp_path / "b.log"]
    workers = [start(database_url, log, batch=50) for log in logs]
    outputs = [finish(worker, log) for worker, log in zip(workers, logs, strict=True)]
    seconds = time.monotonic() - started
    shares = [journey_done(output) for output in outputs]
    name = sa.make_url(database_url).get_backend_name()
    print(f"\n{2 * total} steps by two processes on {name} in {seconds:.1f}s: {shares}")

    mail = mail_by_address(app)
    assert set(mail.values()) == {1}
    assert sorted(mail) == sorted(
        (address(n), subject) for n in range(total) for subject in ("One", "Two")
    )
    assert step_runs(app) == 2 * total
    assert sum(shares) == 2 * total
    if name == "postgresql":  # SQLite hands its write lock back and forth slowly
        assert all(shares), shares  # they did race
    with app.app_context():
        statuses = (
            app.extensions["loyalty"]
            .session.scalars(sa.select(jm.Enrolment.status).distinct())
            .all()
        )
    assert statuses == [jm.FINISHED]


@pytest.mark.postgres
def test_a_killed_worker_loses_no_step_and_repeats_none(
    make_app: t.Callable[..., Flask], postgres_url: str, tmp_path: Path
) -> None:
    total, batch = 3000, 25
    app = set_up(make_app, postgres_url, total)
    first = start(postgres_url, tmp_path / "first.log", batch=batch)
    try:
        deadline = time.monotonic() + 60
        while step_runs(app) < 4 * batch:
            assert time.monotonic() < deadline, (tmp_path / "first.log").read_text()
            assert first.poll() is None, (tmp_path / "first.log").read_text()
            time.sleep(0.02)
        os.kill(first.pid, signal.SIGKILL)
    finally:
        if first.poll() is None:
            first.kill()
        first.wait()
    at_kill = step_runs(app)
    assert first.returncode == -signal.SIGKILL
    assert 0 < at_kill < 2 * total  # killed in the middle
    assert len(mail_by_address(app)) == at_kill  # a step and its email, together

    second = start(postgres_url, tmp_path / "second.log", batch=batch)
    output = finish(second, tmp_path / "second.log")
    print(
        f"\nkilled after {at_kill} steps; the second worker did {journey_done(output)}"
    )
    mail = mail_by_address(app)
    assert set(mail.values()) == {1}  # none twice
    assert len(mail) == 2 * total  # none lost
    assert step_runs(app) == 2 * total
