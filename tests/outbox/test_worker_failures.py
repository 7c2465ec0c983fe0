"""A job that fails in the worker is logged, rolled back and tried again after a
back-off, and never stops the worker or the other jobs (issue 19, point 4)."""

from __future__ import annotations

import logging
import typing as t

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty.cli import FIRST_WAIT
from flask_loyalty.cli import LONGEST_WAIT
from flask_loyalty.cli import SENDING
from flask_loyalty.cli import Failures
from flask_loyalty.cli import _worker_round
from flask_loyalty.models import Customer
from flask_loyalty.state import DueTask

MakeApp = t.Callable[..., Flask]


class Flaky:
    """A due task that writes a customer, then fails its first ``fails`` runs."""

    def __init__(self, fails: int) -> None:
        self.fails = fails
        self.runs = 0

    def __call__(self, state: t.Any, progress: t.Any) -> int:
        self.runs += 1
        state.session.add(
            Customer(email=f"half-{self.runs}@example.com", created_at=state.now())
        )
        state.session.flush()
        if self.runs <= self.fails:
            raise RuntimeError("the catalogue service is down")
        state.session.commit()
        return 1


@pytest.fixture
def app(make_app: MakeApp) -> Flask:
    return make_app()


def customers(app: Flask) -> list[str]:
    with app.app_context():
        session = app.extensions["loyalty"].session
        return sorted(session.scalars(sa.select(Customer.email)))


def add_tasks(app: Flask, *tasks: DueTask) -> None:
    state = app.extensions["loyalty"]
    state.due_tasks[:0] = list(tasks)  # first, before the built-in ones


def test_a_failing_job_is_logged_backs_off_and_the_others_go_on(
    app: Flask, caplog: pytest.LogCaptureFixture
) -> None:
    flaky = Flaky(fails=3)
    steady = []
    add_tasks(
        app,
        DueTask("Flaky", flaky),
        DueTask("Steady", lambda state, progress: steady.append(1) or 0),
    )
    failures = Failures()
    state = app.extensions["loyalty"]
    timeline = []
    with app.app_context(), caplog.at_level(logging.ERROR, "flask_loyalty.worker"):
        for now in (0, 30, 60, 90, 180, 300, 419, 420):
            failed = _worker_round(state, False, failures, float(now))
            timeline.append((now, flaky.runs, failed))
    # Tried at 0, then after 1, 2 and 4 minutes; the last try works.
    assert timeline == [
        (0, 1, ["Flaky"]),
        (30, 1, []),
        (60, 2, ["Flaky"]),
        (90, 2, []),
        (180, 3, ["Flaky"]),
        (300, 3, []),
        (419, 3, []),
        (420, 4, []),
    ]
    assert len(steady) == 8  # every round, whatever the other job did
    # Nothing a failed run wrote stays: only the run that worked committed.
    assert customers(app) == ["half-4@example.com"]
    errors = [r for r in caplog.records if r.name == "flask_loyalty.worker"]
    assert len(errors) == 3 and errors[0].exc_info is not None
    assert "Flaky failed (1 in a row); next try in 60 seconds" in errors[0].message
    assert failures.streak == {}


def test_the_wait_doubles_up_to_an_hour() -> None:
    failures = Failures()
    waits = [failures.failed("Job", 0.0, RuntimeError("down")) for _ in range(9)]
    assert waits == [60, 120, 240, 480, 960, 1920, 3600, 3600, 3600]
    assert FIRST_WAIT == 60 and LONGEST_WAIT == 3600


def test_delivery_that_fails_backs_off_too(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    from flask_loyalty import cli

    calls = []

    def broken(state: t.Any) -> int:
        calls.append(1)
        raise OSError("database connection lost")

    monkeypatch.setattr(cli, "_deliver", broken)
    failures = Failures()
    state = app.extensions["loyalty"]
    with app.app_context():
        assert SENDING in _worker_round(state, True, failures, 0.0)
        assert _worker_round(state, True, failures, 10.0) == []
    assert len(calls) == 1


@pytest.mark.parametrize(
    "command",
    [["loyalty", "worker", "--once"], ["loyalty", "run-due"], ["loyalty", "send"]],
)
def test_a_one_off_run_reports_a_failure_after_doing_the_rest(
    app: Flask, command: list[str]
) -> None:
    """Under cron, exit status 1 tells the scheduler; the other jobs ran."""
    later = []
    add_tasks(
        app,
        DueTask("Broken", Flaky(fails=1)),
        DueTask("Later", lambda state, progress: later.append(1) or 0),
    )
    result = app.test_cli_runner().invoke(args=command)
    assert result.exit_code == 1
    assert "Broken: failed (RuntimeError: the catalogue service is down)" in (
        result.output
    )
    assert "failed: Broken (the log has the traceback)" in result.output
    assert later == [1]
    assert customers(app) == []
    again = app.test_cli_runner().invoke(args=command)
    assert again.exit_code == 0, again.output  # its second run works
    assert customers(app) == ["half-2@example.com"]
