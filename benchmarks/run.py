"""``make bench``: every benchmark of the project, one after another.

The pages part first (``benchmarks/pages.py``: the customer's account page against
a bare page of the same shop, time, CPU time, memory and SQL statements; her points
page beside it), then the newsletter benchmark (``benchmarks/newsletter.py``:
delivery against raw smtplib, campaign building memory, CSV import), the points
benchmark (``benchmarks/points.py``: ``record_order`` with points against INSERT +
COMMIT, her points page with 10,000 ledger entries against 10), and the others
beside them (journeys, offers, deliverability, suggestions:
``benchmarks/suggestions.py``, learned suggestions against the catalogue's rules
on a generated history, and what counting pairs adds to ``record_order``);
``--quick`` makes all smaller.

    python benchmarks/run.py [--requests 200] [--rounds 5] [--json PATH]
                             [--quick] [--only pages|newsletter|points|...]

This prints a report; it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import typing as t
from pathlib import Path

from pages import pages_benchmark

ROOT = Path(__file__).resolve().parent
PARTS = ("newsletter", "points", "journeys", "offers", "deliverability", "suggestions")
"""The benchmarks after the pages part, each a module of benchmarks/ with a
``main(argv)`` that takes ``--quick``."""


def main(argv: t.Sequence[str] | None = None) -> dict[str, t.Any]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=200, help="per page per round")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--memory-requests", type=int, default=20)
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "results" / "latest.json",
        help="where to write the figures (default: benchmarks/results/latest.json)",
    )
    parser.add_argument(
        "--quick", action="store_true", help="fewer requests, newsletter sizes / 10"
    )
    parser.add_argument("--only", choices=("pages", *PARTS))
    args = parser.parse_args(argv)
    if args.quick:
        args.requests, args.rounds = min(args.requests, 50), min(args.rounds, 3)
    result: dict[str, t.Any] = {}
    if args.only in (None, "pages"):
        result = pages_benchmark(args)
    for part in PARTS:
        if args.only in (None, part):
            print("\n")
            module = importlib.import_module(part)
            result[part] = module.main(["--quick"] if args.quick else [])
    return result


if __name__ == "__main__":
    main(sys.argv[1:])
