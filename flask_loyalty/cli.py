"""``flask loyalty ...``: database migrations and the mail worker."""

from __future__ import annotations

import time
import typing as t

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext

from . import migrations
from .outbox.models import QUEUED
from .outbox.models import OutboxMessage
from .outbox.worker import deliver_all


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


def _run_due_tasks(state: t.Any, verbose: bool) -> None:
    for task in state.due_tasks:
        if verbose and task.count is not None:
            length = task.count(state)
            state.session.remove()
            with click.progressbar(
                length=length, label=task.name, show_pos=True
            ) as bar:
                done = task.run(state, bar.update)
        else:
            done = task.run(state, None)
        state.session.remove()
        if done:
            click.echo(f"{task.name}: {done}")


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
    _run_due_tasks(_state(), verbose=True)


@loyalty_cli.command("send")
@with_appcontext
def send() -> None:
    """Build due campaigns and deliver all due mail once, with progress bars."""
    state = _state()
    _run_due_tasks(state, verbose=True)
    if not _check_can_send(state):
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


@loyalty_cli.command("worker")
@click.option("--once", is_flag=True, help="Do what is due now, then stop.")
@with_appcontext
def worker(once: bool) -> None:
    """Build due campaigns and deliver queued email, round after round.

    Safe to run on several machines at once against PostgreSQL.
    """
    state = _state()
    state.check_config(current_app)
    can_send = _check_can_send(state)
    while True:
        _run_due_tasks(state, verbose=False)
        if can_send and (sent := _deliver(state)):
            click.echo(f"delivered {sent}")
        if once:
            return
        time.sleep(state.settings.worker_interval)


from .deliverability.cli import register_commands  # noqa: E402 - after the group

register_commands(loyalty_cli)  # flask loyalty mail check, flask loyalty bounces
