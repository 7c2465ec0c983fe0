"""``flask loyalty ...``: database migrations and the mail worker."""

from __future__ import annotations

import logging
import time
import typing as t
from dataclasses import dataclass
from dataclasses import field

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

import flask_loyalty.migrations as migrations

from .deliverability.cli import register_commands
from .outbox.models import QUEUED
from .outbox.models import OutboxMessage
from .outbox.worker import deliver_all

log = logging.getLogger("flask_loyalty.worker")

FIRST_WAIT = 60.0
"""Seconds a job that failed waits before its next try; doubled after each failure
in a row, up to :data:`LONGEST_WAIT`."""
LONGEST_WAIT = 3600.0
SENDING = "Sending mail"


@dataclass
class Failures:
    """The worker's jobs that failed: how often in a row, and when each may run
    again. A job that fails is logged with its traceback and skipped until then;
    the others go on, and the worker never stops for it."""

    streak: dict[str, int] = field(default_factory=dict)
    next_try: dict[str, float] = field(default_factory=dict)

    def due(self, name: str, now: float) -> bool:
        return now >= self.next_try.get(name, now)

    def failed(self, name: str, now: float, error: BaseException) -> float:
        count = self.streak[name] = self.streak.get(name, 0) + 1
        wait = min(FIRST_WAIT * 2 ** (count - 1), LONGEST_WAIT)
        self.next_try[name] = now + wait
        log.error(
            "%s failed (%d in a row); next try in %d seconds",
            name,
            count,
            wait,
            exc_info=error,
        )
        click.echo(
            f"{name}: failed ({type(error).__name__}: {error}); "
            f"next try in {wait:.0f} s",
            err=True,
        )
        return wait

    def succeeded(self, name: str) -> None:
        if self.streak.pop(name, None):
            log.info("%s works again", name)
        self.next_try.pop(name, None)


def _state():  # type: ignore[no-untyped-def]
    return current_app.extensions["loyalty"]


@click.group("loyalty")
def loyalty_cli() -> None:
    """flask-loyalty: database and mail."""


@loyalty_cli.group("db")
def db_cli() -> None:
    """The extension's own tables (loyalty_*)."""


@db_cli.command("upgrade")
@click.argument("revision", default="head")
@with_appcontext
def db_upgrade(revision: str) -> None:
    """Create or migrate the loyalty tables up to REVISION (default: newest)."""
    engine = _state().db.engine
    before = migrations.current_revision(engine)
    migrations.upgrade(engine, revision)
    after = migrations.current_revision(engine)
    if before == after:
        click.echo(f"Loyalty tables are up to date (revision {after}).")
    else:
        click.echo(f"Loyalty tables migrated from {before or 'empty'} to {after}.")


@db_cli.command("downgrade")
@click.argument("revision")
@with_appcontext
def db_downgrade(revision: str) -> None:
    """Undo loyalty migrations down to REVISION ("base" drops every loyalty table)."""
    engine = _state().db.engine
    migrations.downgrade(engine, revision)
    click.echo(
        f"Loyalty tables are at {migrations.current_revision(engine) or 'base'}."
    )


@db_cli.command("current")
@with_appcontext
def db_current() -> None:
    """Print the revision the loyalty tables are at."""
    click.echo(migrations.current_revision(_state().db.engine) or "base (no tables)")


def _deliver(
    state: t.Any,
    progress: t.Callable[[int], None] | None = None,
    wait_for_pace: bool = False,
) -> int:
    """Deliver every message that is due now; return how many went.

    Messages that failed are counted apart and reported; they are retried later.
    """
    totals = deliver_all(state, progress, wait_for_pace)
    if totals.retried or totals.failed:
        click.echo(
            f"not delivered: {totals.retried} to retry later, {totals.failed} failed",
            err=True,
        )
    return totals.sent


def _run_due_tasks(
    state: t.Any,
    verbose: bool,
    failures: Failures | None = None,
    now: float | None = None,
) -> list[str]:
    """Run each due task once; return the names of those that failed.

    A task that raises is rolled back, logged and recorded in ``failures`` (which
    then skips it until its back-off is over); the next task runs all the same.
    """
    failures = failures if failures is not None else Failures()
    now = time.monotonic() if now is None else now
    failed = []
    for task in state.due_tasks:
        name = str(task.name)
        if not failures.due(name, now):
            continue
        try:
            if verbose and task.count is not None:
                length = task.count(state)
                state.session.remove()
                with click.progressbar(
                    length=length, label=task.name, show_pos=True
                ) as bar:
                    done = task.run(state, bar.update)
            else:
                done = task.run(state, None)
        except Exception as error:  # noqa: BLE001 - one job must not stop the others
            state.session.rollback()
            failures.failed(name, now, error)
            failed.append(name)
            continue
        finally:
            state.session.remove()
        failures.succeeded(name)
        if done:
            click.echo(f"{task.name}: {done}")
    return failed


def _worker_round(
    state: t.Any, can_send: bool, failures: Failures, now: float
) -> list[str]:
    """One round of ``flask loyalty worker``: the due tasks, then delivery, each
    skipped while it backs off after a failure. Return what failed."""
    failed = _run_due_tasks(state, False, failures, now)
    if can_send and failures.due(SENDING, now):
        try:
            sent = _deliver(state)
        except Exception as error:  # noqa: BLE001 - the database or a bug: back off
            state.session.rollback()
            state.session.remove()
            failures.failed(SENDING, now, error)
            failed.append(SENDING)
        else:
            failures.succeeded(SENDING)
            if sent:
                click.echo(f"delivered {sent}")
    return failed


def _give_up_if(failed: list[str]) -> None:
    """A one-off run (cron) that had a failure exits with status 1 after doing
    everything else, so the scheduler reports it."""
    if failed:
        raise click.ClickException(
            f"failed: {', '.join(failed)} (the log has the traceback)"
        )


def _check_can_send(state: t.Any) -> bool:
    if state.settings.mail_delivery == "hold":
        click.echo(
            "LOYALTY_MAIL_DELIVERY is 'hold': mail stays in the outbox (owner area)."
        )
        return False
    if not state.settings.mail_sender:
        raise click.ClickException(
            "Set LOYALTY_MAIL_SENDER or MAIL_DEFAULT_SENDER to send mail."
        )
    return True


@loyalty_cli.command("run-due")
@with_appcontext
def run_due() -> None:
    """Do the work that is due by the clock (campaigns to build, points to expire,
    birthday bonuses...), once. Safe under cron: running it twice, or on two
    machines at once, changes nothing the second time."""
    _give_up_if(_run_due_tasks(_state(), verbose=True))


@loyalty_cli.command("send")
@with_appcontext
def send() -> None:
    """Build due campaigns and deliver all due mail once, with progress bars."""
    state = _state()
    failed = _run_due_tasks(state, verbose=True)
    if not _check_can_send(state):
        _give_up_if(failed)
        return
    due = state.session.scalar(
        sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.status == QUEUED, OutboxMessage.send_after <= state.now()
        )
    )
    state.session.remove()
    with click.progressbar(length=due or 0, label="Sending mail", show_pos=True) as bar:
        sent = _deliver(state, bar.update, wait_for_pace=True)
    click.echo(f"Delivered {sent} messages.")
    _give_up_if(failed)


@loyalty_cli.command("worker")
@click.option("--once", is_flag=True, help="Do what is due now, then stop.")
@with_appcontext
def worker(once: bool) -> None:
    """Build due campaigns and deliver queued email, round after round.

    Safe to run on several machines at once against PostgreSQL. A job that fails
    is logged and tried again after 1, 2, 4... minutes (at most an hour) while
    the others go on: the worker never stops for it. With ``--once`` it exits
    with status 1 if anything failed.
    """
    state = _state()
    state.check_config(current_app)
    can_send = _check_can_send(state)
    failures = Failures()
    while True:
        failed = _worker_round(state, can_send, failures, time.monotonic())
        if once:
            _give_up_if(failed)
            return
        time.sleep(state.settings.worker_interval)


register_commands(loyalty_cli)  # flask loyalty mail check, flask loyalty bounces
