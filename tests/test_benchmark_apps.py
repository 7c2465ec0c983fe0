"""Every part of ``make bench`` (and ``make bench-goals``) builds its app under
the extension's current setting checks. A setting that became compulsory
(``LOYALTY_BASE_URL`` for SMTP delivery) once stopped ``make bench`` halfway, and
no test noticed for sessions."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# Run apart: the benchmark modules import each other by bare names
# (``points``, ``offers_shop``) from benchmarks/ on sys.path.
SCRIPT = r"""
import sys
import tempfile
from pathlib import Path

import pytest

sys.path.insert(0, "benchmarks")
import deliverability, goals, journeys, newsletter_shop, offers_shop, pages, points
import suggestions

with tempfile.TemporaryDirectory() as name:
    folder = Path(name)
    def url(db):
        return f"sqlite:///{folder / db}.db"
    apps = {
        "pages": pages.build_app(folder),
        "deliverability": deliverability.make_app(folder, "bare", 2525, folder / "k"),
        "journeys": journeys.build_app(url("journeys")),
        "newsletter": newsletter_shop.make_shop(url("newsletter"), folder),
        "offers": offers_shop.build_app(url("offers")),
        "points": points.build_app(url("points")),
        "suggestions": suggestions.build_app(folder / "suggestions.db", []),
    }
    for part, app in apps.items():
        assert "loyalty" in app.extensions, part
    print("built:", " ".join(sorted(apps)))
"""


def test_every_benchmark_app_builds() -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.split() == [
        "built:",
        "deliverability",
        "journeys",
        "newsletter",
        "offers",
        "pages",
        "points",
        "suggestions",
    ]


@pytest.mark.parametrize(("part", "case"), [("pages", "/loyalty/"), ("offers", "on")])
def test_what_callgrind_runs_for_the_instruction_counts_runs(
    part: str, case: str
) -> None:
    """``make bench-instructions`` runs these under valgrind: they must run."""
    done = subprocess.run(
        [sys.executable, "benchmarks/instructions.py", "--run", part, case, "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
