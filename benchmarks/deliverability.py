"""Deliverability: what signing, the suppression check and the pace cost delivery.

The outbox delivers N queued messages to an aiosmtpd server on 127.0.0.1 with
``deliver_due`` (batches of 50), on a SQLite file, four ways in the same run:

- **bare**: the outbox as it was before issue 10 (a policy that does nothing);
- **checks**: the app's policy with nothing configured: the suppression look-up per
  batch, the envelope sender;
- **pace**: the same with a per-minute and a per-domain limit too high to hold
  anything back (the cost of counting the last minute's claims);
- **dkim**: the same with DKIM signing by a 2048-bit key.

Rounds alternate the order; the table gives the median messages per second and the
ratio of each to *bare*. Nothing here asserts a time.

    python benchmarks/deliverability.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
import typing as t
from datetime import UTC
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from flask_loyalty import Loyalty  # noqa: E402
from flask_loyalty.db import Base  # noqa: E402
from flask_loyalty.outbox.models import OutboxContent  # noqa: E402
from flask_loyalty.outbox.models import OutboxMessage  # noqa: E402
from flask_loyalty.outbox.queueing import queue_mail  # noqa: E402
from flask_loyalty.outbox.service import deliver_due  # noqa: E402
from tests.plugins.services import free_port  # noqa: E402


class BarePolicy:
    """Delivery as before: no pace, no suppression, no signing."""

    paced = False

    def budget(self, session: t.Any, now: t.Any) -> None:
        return None

    def blocked(self, session: t.Any, messages: t.Any) -> set[int]:
        return set()

    def prepare(self, message: t.Any, raw: bytes) -> tuple[None, bytes]:
        return None, raw

    def refused(self, *args: t.Any) -> None:
        return None


class Sink:
    async def handle_DATA(self, server: t.Any, session: t.Any, envelope: t.Any) -> str:
        return "250 OK"


def make_app(folder: Path, name: str, port: int, key: Path, **config: t.Any) -> Flask:
    app = Flask(f"bench-{name}", instance_path=str(folder))
    app.config.update(
        SECRET_KEY="bench",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / name}.db",
        LOYALTY_MAIL_DELIVERY="smtp",
        LOYALTY_BASE_URL="https://fern.test",
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=port,
        MAIL_DEFAULT_SENDER=("Silver Fern", "hello@fern.test"),
        **config,
    )
    db = SQLAlchemy(app)
    Loyalty(app, db=db)
    with app.app_context():
        Base.metadata.create_all(db.engine)
    return app


def deliver(app: Flask, count: int, policy: t.Any) -> float:
    """Queue ``count`` messages, then time delivering them all."""
    with app.app_context():
        state = app.extensions["loyalty"]
        session = state.session
        session.execute(sa.delete(OutboxContent))
        session.execute(sa.delete(OutboxMessage))
        for n in range(count):
            queue_mail(
                session,
                state.now(),
                kind="campaign",
                to=f"reader{n}@example{n % 7}.com",
                subject="Spring pieces",
                text="Dear reader,\n" + "new rings are in. " * 40,
                html="<p>Dear reader,</p>" + "<p>new rings are in.</p>" * 40,
                headers={
                    "List-Unsubscribe": "<https://fern.test/u/x>",
                    "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
                },
            )
        session.commit()
        started = time.perf_counter()
        sent = 0
        while True:
            report = deliver_due(
                session,
                app.extensions["mail"],
                state.settings.clock,
                limit=50,
                policy=policy,
            )
            session.remove()
            sent += report.sent
            if not report.claimed:
                break
        elapsed = time.perf_counter() - started
        assert sent == count, (sent, count)
        return count / elapsed


def main(argv: t.Sequence[str] | None = None) -> dict[str, t.Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="200 messages, 3 rounds")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "results" / "deliverability.json"
    )
    args = parser.parse_args(argv)
    count, rounds = (200, 3) if args.quick else (1000, 5)
    from aiosmtpd.controller import Controller

    port = free_port()
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    rates: dict[str, list[float]] = {}
    try:
        with tempfile.TemporaryDirectory(prefix="loyalty-bench-") as tmp:
            folder = Path(tmp)
            key = folder / "dkim.pem"
            subprocess.run(
                ["openssl", "genrsa", "-out", str(key), "2048"],
                check=True,
                capture_output=True,
            )
            apps = {
                "bare": make_app(folder, "bare", port, key),
                "checks": make_app(folder, "checks", port, key),
                "pace": make_app(
                    folder,
                    "pace",
                    port,
                    key,
                    LOYALTY_MAIL_PER_MINUTE=10**6,
                    LOYALTY_MAIL_PER_DOMAIN_PER_MINUTE=10**6,
                ),
                "dkim": make_app(
                    folder,
                    "dkim",
                    port,
                    key,
                    LOYALTY_DKIM_SELECTOR="bench",
                    LOYALTY_DKIM_PRIVATE_KEY=str(key),
                ),
            }
            policies = {name: None for name in apps}
            policies["bare"] = BarePolicy()  # type: ignore[assignment]
            deliver(apps["bare"], 50, BarePolicy())  # warm up
            for round_number in range(rounds):
                order = list(apps) if round_number % 2 == 0 else list(apps)[::-1]
                for name in order:
                    rates.setdefault(name, []).append(
                        deliver(apps[name], count, policies[name])
                    )
    finally:
        controller.stop()
    median = {name: statistics.median(values) for name, values in rates.items()}
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "messages": count,
        "rounds": rounds,
        "messages_per_second": median,
        "ratio_time_to_bare": {
            name: median["bare"] / value for name, value in median.items()
        },
    }
    print(f"Delivery of {count} messages to aiosmtpd, median of {rounds} rounds")
    print(f"{'':8} {'msg/s':>8} {'time / bare':>12}")
    for name, value in median.items():
        print(f"{name:8} {value:8.0f} {median['bare'] / value:12.2f}")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
