"""Issue 22's table from one run: every speed figure it sets a goal for, measured
in the same process a few minutes apart, each against its own baseline.

- the account page against the bare page (``pages.py``): time, CPU
  time and SQL statements; her points page beside it, without a goal;
- ``record_order`` with points against single-row ``INSERT`` + ``COMMIT``, on
  SQLite and PostgreSQL (``points.py``);
- the first order that issues the first-purchase offer against an order with
  no running offer, on SQLite and PostgreSQL (``offers.py``, part 2);
- quoting a code with 100 running offers against 1 (``offers.py``, part 3);
- the segment sizes against a hand-written ``GROUP BY`` (``offers.py``, part 1,
  at a tenth of its size: 10,000 customers, 100,000 orders).

PostgreSQL is ``LOYALTY_TEST_POSTGRES_URL`` (or the default local server); without
one, its rows say so. About a minute on a 2-core machine. The machine's load
average is printed with the table: the ratios against ``INSERT`` + ``COMMIT`` grow
when other work slows the disk (the plain loop is mostly its commit's fsync),
so only a run on a quiet machine says whether a goal is met.

    python benchmarks/goals.py [--json PATH]

It prints each figure beside its goal; it asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import typing as t
from datetime import UTC
from datetime import datetime
from pathlib import Path

import points
from databases import postgres_database
from offers_issuing import issue_benchmark
from offers_issuing import quote_benchmark
from offers_segments import segments_benchmark
from pages import pages_benchmark

Row = tuple[str, str, str, bool | None]
"""A line of the table: figure, measured, goal, met (``None``: not measured)."""


def on_postgres(
    measure: t.Callable[[str], dict[str, t.Any]],
) -> dict[str, t.Any] | None:
    """``measure(url)`` in a PostgreSQL schema of its own; ``None`` without a server."""
    database = postgres_database()
    if database is None:
        return None
    url, drop = database
    try:
        return measure(url)
    finally:
        drop()


def goal_row(figure: str, shown: str, value: float, goal: float, *, least: bool) -> Row:
    """A line for a figure that should be at least (``least``) or at most ``goal``."""
    met = value >= goal if least else value <= goal
    return figure, shown, f"{'>=' if least else '<='} {goal:g}", met


def measure(folder: Path) -> tuple[list[Row], dict[str, t.Any]]:
    figures: dict[str, t.Any] = {}
    rows: list[Row] = []

    pages = pages_benchmark(
        argparse.Namespace(requests=200, rounds=5, memory_requests=20, json=None)
    )
    figures["pages"] = pages
    statements = pages["queries"]["loyalty"]
    rows += [
        goal_row(
            "account page / bare page, time",
            f"{pages['ratio_time']:.2f}x",
            pages["ratio_time"],
            6,
            least=False,
        ),
        (
            "account page / bare page, CPU time",
            f"{pages['ratio_cpu']:.2f}x",
            "(beside it)",
            None,
        ),
        ("account page, SQL statements", str(statements), "<= 5", statements <= 5),
        (
            "her points page / bare page, time",
            f"{pages['ratio_points_page']:.2f}x",
            "(beside it)",
            None,
        ),
    ]

    sqlite = f"sqlite:///{folder / 'points.db'}"
    checkout = [points.checkout_benchmark("sqlite", sqlite, 60)]
    checkout.append(
        on_postgres(lambda url: points.checkout_benchmark("postgresql", url, 60))
    )
    figures["points"] = checkout
    for row, name, goal in zip(
        checkout, ("SQLite", "PostgreSQL"), (0.4, 0.25), strict=True
    ):
        figure = f"record_order with points / INSERT + COMMIT, {name}"
        if row is None:
            rows.append((figure, "no server", f">= {goal}", None))
            continue
        shown = points.ratio_text(row, "with")
        rows.append(goal_row(figure, shown, row["ratio_with_points"], goal, least=True))
        rows.append(
            (
                f"the same in CPU time, {name}",
                str(row["cpu_ratio_with_points"]),
                "(beside it)",
                None,
            )
        )

    issuing = [issue_benchmark("sqlite", f"sqlite:///{folder / 'issue.db'}", 60)]
    issuing.append(on_postgres(lambda url: issue_benchmark("postgresql", url, 60)))
    figures["offer_order"] = issuing
    for row, name in zip(issuing, ("SQLite", "PostgreSQL"), strict=True):
        figure = f"first order issuing the offer / none, {name}"
        if row is None:
            rows.append((figure, "no server", "<= 1.3", None))
            continue
        ratio, (low, high) = row["cost_ratio"], row["cost_ratio_range"]
        shown = f"{ratio:.3f} [{low}-{high}]"
        rows.append(goal_row(figure, shown, ratio, 1.3, least=False))

    quote = quote_benchmark("sqlite", lambda n: f"sqlite:///{folder / n}.db", 500)
    figures["quote"] = quote
    ratio = quote["ratio"]
    figure = "quote with 100 running offers / 1"
    rows.append(goal_row(figure, f"{ratio:.3f}", ratio, 3, least=False))

    segments = segments_benchmark(
        "sqlite", f"sqlite:///{folder / 'segments.db'}", 10_000, 100_000
    )
    figures["segments"] = segments
    ratio = segments["ratio"]
    figure = "segment sizes / hand-written GROUP BY (keep)"
    rows.append(goal_row(figure, f"{ratio:.3f}", ratio, 1.5, least=False))
    return rows, figures


def load() -> str:
    return " ".join(f"{figure:.2f}" for figure in os.getloadavg())


def print_table(rows: t.Sequence[Row], load_before: str) -> None:
    width = max(len(row[0]) for row in rows)
    print(f"\nIssue 22, one run ({datetime.now(UTC):%Y-%m-%d %H:%M} UTC)")
    print(f"load average before: {load_before}; after: {load()}")
    print(f"{'figure':<{width}}  {'measured':>22}  {'goal':>14}  met")
    for figure, measured, goal, met in rows:
        shown = "-" if met is None else ("yes" if met else "NO")
        print(f"{figure:<{width}}  {measured:>22}  {goal:>14}  {shown}")


def main(argv: t.Sequence[str] | None = None) -> dict[str, t.Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args(argv)
    load_before = load()
    with tempfile.TemporaryDirectory(prefix="loyalty-goals-") as folder:
        rows, figures = measure(Path(folder))
    figures["load_average_before"] = load_before
    print_table(rows, load_before)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2, default=str) + "\n")
    return figures


if __name__ == "__main__":
    main(sys.argv[1:])
