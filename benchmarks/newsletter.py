"""Newsletter at scale: delivery speed, campaign building memory, CSV import.

Each figure is measured against a baseline taken in the same run, on SQLite files in
a temporary folder (the embedded default; ``--postgres`` delivers from PostgreSQL
instead):

1. **Delivery.** A campaign for N subscribers (10,000) is built into the outbox, then
   ``flask loyalty worker --once`` delivers it to an aiosmtpd server running in a
   process of its own on 127.0.0.1. The server keeps the bytes it received; a raw
   ``smtplib`` loop then sends exactly those bytes again over one connection. The
   figure is messages per second, loyalty / raw (goal of issue 3: at least 0.8):
   the median of ``--rounds`` (5) rounds of both, one after the other.
2. **Building memory.** Peak Python memory (tracemalloc) of building the campaign
   for N and for 10 x N subscribers (10,000 and 100,000); goal: the second at most
   1.2 times the first. Subscribers are made by bulk inserts.
3. **CSV import.** ``csv_io.read_csv`` + ``csv_io.import_subscribers`` of 10 x N rows
   (100,000), the owner stating a consent source (rows become confirmed); seconds
   and rows per second. The same import without a consent source (each row pending,
   with its confirmation email rendered and queued) runs on N / 10 rows.

    python benchmarks/newsletter.py [--quick] [--rounds N] [--profile] [--postgres]

``--quick`` divides every size by 10. Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import smtplib
import sys
import tempfile
import time
import typing as t
from datetime import UTC
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa
from databases import POSTGRES_URL
from databases import postgres_database
from flask import Flask
from newsletter_shop import add_subscribers
from newsletter_shop import build_campaign
from newsletter_shop import make_shop
from newsletter_shop import mime_seconds
from newsletter_shop import sqlite_url
from smtp_process import SMTPProcess
from smtp_process import serve_smtp

from flask_loyalty.newsletter import csv_io
from flask_loyalty.newsletter import preferences
from flask_loyalty.newsletter import service
from flask_loyalty.newsletter.mail import queue_confirmation
from flask_loyalty.newsletter.models import Subscriber
from flask_loyalty.outbox.models import SENT
from flask_loyalty.outbox.models import OutboxMessage

ROOT = Path(__file__).resolve().parent


# -- 1. delivery -------------------------------------------------------------------


def deliver_with_worker(app: Flask, expected: int) -> float:
    """``flask loyalty worker --once``; return the seconds it took."""
    runner = app.test_cli_runner()
    started = time.perf_counter()
    result = runner.invoke(args=["loyalty", "worker", "--once"])
    seconds = time.perf_counter() - started
    if result.exit_code != 0 or f"delivered {expected}" not in result.output:
        raise SystemExit(f"the worker did not deliver {expected}:\n{result.output}")
    with app.app_context():
        session = app.extensions["loyalty"].session
        sent = session.scalar(
            sa.select(sa.func.count()).where(OutboxMessage.status == SENT)
        )
        session.remove()
    assert sent == expected, (sent, expected)
    return seconds


def send_raw(port: int, messages: list[tuple[str, list[str], bytes]]) -> float:
    """The same bytes by a plain smtplib loop over one connection; seconds."""
    started = time.perf_counter()
    connection = smtplib.SMTP("127.0.0.1", port)
    for mail_from, recipients, data in messages:
        connection.sendmail(mail_from, recipients, data)
    connection.quit()
    return time.perf_counter() - started


def requeue(app: Flask) -> None:
    with app.app_context():
        session = app.extensions["loyalty"].session
        session.execute(
            sa.update(OutboxMessage).values(status="queued", attempts=0, sent_at=None)
        )
        session.commit()
        session.remove()


def delivery(
    app: Flask, folder: Path, smtp: SMTPProcess, count: int, profile: bool, rounds: int
) -> dict[str, t.Any]:
    """Deliver the ``count`` queued messages, then the same bytes by smtplib; as many
    ``rounds`` of both, one after the other (the queue is reset between rounds), so
    that both see the machine in the same state; the median ratio is the figure."""
    pairs = []
    for number in range(rounds):
        if number:
            requeue(app)
        loyalty_seconds = deliver_with_worker(app, count)
        received = smtp.take(folder)
        assert len(received) == count
        assert sorted(r for _f, rs, _d in received for r in rs) == [
            f"reader{n:07d}@example.com" for n in range(count)
        ]
        raw_seconds = send_raw(smtp.port, received)
        assert len(smtp.take(folder)) == count
        pairs.append((loyalty_seconds, raw_seconds))
    # The round with the median ratio (the lower middle one for an even count).
    by_ratio = sorted(pairs, key=lambda pair: pair[1] / pair[0])
    loyalty_seconds, raw_seconds = by_ratio[(len(by_ratio) - 1) // 2]
    mime = mime_seconds(app, min(count, 1000))
    result: dict[str, t.Any] = {
        "messages": count,
        "bytes_per_message": sum(len(d) for _f, _r, d in received) / count,
        "rounds": [
            {
                "loyalty_per_second": count / mine,
                "raw_per_second": count / raw,
                "ratio": raw / mine,
            }
            for mine, raw in pairs
        ],
        "loyalty_seconds": loyalty_seconds,
        "raw_seconds": raw_seconds,
        "loyalty_per_second": count / loyalty_seconds,
        "raw_per_second": count / raw_seconds,
        "ratio": raw_seconds / loyalty_seconds,
        "mime_ms_per_message": mime * 1000,
        "mime_share": mime * count / loyalty_seconds,
    }
    if profile:
        # The same delivery again, under cProfile (slower; for where, not how fast).
        requeue(app)
        profiler = cProfile.Profile()
        profiler.enable()
        deliver_with_worker(app, count)
        profiler.disable()
        smtp.take(folder)
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(r"flask_loyalty|flask_mail", 20)
        stats.sort_stats("tottime").print_stats(15)
        result["profile"] = out.getvalue()
    return result


# -- 2. building memory ------------------------------------------------------------


def building(app: Flask, count: int) -> dict[str, t.Any]:
    """Bulk-insert ``count`` subscribers and a due campaign, then build it."""
    started = time.perf_counter()
    add_subscribers(app, count)
    seeding = time.perf_counter() - started
    built = build_campaign(app)
    assert built["queued"] == count, built
    return {"subscribers": count, "seed_seconds": seeding, **built}


def dispose(app: Flask) -> None:
    with app.app_context():
        app.extensions["loyalty"].db.engine.dispose()


# -- 3. CSV import -----------------------------------------------------------------


def csv_file(count: int) -> bytes:
    lines = ["email,first_name,topics"]
    lines += [
        f"Guest{n:07d}@Example.com,{'' if n % 4 == 0 else f'Guest {n}'},"
        for n in range(count)
    ]
    return ("\n".join(lines) + "\n").encode()


def importing(folder: Path, count: int, *, stated: bool) -> dict[str, t.Any]:
    """Import ``count`` rows; ``stated``: the owner states a consent source."""
    app = make_shop(sqlite_url(folder, f"import{count}{stated}"), folder)
    data = csv_file(count)
    with app.app_context():
        state = app.extensions["loyalty"]
        session, now = state.session, state.now()
        preferences.add_topic(session, now, "New pieces")
        session.commit()
        on_pending = None if stated else lambda s: queue_confirmation(state, s)
        started = time.perf_counter()
        report = csv_io.import_subscribers(
            session,
            now,
            csv_io.read_csv(io.BytesIO(data)),
            consent=service.Consent("Yes, send me news.", "1", "import"),
            consent_source="sign-up sheet at the craft fair" if stated else None,
            topic_slugs_default=["new-pieces"],
            on_pending=on_pending,
        )
        seconds = time.perf_counter() - started
        subscribers = session.scalar(sa.select(sa.func.count(Subscriber.id)))
        mails = session.scalar(sa.select(sa.func.count(OutboxMessage.id)))
        session.remove()
        state.db.engine.dispose()
    assert report.added == count == subscribers, (report, subscribers)
    assert report.confirmed == (count if stated else 0), report
    assert mails == (0 if stated else count), mails
    return {
        "rows": count,
        "bytes": len(data),
        "seconds": seconds,
        "rows_per_second": count / seconds,
        "confirmation_emails": mails,
    }


# -- the report --------------------------------------------------------------------


def main(argv: t.Sequence[str] | None = None) -> dict[str, t.Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="every size / 10")
    parser.add_argument("--profile", action="store_true", help="cProfile delivery")
    parser.add_argument(
        "--rounds", type=int, default=5, help="delivery rounds (default 5; median)"
    )
    parser.add_argument(
        "--postgres", action="store_true", help="deliver from PostgreSQL, not SQLite"
    )
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "results" / "newsletter.json",
        help="where to write the figures (default: benchmarks/results/newsletter.json)",
    )
    args = parser.parse_args(argv)
    n = 1_000 if args.quick else 10_000
    result: dict[str, t.Any] = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "quick": args.quick,
    }
    wall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="loyalty-newsletter-bench-") as name:
        folder = Path(name)
        # 1 and 2 (small): build a campaign for n, then deliver it.
        smtp = SMTPProcess()
        drop: t.Callable[[], None] | None = None
        try:
            if args.postgres:
                made = postgres_database()
                if made is None:
                    raise SystemExit(f"--postgres: no PostgreSQL at {POSTGRES_URL}")
                url, drop = made
            else:
                url = sqlite_url(folder, "delivery")
            result["delivery_database"] = "postgresql" if args.postgres else "sqlite"
            app = make_shop(url, folder, smtp.port)
            small = building(app, n)
            result["delivery"] = delivery(
                app, folder, smtp, n, args.profile, max(1, args.rounds)
            )
            dispose(app)
        finally:
            smtp.stop()
            if drop:
                drop()
        if args.postgres:  # the memory figures are on SQLite in any case
            app = make_shop(sqlite_url(folder, "small"), folder)
            small = building(app, n)
            dispose(app)
        # 2 (large): the campaign for 10 n.
        app = make_shop(sqlite_url(folder, "large"), folder)
        large = building(app, 10 * n)
        dispose(app)
        result["build"] = {
            "small": small,
            "large": large,
            "ratio": large["peak_bytes"] / small["peak_bytes"],
        }
        # 3: CSV import.
        result["import"] = {
            "stated": importing(folder, 10 * n, stated=True),
            "pending": importing(folder, n // 10, stated=False),
        }
    result["seconds"] = time.perf_counter() - wall
    print_report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        saved = {**result, "delivery": dict(result["delivery"])}
        saved["delivery"].pop("profile", None)
        args.json.write_text(json.dumps(saved, indent=2) + "\n")
        print(f"\nwritten to {args.json}")
    return result


def print_report(r: dict[str, t.Any]) -> None:
    d, b, i = r["delivery"], r["build"], r["import"]
    kib = 1024
    print(
        f"newsletter benchmark{' (--quick)' if r['quick'] else ''}"
        f" ({r['seconds']:.0f}s)"
    )
    print()
    print(
        f"delivery of {d['messages']:,} campaign messages"
        f" ({d['bytes_per_message'] / kib:.1f} KiB each, outbox on"
        f" {r['delivery_database']}) to aiosmtpd in another process:"
    )
    print(
        f"  flask loyalty worker --once   {d['loyalty_per_second']:8.0f} msg/s"
        f"  ({d['loyalty_seconds']:.1f}s)"
    )
    print(
        f"  raw smtplib, same bytes       {d['raw_per_second']:8.0f} msg/s"
        f"  ({d['raw_seconds']:.1f}s)"
    )
    rounds = ", ".join(f"{x['ratio']:.2f}" for x in d["rounds"])
    print(
        f"  ratio loyalty / raw: {d['ratio']:.2f}, the median of {len(d['rounds'])}"
        f" rounds ({rounds}) (goal: at least 0.8)"
    )
    print(
        f"  writing the MIME, done when queued (not in the figure above):"
        f" {d['mime_ms_per_message']:.2f} ms per message"
    )
    print()
    print("building a campaign (peak Python memory, tracemalloc):")
    for key in ("small", "large"):
        s = b[key]
        print(
            f"  {s['subscribers']:>8,} subscribers  {s['peak_bytes'] / kib:10.0f} KiB"
            f"  in {s['seconds']:.1f}s under tracemalloc (bulk insert:"
            f" {s['seed_seconds']:.1f}s)"
        )
    print(f"  ratio: {b['ratio']:.2f} (goal: at most 1.2)")
    print()
    print("CSV import (read_csv + import_subscribers):")
    for key, label in (
        ("stated", "consent source stated, confirmed"),
        ("pending", "pending, confirmation email queued"),
    ):
        s = i[key]
        print(
            f"  {s['rows']:>8,} rows, {label:<36} {s['seconds']:6.1f}s"
            f"  {s['rows_per_second']:8.0f} rows/s"
        )
    if "profile" in d:
        print()
        print("where delivery spends its time (cProfile: cumulative, then own time):")
        print(d["profile"])


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve-smtp"]:
        serve_smtp(int(sys.argv[2]))
    else:
        main(sys.argv[1:])
