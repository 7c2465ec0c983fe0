"""``flask loyalty ...``: database migrations and the mail worker."""

from __future__ import annotations

import time

import click
from flask import current_app
from flask.cli import with_appcontext

from . import migrations
from .outbox.service import deliver_due


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


@loyalty_cli.command("worker")
@click.option("--once", is_flag=True, help="Deliver what is due now, then stop.")
@with_appcontext
def worker(once: bool) -> None:
    """Deliver queued email. Safe to run on several machines at once."""
    state = _state()
    settings = state.settings
    if settings.mail_delivery == "hold":
        click.echo(
            "LOYALTY_MAIL_DELIVERY is 'hold': mail stays in the outbox (owner area)."
        )
        return
    if not settings.mail_sender:
        raise click.ClickException(
            "Set LOYALTY_MAIL_SENDER or MAIL_DEFAULT_SENDER to send mail."
        )
    mail = current_app.extensions["mail"]
    while True:
        while True:
            report = deliver_due(
                state.session,
                mail,
                settings.clock,
                sender=settings.mail_sender,
                limit=settings.worker_batch,
                claim_timeout=settings.mail_claim_timeout,
                max_attempts=settings.mail_max_attempts,
            )
            state.session.remove()
            if report.claimed:
                click.echo(
                    f"sent {report.sent}, to retry {report.retried},"
                    f" failed {report.failed}"
                )
            if report.claimed < settings.worker_batch:
                break
        if once:
            return
        time.sleep(settings.worker_interval)
