"""Campaign delivery at scale, by real worker processes on PostgreSQL and a real
SMTP server (aiosmtpd on 127.0.0.1).

- Four ``flask loyalty worker --once`` processes race for a due campaign of 2,000
  confirmed subscribers (one builds it, the campaign claim is ``SKIP LOCKED``), then
  four more race for its outbox messages: every recipient gets exactly one message.
- A worker killed (SIGKILL) mid-batch, then another one started after the claim
  timeout: nothing is lost, and the duplicates are at most the batch in flight
  (``LOYALTY_WORKER_BATCH``, the bound documented in ``flask_loyalty.outbox.service``).
"""

from __future__ import annotations

import asyncio
import collections
import os
import signal
import subprocess
import sys
import time
import typing as t
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask

from flask_loyalty.clock import system_clock
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter.mail import build_due_campaigns
from flask_loyalty.newsletter.models import SENT as CAMPAIGN_SENT
from flask_loyalty.newsletter.models import Campaign
from flask_loyalty.newsletter.models import CampaignRecipient
from flask_loyalty.outbox.models import SENT
from flask_loyalty.outbox.models import OutboxMessage
from tests.conftest import require
from tests.newsletter.scale_app import add_subscribers
from tests.newsletter.scale_app import address
from tests.newsletter.scale_app import scheduled_campaign
from tests.newsletter.scale_app import worker_env
from tests.plugins.services import SMTPServer
from tests.plugins.services import free_port

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
APP = "tests.newsletter.scale_app:create_app"
MakeApp = t.Callable[..., Flask]


# -- worker processes --------------------------------------------------------------


@dataclass
class Worker:
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_worker(env: dict[str, str], log: Path) -> Worker:
    """``flask loyalty worker --once`` in a process of its own, output to ``log``."""
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                APP,
                "loyalty",
                "worker",
                "--once",
            ],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    return Worker(process, log)


def finish(workers: list[Worker], timeout: float = 60) -> None:
    """Wait for every worker; kill and fail on one that hangs or fails."""
    deadline = time.monotonic() + timeout
    try:
        for worker in workers:
            try:
                worker.process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                pytest.fail(f"a worker did not finish in {timeout}s:\n{worker.output}")
    finally:
        for worker in workers:
            if worker.process.poll() is None:
                worker.process.kill()
                worker.process.wait()


def delivered(worker: Worker) -> int:
    """What the worker said it delivered ("delivered N"; nothing when 0)."""
    return sum(
        int(line.split()[1])
        for line in worker.output.splitlines()
        if line.startswith("delivered ")
    )


# -- the shop's data ---------------------------------------------------------------


def set_up(
    make_app: MakeApp, database_url: str, count: int
) -> tuple[Flask, int, list[str]]:
    """Tables, a topic, ``count`` confirmed subscribers and a campaign due now."""
    # The workers read the system clock, so the test's writes use it too.
    app = make_app(
        database_url=database_url,
        LOYALTY_CLOCK=system_clock,
        LOYALTY_BASE_URL="https://shop.test",
        MAIL_DEFAULT_SENDER="Clay & Thread <shop@clay.test>",
    )
    with app.app_context():
        state = app.extensions["loyalty"]
        session, now = state.session, state.now()
        topic = preferences.add_topic(session, now, "New pieces")
        session.commit()
        add_subscribers(session, now, count, topic.id)
        campaign_id = scheduled_campaign(session, now, topic.id).id
        state.session.remove()
    return app, campaign_id, [address(n) for n in range(count)]


def outbox_statuses(app: Flask) -> dict[str, int]:
    with app.app_context():
        session = app.extensions["loyalty"].session
        return dict(
            session.execute(
                sa.select(OutboxMessage.status, sa.func.count()).group_by(
                    OutboxMessage.status
                )
            ).all()
        )


def received_by_address(server: SMTPServer) -> collections.Counter[str]:
    """How many messages each address got, by the envelope and by the To header."""
    envelope = collections.Counter(
        rcpt for envelope in server.envelopes for rcpt in envelope.rcpt_tos
    )
    header = collections.Counter(message["To"] for message in server.messages)
    assert envelope == header
    return envelope


# -- a slow SMTP server ------------------------------------------------------------


@dataclass
class SlowSMTPServer(SMTPServer):
    """Takes ``delay`` seconds per message, so a worker is caught mid-batch."""

    delay: float = 0.005

    async def handle_DATA(self, server: t.Any, session: t.Any, envelope: t.Any) -> str:
        await asyncio.sleep(self.delay)
        return await super().handle_DATA(server, session, envelope)


@pytest.fixture
def slow_smtp_server() -> t.Iterator[SlowSMTPServer]:
    try:
        from aiosmtpd.controller import Controller
    except ImportError:  # pragma: no cover - dev extra not installed
        require(False, "aiosmtpd is not installed (pip install -e '.[dev]')")
        raise
    server = SlowSMTPServer(host="127.0.0.1", port=free_port())
    controller = Controller(
        server, hostname=server.host, port=server.port, ready_timeout=5.0
    )
    try:
        controller.start()
    except Exception as error:  # noqa: BLE001 - report why, then skip or fail
        require(False, f"could not start aiosmtpd on 127.0.0.1: {error}")
    try:
        yield server
    finally:
        controller.stop()


# -- the tests ---------------------------------------------------------------------


def test_four_worker_processes_deliver_a_campaign_exactly_once(
    make_app: MakeApp, postgres_url: str, smtp_server: SMTPServer, tmp_path: Path
) -> None:
    total, batch = 2000, 50
    app, campaign_id, addresses = set_up(make_app, postgres_url, total)
    env = worker_env(
        postgres_url, smtp_server.host, smtp_server.port, LOYALTY_WORKER_BATCH=batch
    )

    # Round 1: four workers race for the due campaign; one builds it. (They only
    # build: a worker with --once that finds the outbox empty while the campaign is
    # still being built stops at once, so the builder would send nearly everything.)
    started = time.monotonic()
    builders = [
        start_worker({**env, "LOYALTY_MAIL_DELIVERY": "hold"}, tmp_path / f"b{n}.log")
        for n in range(4)
    ]
    finish(builders)
    for worker in builders:
        assert worker.process.returncode == 0, worker.output
    built = [w for w in builders if "Building newsletter campaigns: 1" in w.output]
    assert len(built) == 1, [w.output for w in builders]
    assert outbox_statuses(app) == {"queued": total}
    assert smtp_server.messages == []

    # Round 2: four workers race for its messages.
    workers = [start_worker(env, tmp_path / f"worker{n}.log") for n in range(4)]
    finish(workers)
    seconds = time.monotonic() - started
    for worker in workers:
        assert worker.process.returncode == 0, worker.output

    received = smtp_server.wait_for(total, timeout=10)
    time.sleep(0.2)  # nothing more may arrive
    counts = received_by_address(smtp_server)
    message_ids = collections.Counter(message["Message-ID"] for message in received)
    shares = [delivered(worker) for worker in workers]
    print(
        f"\n{total} messages built and delivered by 4 + 4 worker processes in"
        f" {seconds:.1f}s; delivered per worker: {shares}"
    )

    assert len(smtp_server.messages) == total
    assert sorted(counts) == addresses
    assert set(counts.values()) == {1}
    assert len(message_ids) == total and set(message_ids.values()) == {1}
    assert sum(shares) == total
    assert sum(1 for share in shares if share) >= 2, shares  # they did race
    assert outbox_statuses(app) == {SENT: total}
    with app.app_context():
        session = app.extensions["loyalty"].session
        assert session.scalar(sa.select(sa.func.max(OutboxMessage.attempts))) == 1
        campaign = session.get(Campaign, campaign_id)
        assert campaign is not None and campaign.status == CAMPAIGN_SENT
        assert (
            session.scalar(
                sa.select(sa.func.count()).where(
                    CampaignRecipient.campaign_id == campaign_id,
                    CampaignRecipient.outbox_id.is_not(None),
                )
            )
            == total
        )


def test_a_killed_worker_loses_nothing_and_repeats_at_most_its_batch(
    make_app: MakeApp,
    postgres_url: str,
    slow_smtp_server: SlowSMTPServer,
    tmp_path: Path,
) -> None:
    total, batch, claim_timeout = 500, 50, 1
    app, campaign_id, addresses = set_up(make_app, postgres_url, total)
    with app.app_context():
        assert build_due_campaigns(app.extensions["loyalty"]) == 1
    assert outbox_statuses(app) == {"queued": total}
    env = worker_env(
        postgres_url,
        slow_smtp_server.host,
        slow_smtp_server.port,
        LOYALTY_WORKER_BATCH=batch,
        LOYALTY_MAIL_CLAIM_TIMEOUT=claim_timeout,
    )

    # Kill the first worker in the middle of its third batch (messages 101-150).
    first = start_worker(env, tmp_path / "first.log")
    try:
        slow_smtp_server.wait_for(2 * batch + batch // 3, timeout=30)
        os.kill(first.process.pid, signal.SIGKILL)
    finally:
        if first.process.poll() is None:
            first.process.kill()
        first.process.wait()
    at_kill = len(slow_smtp_server.messages)
    assert first.process.returncode == -signal.SIGKILL, first.output
    assert 0 < at_kill < total
    statuses = outbox_statuses(app)
    assert statuses.get("sending"), statuses  # its batch is left claimed

    # After the claim timeout another worker takes over that batch and the rest.
    time.sleep(claim_timeout + 0.5)
    second = start_worker(env, tmp_path / "second.log")
    finish([second])
    assert second.process.returncode == 0, second.output

    time.sleep(0.2)
    counts = received_by_address(slow_smtp_server)
    duplicates = sum(counts.values()) - len(counts)
    print(
        f"\nkilled after {at_kill} messages had arrived; outbox then {statuses};"
        f" the second worker delivered {delivered(second)};"
        f" duplicates: {duplicates} (bound: {batch})"
    )
    assert sorted(counts) == addresses  # nothing lost
    assert duplicates <= batch
    assert set(counts.values()) <= {1, 2}
    assert outbox_statuses(app) == {SENT: total}
    # The MIME is built once, when queued: a repeated delivery carries the same
    # Message-ID, so the receiving side can recognise it as the same message.
    message_ids = {message["Message-ID"] for message in slow_smtp_server.messages}
    assert len(message_ids) == total
    assert len(slow_smtp_server.messages) - len(message_ids) == duplicates
