"""Suggestions learned from the shop's orders against the catalogue's rules, offline,
and what counting them costs ``record_order`` (issue 23).

A generated shop (seeded, so every run sees the same history): 120 products in 12
collections of 10 and 5 categories; 30 planted sets of 4 products that customers
buy together (two of one collection, two from anywhere); 5,000 customers, each
fond of one or two sets, and 20,000 orders (one each, the rest to a skewed few),
each of 1 to 3 pieces: a piece comes from one of her sets with probability 0.6,
else from the whole catalogue by popularity (a Zipf-like curve: the noise).

1. **The cost.** Every order but each customer's last is recorded with
   ``record_order`` into two SQLite files, one counting pairs as it records
   (``copurchases.counting.count_order``) and one with that call replaced by
   nothing; the orders go in chunks, the two files alternating which goes first,
   and the report gives the median milliseconds per order of each and their
   ratio, in CPU time of the process (SQLite runs in it): the machine is shared,
   and wall time counts others' work. The shop commits every 50 orders
   (``commit=False``): a commit per order adds a disk flush to both that, on a
   busy machine, hides what counting costs.
   Then the counts are checked against a rebuild (which is timed).
2. **Hit rate at 3.** For each customer with two orders or more, her last order is
   held out; from the order before it (what ``record_order`` hands the offer) and
   with what she bought before left out, three suggestions are made: learned
   (pairs by lift with a minimum support, then the catalogue's rules) and the
   catalogue's rules alone; and, as a yardstick, the three products most
   customers bought that she has not. A hit: one of the three is in her
   held-out order.

    python benchmarks/suggestions.py [--quick] [--json PATH]

Nothing here asserts a time or a rate.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
import typing as t
from dataclasses import dataclass
from datetime import UTC
from datetime import datetime
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

import sqlalchemy as sa
from flask import Flask
from flask_sqlalchemy import SQLAlchemy

import flask_loyalty.orders.service as orders_service
from flask_loyalty import CatalogProduct
from flask_loyalty import FrozenClock
from flask_loyalty import Loyalty
from flask_loyalty import OrderLine
from flask_loyalty.copurchases.counting import rebuild
from flask_loyalty.copurchases.models import CoPurchase
from flask_loyalty.copurchases.ranking import bought_with
from flask_loyalty.db import Base
from flask_loyalty.offers.suggest import BOUGHT_TOGETHER
from flask_loyalty.offers.suggest import suggest

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SEED = 23
CATEGORIES = ("rings", "necklaces", "earrings", "bracelets", "brooches")
BANDS = {"rings": 40, "necklaces": 55, "earrings": 30, "bracelets": 45, "brooches": 25}
SETS, SET_SIZE, SIGNAL = 30, 4, 0.6
COMMIT_EVERY = 50
LEAST = (2, 5, 10)
"""Minimum supports tried; 5 is ``LOYALTY_SUGGESTION_MIN_CUSTOMERS``'s default."""


@dataclass
class History:
    catalog: list[CatalogProduct]
    orders: list[tuple[int, list[int]]]
    """(customer, product indexes), in the order they were placed."""


def generate(customers: int, orders: int, seed: int = SEED) -> History:
    rng = random.Random(seed)
    catalog = [
        CatalogProduct(
            f"P{n:03d}",
            f"Piece {n}",
            Decimal(BANDS[CATEGORIES[n % 5]] + rng.randrange(-10, 15)),
            CATEGORIES[n % 5],
            f"Collection {n // 10}",
        )
        for n in range(120)
    ]
    sets = []
    for _ in range(SETS):
        home = rng.randrange(12)
        pair = rng.sample(range(home * 10, home * 10 + 10), 2)
        others = rng.sample([n for n in range(120) if n not in pair], SET_SIZE - 2)
        sets.append(pair + others)
    popularity = [1 / (rank + 1) ** 0.8 for rank in range(120)]
    rng.shuffle(popularity)
    tastes = [rng.sample(range(SETS), rng.choice((1, 1, 2))) for _ in range(customers)]
    weights = [rng.paretovariate(1.5) for _ in range(customers)]
    owners = list(range(customers))
    owners += rng.choices(range(customers), weights=weights, k=orders - customers)
    rng.shuffle(owners)  # the order in which orders are placed
    placed = []
    for customer in owners:
        picks: list[int] = []
        for _ in range(rng.choice((1, 1, 2, 2, 3))):
            if rng.random() < SIGNAL:
                piece = rng.choice(sets[rng.choice(tastes[customer])])
            else:
                piece = rng.choices(range(120), weights=popularity)[0]
            if piece not in picks:
                picks.append(piece)
        placed.append((customer, picks))
    return History(catalog, placed)


def build_app(path: Path, catalog: list[CatalogProduct]) -> Flask:
    app = Flask(f"suggest-{path.stem}")
    app.config.update(
        SECRET_KEY="bench",
        SQLALCHEMY_DATABASE_URI=f"sqlite:///{path}",
        LOYALTY_MAIL_DELIVERY="hold",
        LOYALTY_CLOCK=FrozenClock(NOW),
        SERVER_NAME="shop.test",
    )
    db = SQLAlchemy(app)
    Loyalty(app, db=db).catalog_loader(lambda: catalog)
    with app.app_context():
        Base.metadata.create_all(db.engine)
    return app


def lines(history: History, picks: list[int]) -> list[OrderLine]:
    products = [history.catalog[n] for n in picks]
    return [OrderLine(p.sku, p.name, 1, p.price, p.category) for p in products]


def record(app: Flask, history: History, batch: list[int], counting: bool) -> float:
    """Record the orders numbered ``batch``; CPU seconds per order."""
    loyalty = app.extensions["loyalty"].extension
    real = orders_service.count_order
    if not counting:
        orders_service.count_order = lambda *args: None
    try:
        with app.app_context():
            start = time.process_time()
            for k, n in enumerate(batch, 1):
                customer, picks = history.orders[n]
                items = lines(history, picks)
                loyalty.record_order(
                    f"O-{n}",
                    email=f"c{customer}@example.com",
                    total=sum((i.unit_price for i in items), Decimal(0)),
                    items=items,
                    placed_at=NOW - timedelta(minutes=len(history.orders) - n),
                    commit=False,
                )
                if k % COMMIT_EVERY == 0 or k == len(batch):
                    loyalty.state.session.commit()
            return (time.process_time() - start) / len(batch)
    finally:
        orders_service.count_order = real


def held_out(history: History) -> tuple[list[int], dict[int, int]]:
    """The orders to record (all but each customer's last, if she has two or
    more) and each such customer's held-out order."""
    last: dict[int, int] = {}
    count: dict[int, int] = {}
    for n, (customer, _picks) in enumerate(history.orders):
        last[customer] = n
        count[customer] = count.get(customer, 0) + 1
    test = {c: n for c, n in last.items() if count[c] >= 2}
    train = [n for n in range(len(history.orders)) if n not in set(test.values())]
    return train, test


def cost(
    learn: Flask, plain: Flask, history: History, train: list[int], chunks: int
) -> dict[str, t.Any]:
    size = -(-len(train) // chunks)
    with_counts: list[float] = []
    without: list[float] = []
    for k in range(chunks):
        batch = train[k * size : (k + 1) * size]
        runs = [(learn, True, with_counts), (plain, False, without)]
        for app, counting, samples in runs if k % 2 == 0 else runs[::-1]:
            samples.append(record(app, history, batch, counting))
    a, b = statistics.median(with_counts), statistics.median(without)
    return {"ms_with": a * 1000, "ms_without": b * 1000, "ratio": a / b}


def check_rebuild(app: Flask) -> float:
    """Seconds of a rebuild, after checking that it equals the counts kept order
    by order."""
    with app.app_context():
        session = app.extensions["loyalty"].session
        select = sa.select(CoPurchase.sku_a, CoPurchase.sku_b, CoPurchase.customers)
        kept = set(session.execute(select))
        start = time.perf_counter()
        rebuild(session)
        session.commit()
        seconds = time.perf_counter() - start
        assert set(session.execute(select)) == kept, "a rebuild differs"
    return seconds


def hit_rates(
    app: Flask, history: History, train: list[int], test: dict[int, int]
) -> dict[str, t.Any]:
    before: dict[int, list[int]] = {}  # each customer's recorded orders
    for n in train:
        before.setdefault(history.orders[n][0], []).append(n)
    hits = {"catalogue": 0, "popular": 0, **{f"learned_{least}": 0 for least in LEAST}}
    from_pairs = dict.fromkeys(LEAST, 0)
    with app.app_context():
        session = app.extensions["loyalty"].session
        popular = list(
            session.scalars(
                sa.select(CoPurchase.sku_a)
                .where(CoPurchase.sku_a == CoPurchase.sku_b, CoPurchase.sku_a != "")
                .order_by(CoPurchase.customers.desc(), CoPurchase.sku_a)
            )
        )
        for customer, target in test.items():
            wanted = {history.catalog[n].sku for n in history.orders[target][1]}
            last = history.orders[before[customer][-1]][1]
            bought = [
                SimpleNamespace(
                    sku=p.sku,
                    name=p.name,
                    category=p.category,
                    unit_price_cents=int(p.price * 100),
                )
                for p in (history.catalog[n] for n in last)
            ]
            owned = {
                history.catalog[p].sku
                for n in before[customer]
                for p in history.orders[n][1]
            }
            plain = suggest(history.catalog, bought, "EUR", owned=owned)
            hits["catalogue"] += bool(wanted & {s["sku"] for s in plain})
            top = [sku for sku in popular if sku not in owned][:3]
            hits["popular"] += bool(wanted & set(top))
            for least in LEAST:
                pairs = bought_with(session, {b.sku for b in bought}, least)
                picks = suggest(
                    history.catalog, bought, "EUR", owned=owned, learned=pairs
                )
                hits[f"learned_{least}"] += bool(wanted & {s["sku"] for s in picks})
                from_pairs[least] += sum(s["reason"] == BOUGHT_TOGETHER for s in picks)
    total = len(test)
    return {
        "evaluated": total,
        "hit_at_3": {name: count / total for name, count in hits.items()},
        "learned_share": {
            least: count / (3 * total) for least, count in from_pairs.items()
        },
    }


def main(argv: t.Sequence[str] | None = None) -> dict[str, t.Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a fifth of the shop")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    customers, orders = (1000, 4000) if args.quick else (5000, 20000)
    history = generate(customers, orders)
    train, test = held_out(history)
    wall = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="loyalty-suggest-") as folder:
        learn = build_app(Path(folder) / "learn.db", history.catalog)
        plain = build_app(Path(folder) / "plain.db", history.catalog)
        result: dict[str, t.Any] = {
            "customers": customers,
            "orders": orders,
            "recorded": len(train),
            "record_order": cost(learn, plain, history, train, chunks=10),
            "rebuild_seconds": check_rebuild(learn),
            **hit_rates(learn, history, train, test),
        }
        for app in (learn, plain):
            with app.app_context():
                app.extensions["loyalty"].db.engine.dispose()
    result["seconds"] = time.perf_counter() - wall
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


def report(r: dict[str, t.Any]) -> None:
    c = r["record_order"]
    print(
        f"Suggestions: {r['customers']:,} customers, {r['orders']:,} orders"
        f" ({r['recorded']:,} recorded, each customer's last of two or more held"
        f" out), SQLite, {r['seconds']:.0f} s"
    )
    print(
        f"record_order, CPU: {c['ms_with']:.2f} ms counting pairs,"
        f" {c['ms_without']:.2f} ms without; ratio {c['ratio']:.2f}"
        f" (commit every {COMMIT_EVERY})"
    )
    print(f"rebuild of all counts: {r['rebuild_seconds']:.2f} s (equal to the kept)")
    print(f"hit rate at 3 over {r['evaluated']:,} held-out orders:")
    print(f"  catalogue rules alone            {r['hit_at_3']['catalogue']:.1%}")
    print(f"  the 3 most bought (yardstick)    {r['hit_at_3']['popular']:.1%}")
    for least in LEAST:
        share = r["learned_share"][least]
        print(
            f"  learned, at least {least:>2} customers"
            f"    {r['hit_at_3'][f'learned_{least}']:.1%}"
            f" ({share:.0%} of suggestions from pairs)"
        )


if __name__ == "__main__":
    main(sys.argv[1:])
