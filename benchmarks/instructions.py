"""Issue 22's SQLite figures in CPU instructions, which do not depend on the machine.

The time ratios of ``goals.py`` move with the machine: the same code gave the
account page 4.9-5.4x the bare page on one 2-core machine and 6.2-6.3x on
another, because a page that runs more code (SQLAlchemy, sqlite3, six templates)
loses more to the CPU's caches on some processors than on others. Instructions
retired stay the same to within a fraction of a percent, so they tell whether a
change made the work smaller, whatever machine measures it:

- the account page (``GET /loyalty/``) against the bare page of ``pages.py``'s shop;
- the first order that issues the first-purchase offer against one with no offer
  running, in ``offers_shop.py``'s shop on a SQLite file (the commit's disk writes
  are system calls: their time is not in the count).

Each is run under Valgrind's callgrind twice, with ``low`` and ``high`` requests
(or orders) after the same warm-up; the difference, divided by ``high - low``,
is one request's (one order's) instructions without the set-up. Runs go two at a
time (callgrind uses one core each); the whole takes about four minutes on a
2-core machine. PostgreSQL is left out: most of its work is in the server.

    python benchmarks/instructions.py [--only pages|offers] [--json PATH]

``make bench-instructions`` installs Debian's valgrind if it is missing. Nothing
here asserts a count.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import typing as t
from pathlib import Path

import pages
from offers_issuing import record_orders
from offers_issuing import set_offer
from offers_shop import build_app

WARM_UP = 50
SPANS = {"pages": (100, 300), "offers": (50, 150)}
"""The two counts of each part: requests (pages) or orders (offers)."""
CASES = {
    "pages": ("/bare", "/loyalty/"),
    "offers": ("off", "on"),
}
"""What each part runs: the baseline first."""


# -- What callgrind runs (``instructions.py --run PART CASE COUNT``) ---------------


def run_pages(url: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        client = pages.build_app(Path(folder)).test_client()
        for _ in range(WARM_UP + count):
            if client.get(url).status_code != 200:
                raise SystemExit(f"GET {url} did not answer 200")


def run_offers(case: str, count: int) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = build_app(f"sqlite:///{Path(folder) / 'orders.db'}")
        set_offer(app, case == "on")
        record_orders(app, WARM_UP)
        record_orders(app, count)


# -- Measuring -------------------------------------------------------------------


def count_instructions(part: str, case: str, count: int) -> int:
    """Instructions of one run of ``part``'s ``case`` with ``count`` requests or
    orders, under callgrind (hash randomisation off: the same run each time)."""
    with tempfile.TemporaryDirectory() as folder:
        result = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={Path(folder) / 'callgrind.out'}",
                sys.executable,
                __file__,
                "--run",
                part,
                case,
                str(count),
            ],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONHASHSEED": "0"},
            check=False,
        )
    found = re.search(r"Collected : (\d+)", result.stderr)
    if result.returncode != 0 or found is None:
        raise SystemExit(
            f"callgrind failed on {part} {case} {count}:\n{result.stderr[-2000:]}"
        )
    return int(found.group(1))


def measure(parts: t.Sequence[str]) -> dict[str, t.Any]:
    """Each part's instructions per request (order), baseline and measured."""
    runs = [
        (part, case, count)
        for part in parts
        for case in CASES[part]
        for count in SPANS[part]
    ]
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        counts = dict(
            zip(runs, pool.map(lambda run: count_instructions(*run), runs), strict=True)
        )
    figures: dict[str, t.Any] = {}
    for part in parts:
        low, high = SPANS[part]
        per = {
            case: (counts[part, case, high] - counts[part, case, low]) / (high - low)
            for case in CASES[part]
        }
        base, measured = (per[case] for case in CASES[part])
        figures[part] = {
            "instructions": {case: round(value) for case, value in per.items()},
            "ratio": round(measured / base, 3),
            "span": [low, high],
        }
    return figures


LABELS = {
    "pages": ("account page / bare page", "requests"),
    "offers": ("first order issuing the offer / none, SQLite", "orders"),
}


def report(figures: dict[str, t.Any]) -> None:
    print(f"{'figure':48s} per unit, measured / baseline")
    for part, figure in figures.items():
        label, unit = LABELS[part]
        base, measured = (figure["instructions"][case] for case in CASES[part])
        low, high = figure["span"]
        print(
            f"{label:48s} {measured / 1e6:6.2f}M / {base / 1e6:5.2f}M"
            f" = {figure['ratio']:.3f}  ({high} - {low} {unit})"
        )


def main(argv: t.Sequence[str] | None = None) -> dict[str, t.Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=sorted(CASES))
    parser.add_argument("--json", type=Path)
    parser.add_argument("--run", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.run:
        part, case, count = args.run
        (run_pages if part == "pages" else run_offers)(case, int(count))
        return {}
    if shutil.which("valgrind") is None:
        raise SystemExit(
            "valgrind is missing: `make bench-instructions` installs Debian's"
        )
    figures = measure([args.only] if args.only else list(CASES))
    report(figures)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(figures, indent=2) + "\n")
    return figures


if __name__ == "__main__":
    main()
