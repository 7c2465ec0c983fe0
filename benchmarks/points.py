"""Points: what earning costs at checkout, and whether the account page stays fast
with a long history.

1. **record_order with points.** N orders (60, ten rounds) recorded with
   ``Loyalty.record_order`` (each its own commit, the points hook on), against a
   loop of single-row ``INSERT`` + ``COMMIT`` into a plain table of the same
   database in the same round; the figure is orders per second as a ratio of the
   plain loop, the median of the rounds' ratios (their range beside it).
   ``record_order`` without the points hook is measured too, so the
   points' own share shows. On SQLite (a file in a temporary folder) and, when
   ``LOYALTY_TEST_POSTGRES_URL`` (or the default local server) answers, PostgreSQL.
2. **Account page.** ``GET /loyalty/`` for a customer with 10,000 ledger entries
   against one with 10, alternating, median of the requests; goal of issue 4: a
   ratio of at most 1.5.

    python benchmarks/points.py [--quick] [--json PATH]

Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
import typing as t
import uuid
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from databases import postgres_database
from flask import Flask
from flask import request
from flask_sqlalchemy import SQLAlchemy

from flask_loyalty import Loyalty
from flask_loyalty import ShopCustomer
from flask_loyalty.db import Base
from flask_loyalty.points.models import EARN
from flask_loyalty.points.models import PointsAccount
from flask_loyalty.points.models import PointsEntry

ROOT = Path(__file__).resolve().parent


def build_app(url: str) -> Flask:
    app = Flask("pointsbench")
    app.config.update(
        SECRET_KEY="bench",
        SQLALCHEMY_DATABASE_URI=url,
        LOYALTY_MAIL_DELIVERY="hold",
        SERVER_NAME="shop.test",
    )
    db = SQLAlchemy(app)
    loyalty = Loyalty(app, db=db)

    @loyalty.customer_loader
    def current() -> ShopCustomer:
        return ShopCustomer(email=request.headers["X-Customer"], email_verified=True)

    with app.app_context():
        Base.metadata.create_all(db.engine)
    return app


def per_second(count: int, seconds: float) -> float:
    return count / seconds if seconds else float("inf")


def record_orders(app: Flask, count: int, *, points: bool) -> tuple[float, float]:
    """``count`` orders recorded: wall seconds, and this process's CPU seconds."""
    state = app.extensions["loyalty"]
    loyalty = state.extension
    hooks = list(state.order_hooks)
    if not points:
        state.order_hooks.clear()
    prefix = uuid.uuid4().hex[:6]
    try:
        with app.app_context():
            start, cpu = time.perf_counter(), time.process_time()
            for i in range(count):
                loyalty.record_order(
                    f"{prefix}-{i}",
                    email=f"c{i % 50}@example.com",
                    total=Decimal("38.00"),
                )
            return time.perf_counter() - start, time.process_time() - cpu
    finally:
        state.order_hooks[:] = hooks


PLAIN = sa.Table(
    "bench_plain",
    sa.MetaData(),
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("reference", sa.String(64), unique=True),
    sa.Column("total", sa.BigInteger),
)


def plain_inserts(app: Flask, count: int) -> tuple[float, float]:
    """``count`` single-row INSERT + COMMIT: wall and CPU seconds."""
    with app.app_context():
        engine = app.extensions["loyalty"].db.engine
        PLAIN.drop(engine, checkfirst=True)
        PLAIN.create(engine)
        start, cpu = time.perf_counter(), time.process_time()
        with engine.connect() as connection:
            for i in range(count):
                connection.execute(
                    PLAIN.insert().values(reference=f"B-{i}", total=3800)
                )
                connection.commit()
        return time.perf_counter() - start, time.process_time() - cpu


def checkout_benchmark(
    name: str, url: str, count: int, rounds: int = 10
) -> dict[str, t.Any]:
    """The three loops in turn, ``count`` orders each, ``rounds`` times, the order
    of the three rotating. The ratios are the medians of each round's own ratio:
    a round's loops run a second apart, on the same disk weather (the plain loop
    alone varies by 1.7x between runs a minute apart, mostly its commit's fsync)."""
    app = build_app(url)
    record_orders(app, 20, points=True)  # warm-up
    loops: dict[str, t.Callable[[], tuple[float, float]]] = {
        "plain": lambda: plain_inserts(app, count),
        "points": lambda: record_orders(app, count, points=True),
        "none": lambda: record_orders(app, count, points=False),
    }
    rates: dict[str, list[float]] = {kind: [] for kind in loops}
    cpu: dict[str, list[float]] = {kind: [] for kind in loops}
    for round_number in range(rounds):
        kinds = list(loops)
        kinds = kinds[round_number % 3 :] + kinds[: round_number % 3]
        for kind in kinds:
            wall, spent = loops[kind]()
            rates[kind].append(per_second(count, wall))
            cpu[kind].append(spent)
    result = {
        "database": name,
        "orders": count,
        "rounds": rounds,
        "plain_per_s": round(statistics.median(rates["plain"]), 1),
        "record_order_per_s": round(statistics.median(rates["points"]), 1),
        "record_order_without_points_per_s": round(statistics.median(rates["none"]), 1),
    }
    # The same ratio in this process's CPU time (the plain loop's over
    # record_order's): it does not move with the disk, which the plain loop's
    # commit mostly waits for (on PostgreSQL the server's work is not in it).
    cpu_ratios = [a / b for a, b in zip(cpu["plain"], cpu["points"], strict=True)]
    result["cpu_ratio_with_points"] = round(statistics.median(cpu_ratios), 3)
    for kind, label in (("points", "with"), ("none", "without")):
        ratios = [a / b for a, b in zip(rates[kind], rates["plain"], strict=True)]
        result[f"ratio_{label}_points"] = round(statistics.median(ratios), 3)
        result[f"ratio_{label}_points_range"] = [
            round(min(ratios), 3),
            round(max(ratios), 3),
        ]
    with app.app_context():
        app.extensions["loyalty"].db.engine.dispose()
    return result


def add_history(app: Flask, email: str, entries: int) -> None:
    """One order for ``email``, then ``entries`` ledger entries by bulk insert."""
    with app.app_context():
        state = app.extensions["loyalty"]
        order = state.extension.record_order(
            f"H-{email}", email=email, total=Decimal("10.00")
        )
        start = datetime(2025, 1, 1, tzinfo=UTC)
        state.session.execute(
            sa.insert(PointsEntry),
            [
                {
                    "key": f"bench:{email}:{i}",
                    "customer_id": order.customer_id,
                    "kind": EARN,
                    "points": 3,
                    "created_at": start + timedelta(minutes=i),
                }
                for i in range(entries - 1)
            ],
        )
        state.session.execute(
            sa.update(PointsAccount)
            .where(PointsAccount.customer_id == order.customer_id)
            .values(balance=PointsAccount.balance + 3 * (entries - 1))
        )
        state.session.commit()


def account_benchmark(url: str, requests: int) -> dict[str, t.Any]:
    """Her points page (where her history is, a page at a time) with 10,000
    ledger entries against 10."""
    app = build_app(url)
    add_history(app, "long@example.com", 10_000)
    add_history(app, "short@example.com", 10)
    client = app.test_client()
    times: dict[str, list[float]] = {"long": [], "short": []}
    for who in ("long", "short"):  # warm-up
        client.get("/loyalty/points", headers={"X-Customer": f"{who}@example.com"})
    for _ in range(requests):
        for who in ("long", "short"):
            start = time.perf_counter()
            response = client.get(
                "/loyalty/points", headers={"X-Customer": f"{who}@example.com"}
            )
            times[who].append(time.perf_counter() - start)
            assert response.status_code == 200
    long_ms = statistics.median(times["long"]) * 1000
    short_ms = statistics.median(times["short"]) * 1000
    return {
        "requests": requests,
        "median_ms_10000_entries": round(long_ms, 2),
        "median_ms_10_entries": round(short_ms, 2),
        "ratio": round(long_ms / short_ms, 3),
    }


def ratio_text(row: dict[str, t.Any], label: str) -> str:
    low, high = row[f"ratio_{label}_points_range"]
    return f"{row[f'ratio_{label}_points']} [{low}-{high}]"


def main(argv: t.Sequence[str] | None = None) -> dict[str, t.Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer orders, requests")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    count, requests = (20, 20) if args.quick else (60, 60)
    result: dict[str, t.Any] = {"checkout": []}
    with tempfile.TemporaryDirectory(prefix="loyalty-points-bench-") as folder:
        sqlite = f"sqlite:///{Path(folder) / 'shop.db'}"
        result["checkout"].append(checkout_benchmark("sqlite", sqlite, count))
        pg = postgres_database()
        if pg is not None:
            url, drop = pg
            try:
                result["checkout"].append(checkout_benchmark("postgresql", url, count))
            finally:
                drop()
        account = f"sqlite:///{Path(folder) / 'account.db'}"
        result["account_page"] = account_benchmark(account, requests)
    print("Points: record_order (points on) vs single-row INSERT + COMMIT")
    print("(ratios: median of the rounds' own, their range in brackets)")
    print(
        f"{'database':<12}{'plain/s':>10}{'orders/s':>10}{'ratio':>22}"
        f"{'no points/s':>13}{'ratio':>22}{'CPU ratio':>11}"
    )
    for row in result["checkout"]:
        print(
            f"{row['database']:<12}{row['plain_per_s']:>10}"
            f"{row['record_order_per_s']:>10}{ratio_text(row, 'with'):>22}"
            f"{row['record_order_without_points_per_s']:>13}"
            f"{ratio_text(row, 'without'):>22}{row['cpu_ratio_with_points']:>11}"
        )
    page = result["account_page"]
    print(
        f"\nHer points page, median of {page['requests']}: 10,000 entries"
        f" {page['median_ms_10000_entries']} ms, 10 entries"
        f" {page['median_ms_10_entries']} ms, ratio {page['ratio']} (goal <= 1.5)"
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
