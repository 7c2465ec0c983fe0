"""CI cannot pass with a skipped test: ``tests.plugins.ci`` turns any skip into a
failure when ``CI=true``, and leaves it a skip otherwise."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

SKIPPING = """
import pytest

def test_skipped_by_a_condition():
    pytest.skip("no widget server here")

def test_runs():
    assert True
"""


def run_pytest(directory: Path, ci: str) -> subprocess.CompletedProcess[str]:
    (directory / "test_sample.py").write_text(SKIPPING)
    env = {**os.environ, "CI": ci, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "tests.plugins.ci",
            "-q",
            "-rA",
            "-p",
            "no:cacheprovider",
            str(directory / "test_sample.py"),
        ],
        cwd=directory,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("ci", "exit_code", "summary"),
    [
        ("true", 1, "1 failed, 1 passed"),
        ("", 0, "1 passed, 1 skipped"),
    ],
)
def test_a_skip_fails_only_in_ci(
    tmp_path: Path, ci: str, exit_code: int, summary: str
) -> None:
    result = run_pytest(tmp_path, ci)
    assert result.returncode == exit_code, result.stdout
    assert summary in result.stdout
    if ci:
        assert (
            "CI=true but the test was skipped: no widget server here" in result.stdout
        )
