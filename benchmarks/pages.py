"""The pages part of ``make bench`` (``run.py --only pages``): what the
customer's account page costs over a bare page of the same shop.

One app, one SQLite file: her account page (``GET /loyalty/``, signed in through
``customer_loader``, with a few recorded orders) against a bare route of the same
app that renders the same base template with similar static content (her points
page, ``/loyalty/points``, is timed after them in rounds of its own). Requests go
through Flask's test client, alternating between the two, in several rounds; the
report gives median microseconds per request, the ratio loyalty/bare, and the
peak Python memory (tracemalloc) of one request as a ratio. It asserts nothing
about time.
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import platform
import statistics
import tempfile
import time
import tracemalloc
import typing as t
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import sqlalchemy as sa
from flask import Flask
from flask import render_template
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy

from flask_loyalty import Loyalty
from flask_loyalty import ShopCustomer
from flask_loyalty.db import Base

ORDERS = 5

BASE_TEMPLATE = """<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{% block title %}{% endblock %} · Clay & Thread</title>
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; margin: 0; color: #222; }
    header, main { max-width: 44rem; margin: 0 auto; padding: 1rem; }
  </style>
</head>
<body>
  <header><a href="/">Clay & Thread</a> · <a href="/cart">Cart</a></header>
  <main>{% block content %}{% endblock %}</main>
  <footer><p>Handmade in Tartu.</p></footer>
</body>
</html>
"""

# The same shape as the account page, with nothing computed: a heading, a card, a
# table of ORDERS rows.
BARE_TEMPLATE = """{% extends "shop/base.html" %}
{% block title %}Your account{% endblock %}
{% block content %}
{% include "loyalty/_styles.html" %}
<div class="loyalty">
  <h1>Hello, Anna</h1>
  <p class="muted">anna@example.com</p>
  <section class="card">
    <h2>Your orders</h2>
    <p>You have ordered 5 times.</p>
    <table>
      <thead><tr><th>Order</th><th>Date</th><th class="num">Total</th></tr></thead>
      <tbody>
      {% for n in range(5) %}
        <tr>
          <td>B-100{{ n }}</td><td>Feb 2{{ n }}, 2026</td><td class="num">€42.00</td>
        </tr>
      {% endfor %}
      </tbody>
    </table>
  </section>
</div>
{% endblock %}
"""


def build_app(folder: Path) -> Flask:
    """The shop: the extension on a SQLite file, Anna signed in, a bare page."""
    templates = folder / "templates" / "shop"
    templates.mkdir(parents=True)
    (templates / "base.html").write_text(BASE_TEMPLATE)
    (templates / "bare.html").write_text(BARE_TEMPLATE)

    app = Flask(
        "benchshop",
        template_folder=str(folder / "templates"),
        instance_path=str(folder / "instance"),
    )
    app.config.update(
        SECRET_KEY="benchmark",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{folder / 'shop.db'}",
        LOYALTY_BASE_TEMPLATE="shop/base.html",
        LOYALTY_MAIL_DELIVERY="hold",
        LOYALTY_SHOP_NAME="Clay & Thread",
        MAIL_DEFAULT_SENDER="shop@example.com",
    )
    db = SQLAlchemy(app)
    loyalty = Loyalty(app, db=db)

    @loyalty.customer_loader
    def current_customer() -> ShopCustomer:
        return ShopCustomer(
            email="anna@example.com", name="Anna Tamm", email_verified=True
        )

    @app.get("/bare")
    def bare() -> str:
        return render_template("shop/bare.html")

    with app.app_context():
        Base.metadata.create_all(db.engine)
        start = datetime(2026, 2, 20, 12, 0, tzinfo=UTC)
        for n in range(ORDERS):
            loyalty.record_order(
                f"B-100{n}",
                email="anna@example.com",
                name="Anna Tamm",
                total=Decimal("42.00"),
                items=[
                    {
                        "sku": "MUG-1",
                        "name": "Glazed mug",
                        "quantity": 2,
                        "unit_price": Decimal("21.00"),
                    }
                ],
                placed_at=start + timedelta(days=n),
            )
        # A few other customers, so queries are not against one-row tables.
        for n in range(200):
            loyalty.record_order(
                f"X-{n}",
                email=f"c{n}@example.com",
                total=Decimal("10.00"),
                placed_at=start,
                commit=False,
            )
        db.session.commit()
        assert db.session.scalar(sa.text("select count(*) from loyalty_orders")) == 205
    return app


def get(client: FlaskClient, url: str, expect: str) -> None:
    response = client.get(url)
    if response.status_code != 200 or expect not in response.get_data(as_text=True):
        raise SystemExit(
            f"GET {url} answered {response.status_code}; the benchmark is not"
            f" measuring the page it should:\n{response.get_data(as_text=True)[:2000]}"
        )


def time_requests(
    client: FlaskClient, url: str, count: int
) -> tuple[list[float], list[float]]:
    """Microseconds for each of ``count`` requests to ``url``: wall time, and the
    CPU time of this process (on a shared machine a longer request is preempted
    more often, which inflates its wall time beyond its work)."""
    samples, cpu = [], []
    for _ in range(count):
        started, started_cpu = time.perf_counter_ns(), time.process_time_ns()
        client.get(url)
        samples.append((time.perf_counter_ns() - started) / 1000)
        cpu.append((time.process_time_ns() - started_cpu) / 1000)
    return samples, cpu


def count_statements(engine: sa.Engine, client: FlaskClient, url: str) -> int:
    """SQL statements that one request to ``url`` sends to the database."""
    statements: list[str] = []

    def record(*args: t.Any) -> None:
        statements.append(args[2])

    sa.event.listen(engine, "before_cursor_execute", record)
    try:
        client.get(url)
    finally:
        sa.event.remove(engine, "before_cursor_execute", record)
    return len(statements)


def peak_memory(client: FlaskClient, url: str, count: int) -> list[int]:
    """Peak bytes allocated by Python during each of ``count`` requests."""
    peaks = []
    tracemalloc.start()
    try:
        for _ in range(count):
            tracemalloc.reset_peak()
            before, _peak = tracemalloc.get_traced_memory()
            client.get(url)
            _now, peak = tracemalloc.get_traced_memory()
            peaks.append(peak - before)
    finally:
        tracemalloc.stop()
    return peaks


PAGES = {"loyalty": ("/loyalty/", "B-1004"), "bare": ("/bare", "B-1004")}
"""The pages whose ratio is the figure: the account page and the bare page."""
POINTS_PAGE = ("/loyalty/points", "Order B-1004")
"""Her points page (history, forms), timed against the bare page in rounds of
its own after the figure's, so that it does not change what the figure measures."""


def alternate(
    client: FlaskClient, pages: dict[str, tuple[str, str]], args: argparse.Namespace
) -> tuple[dict[str, list[float]], dict[str, list[float]], dict[str, list[float]]]:
    """Per page: each request's wall and CPU microseconds, and each round's
    median, over ``args.rounds`` rounds that alternate the pages' order."""
    timings: dict[str, list[float]] = {name: [] for name in pages}
    cpu_timings: dict[str, list[float]] = {name: [] for name in pages}
    round_medians: dict[str, list[float]] = {name: [] for name in pages}
    for round_number in range(args.rounds):
        order = list(pages) if round_number % 2 == 0 else list(pages)[::-1]
        for name in order:
            gc.collect()
            samples, cpu = time_requests(client, pages[name][0], args.requests)
            timings[name].extend(samples)
            cpu_timings[name].extend(cpu)
            round_medians[name].append(statistics.median(samples))
    return timings, cpu_timings, round_medians


def pages_benchmark(args: argparse.Namespace) -> dict[str, t.Any]:
    pages = PAGES
    with tempfile.TemporaryDirectory(prefix="loyalty-bench-") as folder:
        app = build_app(Path(folder))
        client = app.test_client()
        for url, expect in (*pages.values(), POINTS_PAGE):
            for _ in range(50):  # warm up: templates compiled, caches filled
                get(client, url, expect)

        wall = time.perf_counter()
        timings, cpu_timings, round_medians = alternate(client, pages, args)
        wall = time.perf_counter() - wall
        beside, _cpu, _rounds = alternate(
            client, {"points": POINTS_PAGE, "bare": pages["bare"]}, args
        )

        memory = {
            name: peak_memory(client, url, args.memory_requests)
            for name, (url, _expect) in pages.items()
        }
        with app.app_context():
            engine = app.extensions["loyalty"].db.engine
        # Each request in an app context of its own, as in a shop: one held
        # around them all would share ``g``, and so her row, between them.
        queries = {
            name: count_statements(engine, client, url)
            for name, (url, _expect) in {**pages, "points": POINTS_PAGE}.items()
        }
        engine.dispose()

    median = {name: statistics.median(samples) for name, samples in timings.items()}
    cpu = {name: statistics.median(samples) for name, samples in cpu_timings.items()}
    p90 = {
        name: statistics.quantiles(samples, n=10)[-1]
        for name, samples in timings.items()
    }
    peak = {name: statistics.median(values) for name, values in memory.items()}
    points = {name: statistics.median(samples) for name, samples in beside.items()}
    result = {
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "flask": importlib.metadata.version("flask"),
        "sqlalchemy": sa.__version__,
        "requests_per_round": args.requests,
        "rounds": args.rounds,
        "median_us": median,
        "p90_us": p90,
        "round_medians_us": round_medians,
        "ratio_time": median["loyalty"] / median["bare"],
        "cpu_median_us": cpu,
        "ratio_cpu": cpu["loyalty"] / cpu["bare"],
        "peak_bytes": peak,
        "ratio_memory": peak["loyalty"] / peak["bare"],
        "points_page_us": points,
        "ratio_points_page": points["points"] / points["bare"],
        "queries": queries,
        "seconds": wall,
    }
    print_report(result)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"\nwritten to {args.json}")
    return result


def print_report(r: dict[str, t.Any]) -> None:
    print(
        f"flask-loyalty benchmark: Python {r['python']}, Flask {r['flask']},"
        f" SQLAlchemy {r['sqlalchemy']}, {r['rounds']} rounds x"
        f" {r['requests_per_round']} requests per page"
        f" ({r['seconds']:.1f}s)"
    )
    print()
    print(f"{'page':<28}{'median us':>12}{'p90 us':>12}{'cpu us':>10}{'peak KiB':>12}")
    for name, label in (
        ("bare", "bare (/bare)"),
        ("loyalty", "loyalty account (/loyalty/)"),
    ):
        print(
            f"{label:<28}{r['median_us'][name]:>12.0f}{r['p90_us'][name]:>12.0f}"
            f"{r['cpu_median_us'][name]:>10.0f}{r['peak_bytes'][name] / 1024:>12.1f}"
        )
    print()
    print(f"time   loyalty / bare: {r['ratio_time']:.2f}x")
    print(f"cpu    loyalty / bare: {r['ratio_cpu']:.2f}x (this process's CPU time)")
    print(f"memory loyalty / bare: {r['ratio_memory']:.2f}x (peak per request)")
    queries = r["queries"]
    print(f"SQL per request: loyalty {queries['loyalty']}, bare {queries['bare']}")
    spread = {
        name: f"{min(v):.0f}-{max(v):.0f}" for name, v in r["round_medians_us"].items()
    }
    print(f"round medians (us): bare {spread['bare']}, loyalty {spread['loyalty']}")
    points = r["points_page_us"]
    print(
        "her points page (/loyalty/points, in rounds of its own):"
        f" {points['points']:.0f} us against bare {points['bare']:.0f} us,"
        f" {r['ratio_points_page']:.2f}x; SQL {queries['points']}"
    )
