"""Offers: what the segments cost over a hand-written GROUP BY, and what issuing the
first-purchase offer adds to ``record_order``.

1. **Segments.** 100,000 customers and 1,000,000 orders (``--quick``: a tenth),
   generated in SQL. ``segments.service.sizes()`` (every segment's size, thresholds
   read from the database) against one hand-written ``GROUP BY`` query in plain SQL
   text that computes the same figures, alternating, median of the runs; goal of
   issue 5: a ratio of at most 1.5. A page of members of the top 20% is timed too.
   On a SQLite file and, when ``LOYALTY_TEST_POSTGRES_URL`` (or the default local
   server) answers, PostgreSQL.
2. **record_order with offers.** N orders, each a new customer's first (so each one
   issues the offer: a code, the grant, suggestions from a 12-product catalog),
   against the same loop with no offer; ten interleaved rounds, median orders per
   second and the median of the rounds' own ratios (with their range). The
   offer's email is written by the worker after the order
   (``mail_due_offers``): its time per email is given beside.
3. **Quoting a code with many running offers.** Two shops, one with the
   first-purchase offer alone and one with 99 more running offers of every
   trigger and benefit (conditions on categories and subtotals, 10 codes issued
   by hand for each); the same customer's first-purchase code quoted for a cart
   of 3 lines, alternating rounds, median quotes per second and the ratio (goal
   of issue 22: at most 3; django-oscar's users report offer evaluation that
   slows with every running offer, its issue #3063).

    python benchmarks/offers.py [--quick] [--json PATH]

Nothing here asserts a time.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import typing as t
from pathlib import Path

from databases import postgres_database
from offers_issuing import issue_benchmark
from offers_issuing import quote_benchmark
from offers_issuing import quote_benchmark_postgres
from offers_segments import segments_benchmark


def main(argv: t.Sequence[str] | None = None) -> dict[str, t.Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tenth of the data")
    parser.add_argument("--json", type=Path, default=None)
    parser.add_argument(
        "--part",
        choices=("segments", "record_order", "quote"),
        default=None,
        help="run one part only",
    )
    args = parser.parse_args(argv)
    customers, orders, count = (
        (10_000, 100_000, 20) if args.quick else (100_000, 1_000_000, 60)
    )
    quotes = 100 if args.quick else 500
    result: dict[str, t.Any] = {"segments": [], "record_order": [], "quote": []}
    with tempfile.TemporaryDirectory(prefix="loyalty-offers-bench-") as folder:
        databases = [("sqlite", lambda n: f"sqlite:///{Path(folder) / n}", None)]
        for name, make_url, _ in databases:
            if args.part in (None, "segments"):
                result["segments"].append(
                    segments_benchmark(name, make_url("segments.db"), customers, orders)
                )
            if args.part in (None, "record_order"):
                result["record_order"].append(
                    issue_benchmark(name, make_url("issue.db"), count)
                )
            if args.part in (None, "quote"):
                result["quote"].append(
                    quote_benchmark(name, lambda n, u=make_url: u(f"{n}.db"), quotes)
                )
        for part, run in (
            (
                "segments",
                lambda url: segments_benchmark("postgresql", url, customers, orders),
            ),
            ("record_order", lambda url: issue_benchmark("postgresql", url, count)),
            ("quote", lambda url: quote_benchmark_postgres(url, quotes)),
        ):
            if args.part not in (None, part):
                continue
            pg = postgres_database()
            if pg is None:
                break
            url, drop = pg
            try:
                result[part].append(run(url))
            finally:
                drop()
    print("Offers: segments() against one hand-written GROUP BY (goal <= 1.5)")
    print(
        f"{'database':<12}{'customers':>10}{'orders':>10}{'sizes ms':>10}"
        f"{'GROUP BY ms':>13}{'ratio':>8}{'top 20% page ms':>17}"
    )
    for row in result["segments"]:
        print(
            f"{row['database']:<12}{row['customers']:>10}{row['orders']:>10}"
            f"{row['sizes_ms']:>10}{row['group_by_ms']:>13}{row['ratio']:>8}"
            f"{row['top_20_page_ms']:>17}"
        )
    print("\nrecord_order issuing the first-purchase offer, against no offer")
    print("(goal <= 1.3; the worker writes each email later, its ms beside)")
    print(
        f"{'database':<12}{'orders':>8}{'offer/s':>10}{'none/s':>10}{'cost':>8}"
        f"{'worker ms/email':>17}"
        "  cost range"
    )
    for row in result["record_order"]:
        print(
            f"{row['database']:<12}{row['orders']:>8}{row['with_offer_per_s']:>10}"
            f"{row['without_offers_per_s']:>10}{row['cost_ratio']:>8}"
            f"{row['worker_ms_per_email']:>17}"
            f"  [{row['cost_ratio_range'][0]}-{row['cost_ratio_range'][1]}]"
        )
    print("\nquoting a code with 100 running offers, against 1 (goal <= 3)")
    print(
        f"{'database':<12}{'quotes':>8}{'1 offer/s':>11}{'100 offers/s':>14}"
        f"{'ratio':>8}"
    )
    for row in result["quote"]:
        print(
            f"{row['database']:<12}{row['quotes']:>8}{row['one_offer_per_s']:>11}"
            f"{row['hundred_offers_per_s']:>14}{row['ratio']:>8}"
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n")
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
