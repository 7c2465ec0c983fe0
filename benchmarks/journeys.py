"""Journeys: finding due steps among many people, and sending a step to many.

1. **Due-step scanning.** 100,000 people in a journey, 1% of them due. The time to
   find and claim one batch of due steps as the worker does (``Runner.claim``: the
   ORM objects, ``FOR UPDATE SKIP LOCKED`` on PostgreSQL) as a ratio of the single
   indexed query that selects the same rows (``SELECT * ... WHERE status =
   'active' AND due_at <= now ORDER BY due_at LIMIT n``, raw rows); medians of
   many repeats, each claim rolled back. Goal of issue 9: at most 1.5.
2. **Sending a step to 10,000 people.** ``Runner.run`` doing one email step for
   10,000 confirmed subscribers (queued in the outbox, the cap checked, the next
   step planned) as a ratio of building a campaign to the same 10,000
   (``campaigns.build``), both on the same database.

On PostgreSQL when ``LOYALTY_TEST_POSTGRES_URL`` (or the local default) answers,
else on SQLite. ``--quick`` divides the sizes by 10. Nothing here asserts a time.

    python benchmarks/journeys.py [--quick] [--json PATH]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import typing as t
from pathlib import Path

import sqlalchemy as sa
from databases import postgres_database  # noqa: E402
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))

from flask_loyalty import Loyalty  # noqa: E402
from flask_loyalty.db import Base  # noqa: E402
from flask_loyalty.journeys import models as jm  # noqa: E402
from flask_loyalty.journeys.editing import StepData  # noqa: E402
from flask_loyalty.journeys.editing import save_journey  # noqa: E402
from flask_loyalty.journeys.runner import Runner  # noqa: E402
from flask_loyalty.journeys.service import resume  # noqa: E402
from flask_loyalty.newsletter import campaigns  # noqa: E402
from flask_loyalty.newsletter import preferences as newsletter  # noqa: E402
from flask_loyalty.newsletter.mail import NewsletterMailer  # noqa: E402
from tests.newsletter.scale_app import add_subscribers  # noqa: E402
from tests.newsletter.scale_app import address  # noqa: E402
from tests.newsletter.scale_app import scheduled_campaign  # noqa: E402


def database() -> tuple[str, t.Callable[[], None]]:
    """A fresh PostgreSQL schema (dropped at the end), else a SQLite file."""
    made = postgres_database()
    if made is None:  # no PostgreSQL: SQLite
        folder = tempfile.mkdtemp()
        return f"sqlite:///{folder}/bench.db", lambda: None
    return made


def build_app(url: str) -> Flask:
    app = Flask("journeybench")
    app.config.update(
        SECRET_KEY="bench",
        SQLALCHEMY_DATABASE_URI=url,
        LOYALTY_MAIL_DELIVERY="hold",
        LOYALTY_BASE_URL="https://shop.test",
        LOYALTY_NEWSLETTER_MIN_DAYS=0,
        MAIL_DEFAULT_SENDER="Clay & Thread <shop@clay.test>",
    )
    db = SQLAlchemy(app)
    Loyalty(app, db=db)
    with app.app_context():
        Base.metadata.create_all(db.engine)
    return app


def enrol(session: t.Any, now: t.Any, journey_id: int, count: int, due: int) -> None:
    """``count`` people in the journey; the first ``due`` of them due now."""
    later = now.replace(year=now.year + 1)
    for start in range(0, count, 10_000):
        session.execute(
            sa.insert(jm.Enrolment),
            [
                {
                    "journey_id": journey_id,
                    "email": address(n),
                    "entry_key": address(n),
                    "active_key": address(n),
                    "status": jm.ACTIVE,
                    "entered_at": now,
                    "next_step": 0,
                    "due_at": now if n < due else later,
                }
                for n in range(start, min(start + 10_000, count))
            ],
        )
    session.commit()


def journey(session: t.Any, now: t.Any) -> int:
    made = save_journey(
        session,
        now,
        None,
        name="Welcome",
        trigger=jm.MANUAL,
        steps=[StepData(subject="Hello", body="Dear {{ first_name or 'friend' }}")],
    )
    resume(session, now, made)
    session.commit()
    return made.id


def scanning(url: str, people: int, repeats: int) -> dict[str, t.Any]:
    app = build_app(url)
    with app.app_context():
        state = app.extensions["loyalty"]
        session, now = state.session, state.now()
        enrol(session, now, journey(session, now), people, people // 100)
        session.execute(sa.text("ANALYZE")) if "postgresql" in url else None
        session.commit()
        runner = Runner(state)
        select = (
            "SELECT {} FROM loyalty_journey_enrolments WHERE status = 'active'"
            " AND due_at <= :now ORDER BY due_at LIMIT :n"
        )
        ids_only, rows_too = sa.text(select.format("id")), sa.text(select.format("*"))
        timings: dict[str, list[float]] = {
            "query": [], "claim": [], "query_rows": [], "claim_load": []
        }  # fmt: skip
        values = {"now": now, "n": runner.batch}
        expected = min(runner.batch, people // 100)
        for _ in range(repeats):
            for name, work in (
                ("query", lambda: session.execute(ids_only, values).all()),
                ("claim", lambda: runner.claim(now)),
                ("query_rows", lambda: session.execute(rows_too, values).all()),
                ("claim_load", lambda: runner.load(runner.claim(now), now)),
            ):
                started = time.perf_counter()
                rows = work()
                timings[name].append(time.perf_counter() - started)
                session.rollback()
                session.expunge_all()
                assert len(rows) == expected, (name, len(rows))
    result: dict[str, t.Any] = {"people": people, "batch": runner.batch}
    for name, seconds in timings.items():
        result[f"{name}_ms"] = statistics.median(seconds) * 1000
    result["ratio_with_objects"] = result["claim_load_ms"] / result["query_rows_ms"]
    result["ratio"] = result["claim_ms"] / result["query_ms"]
    return result


def sending(url: str, people: int) -> dict[str, t.Any]:
    app = build_app(url)
    with app.app_context():
        state = app.extensions["loyalty"]
        session, now = state.session, state.now()
        topic = newsletter.add_topic(session, now, "News")
        session.commit()
        add_subscribers(session, now, people, topic.id)
        enrol(session, now, journey(session, now), people, people)
        campaign = scheduled_campaign(session, now, topic.id)
        started = time.perf_counter()
        done = Runner(state).run()
        journey_seconds = time.perf_counter() - started
        assert done == people, done
        started = time.perf_counter()
        campaigns.build(
            session, state.settings.clock, campaign, NewsletterMailer(state), min_days=0
        )
        campaign_seconds = time.perf_counter() - started
    return {
        "people": people,
        "journey_step_s": journey_seconds,
        "campaign_build_s": campaign_seconds,
        "ratio": journey_seconds / campaign_seconds,
    }


def main(argv: list[str] | None = None) -> dict[str, t.Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="sizes divided by 10")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args(argv)
    scale = 10 if args.quick else 1
    result: dict[str, t.Any] = {}
    url, drop = database()
    try:
        result["database"] = sa.make_url(url).get_backend_name()
        result["scanning"] = scanning(url, 100_000 // scale, 50)
    finally:
        drop()
    url, drop = database()
    try:
        result["sending"] = sending(url, 10_000 // scale)
    finally:
        drop()
    s, m = result["scanning"], result["sending"]
    print(f"Journeys on {result['database']}")
    print(
        f"  due-step claim among {s['people']:,} people (batch {s['batch']}):"
        f" {s['claim_ms']:.2f} ms, plain indexed query {s['query_ms']:.2f} ms,"
        f" ratio {s['ratio']:.2f} (goal <= 1.5); with the rows loaded as objects"
        f" {s['claim_load_ms']:.2f} ms against raw rows {s['query_rows_ms']:.2f} ms,"
        f" ratio {s['ratio_with_objects']:.2f}"
    )
    print(
        f"  one email step to {m['people']:,} people: {m['journey_step_s']:.2f} s;"
        f" campaign build to the same: {m['campaign_build_s']:.2f} s;"
        f" ratio {m['ratio']:.2f}"
    )
    if args.json:
        args.json.write_text(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
